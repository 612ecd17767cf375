package updated

import (
	"bufio"
	"bytes"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/iotest"
	"time"

	"innoreport/report"
)

// Declarations a part uses stay, in element and attribute names and in
// markup-compatibility attributes; the others go.
func TestPruneNamespaces(t *testing.T) {
	in := `<?xml version="1.0"?><worksheet xmlns="m" xmlns:r="rel" xmlns:x14="x14ns" xmlns:mc="mcns" xmlns:unused="u" xmlns:xr="xrns" mc:Ignorable="xr"><sheetData/><mc:AlternateContent><mc:Choice Requires="x14"><drawing r:id="rId1"/></mc:Choice></mc:AlternateContent></worksheet>`
	out := string(pruneNamespaces([]byte(in)))
	for _, keep := range []string{`xmlns="m"`, `xmlns:r=`, `xmlns:x14=`, `xmlns:mc=`, `xmlns:xr=`} {
		if !strings.Contains(out, keep) {
			t.Errorf("%s dropped: %s", keep, out)
		}
	}
	if strings.Contains(out, "xmlns:unused") {
		t.Errorf("unused declaration kept: %s", out)
	}
}

// A copied cell format keeps everything but its fill; the counts follow.
func TestAddFillXfs(t *testing.T) {
	in := `<styleSheet><fonts count="1"><font/></fonts><fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill></fills>` +
		`<cellXfs count="2"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/><xf numFmtId="9" fontId="0" fillId="1" borderId="0" applyFill="0"><alignment wrapText="1"/></xf></cellXfs></styleSheet>`
	out, base, err := addFillXfs([]byte(in), []fillXf{{1, "FFC7CE"}, {0, "FFC7CE"}, {7, "FFEB9C"}})
	if err != nil {
		t.Fatal(err)
	}
	if base != 2 {
		t.Errorf("base %d, want 2", base)
	}
	for _, want := range []string{
		`<fills count="4">`, `<cellXfs count="5">`,
		`<fill><patternFill patternType="solid"><fgColor rgb="FFFFC7CE"/><bgColor indexed="64"/></patternFill></fill><fill><patternFill patternType="solid"><fgColor rgb="FFFFEB9C"/>`,
		`<xf numFmtId="9" fontId="0" fillId="2" borderId="0" applyFill="1"><alignment wrapText="1"/></xf>`,
		`<xf numFmtId="0" fontId="0" fillId="2" borderId="0" applyFill="1"/>`,
		`<xf numFmtId="0" fontId="0" fillId="3" borderId="0" applyFill="1"/></cellXfs>`,
	} {
		if !strings.Contains(string(out), want) {
			t.Errorf("no %s in\n%s", want, out)
		}
	}
}

func TestNormaliseColours(t *testing.T) {
	in := `<a><color rgb="ff0000"/><color rgb="FF00000000"/><fgColor rgb="0"/><color rgb="80FFEEDD"/><color theme="1" rgb=""/></a>`
	want := `<a><color rgb="FFFF0000"/><color/><fgColor/><color rgb="80FFEEDD"/><color theme="1"/></a>`
	if got := string(normaliseColours([]byte(in))); got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
}

// transitional converts a part as a stream just as strictToTransitional
// converts it whole, however its reads are cut.
func TestTransitionalStream(t *testing.T) {
	part := `<?xml version="1.0"?><worksheet xmlns="http://purl.oclc.org/ooxml/spreadsheetml/main" xmlns:r="http://purl.oclc.org/ooxml/officeDocument/relationships" conformance="strict">` +
		strings.Repeat(`<row r="1"><c r="A1" t="inlineStr"><is><t>http://purl.oclc.org/ooxml/drawingml/ stays text</t></is></c></row>`, 3000) + `</worksheet>`
	want := strictToTransitional.Replace(part)
	for name, r := range map[string]io.Reader{
		"one byte a read": iotest.OneByteReader(strings.NewReader(part)),
		"half a read":     iotest.HalfReader(strings.NewReader(part)),
		"whole":           strings.NewReader(part),
	} {
		t.Run(name, func(t *testing.T) {
			got, err := io.ReadAll(&transitional{r: r})
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != want {
				t.Errorf("converted %d bytes, want %d; differs from byte %d", len(got), len(want), firstDiff(string(got), want))
			}
		})
	}
}

func firstDiff(a, b string) int {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return i
		}
	}
	return min(len(a), len(b))
}

// A row longer than the patch's first buffer is read whole: a style
// patched after it lands on its cell, and the long text passes intact.
func TestPatchLongRow(t *testing.T) {
	long := strings.Repeat("长", 70<<10)
	part := `<?xml version="1.0"?><worksheet><sheetData>` +
		`<row r="1"><c r="A1" t="inlineStr"><is><t>` + long + `</t></is></c></row>` +
		`<row r="2"><c r="A2" s="1"><v>2</v></c></row></sheetData></worksheet>`
	sp := &sheetPatch{restyle: []restyleCell{{row: 2, col: 1, xf: 7}}}
	var out strings.Builder
	if err := sp.apply(&out, iotest.HalfReader(strings.NewReader(part))); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), `<t>`+long+`</t>`) {
		t.Error("the long row's text was cut")
	}
	if !strings.Contains(out.String(), `<c r="A2" s="7">`) {
		t.Errorf("the style after the long row was not patched: …%s", out.String()[len(out.String())-120:])
	}
}

// What an attempt wrote is taken back, in a buffer and in a file alike,
// and what follows is written where it began.
func TestUndoer(t *testing.T) {
	f, err := os.Create(filepath.Join(t.TempDir(), "out"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var buf bytes.Buffer
	for _, w := range []io.Writer{&buf, f} {
		if _, err := io.WriteString(w, "abc"); err != nil {
			t.Fatal(err)
		}
		undo, ok := undoer(w)
		if !ok {
			t.Fatalf("%T cannot be taken back", w)
		}
		if _, err := io.WriteString(w, "defg"); err != nil {
			t.Fatal(err)
		}
		if err := undo(); err != nil {
			t.Fatal(err)
		}
		if _, err := io.WriteString(w, "x"); err != nil {
			t.Fatal(err)
		}
	}
	got, err := os.ReadFile(f.Name())
	if err != nil {
		t.Fatal(err)
	}
	if buf.String() != "abcx" || string(got) != "abcx" {
		t.Errorf("buffer %q, file %q; want abcx", buf.String(), got)
	}
	if _, ok := undoer(io.Discard); ok {
		t.Error("io.Discard can be taken back")
	}
}

// Our sheets' cells as the patch writes them: a formula's number stored
// as a number (no t="str", which readers that do not recalculate show as
// text), a formula with no value, a string formula, dates' serials on
// both date systems, no infinity or NaN where a number goes; a
// cell set twice keeps the last value, and rows and columns come out in
// order whatever order they were set in.
func TestOurCells(t *testing.T) {
	rows := &sheetRows{byRow: map[int][]newCell{}}
	rows.put(2, newCell{col: 3, style: 4, formula: "B2/A2", noValue: true})
	rows.put(2, newCell{col: 1, num: true, number: 46, formula: "COUNTA('任务清单'!$N$5:$N$43)"})
	rows.put(1, newCell{col: 2, text: "old"})
	rows.put(1, newCell{col: 2, text: "<完成>"})
	rows.put(1, newCell{col: 1, style: 7, num: true, number: report.TimeToSerial(time.Date(2021, 12, 31, 0, 0, 0, 0, time.FixedZone("CST", 8*3600)), false)})
	rows.put(2, newCell{col: 2, formula: `HYPERLINK("#A1","A1")`, text: "A1"})
	rows.put(3, newCell{col: 1, num: true, number: math.Inf(1), formula: "F3/E3"})
	rows.put(3, newCell{col: 2, style: 4, num: true, number: math.NaN()})
	rows.put(3, newCell{col: 3, num: true, number: report.TimeToSerial(time.Date(2021, 12, 31, 12, 0, 0, 0, time.UTC), true)})
	if last, max := rows.dims(); last != 3 || max != 3 {
		t.Errorf("dims %d, %d; want 3, 3", last, max)
	}
	var buf bytes.Buffer
	st := &patchState{out: bufio.NewWriter(&buf)}
	var cells []newCell
	for r := rows.next(); r != 0; r = rows.next() {
		cells, _ = rows.take(cells[:0])
		for i := range cells {
			st.writeCell(&cells[i], r)
		}
	}
	st.out.Flush()
	want := `<c r="A1" s="7"><v>44561</v></c><c r="B1" t="inlineStr"><is><t xml:space="preserve">&lt;完成&gt;</t></is></c>` +
		`<c r="A2"><f>COUNTA(&#39;任务清单&#39;!$N$5:$N$43)</f><v>46</v></c>` +
		`<c r="B2" t="str"><f>HYPERLINK(&#34;#A1&#34;,&#34;A1&#34;)</f><v>A1</v></c><c r="C2" s="4"><f>B2/A2</f></c>` +
		`<c r="A3"><f>F3/E3</f></c><c r="B3" s="4"/><c r="C3"><v>43099.5</v></c>`
	if buf.String() != want {
		t.Errorf("got  %s\nwant %s", buf.String(), want)
	}
}

// A sheet whose elements carry a long prefix gets a stand-in with its
// head, its rows' heights and its legacyDrawing (this once looped).
func TestStubOfPrefixedSheet(t *testing.T) {
	in := `<?xml version="1.0"?><main:worksheet xmlns:main="m" xmlns:r="r"><main:cols/><main:sheetData>` +
		`<main:row r="1" ht="30"><main:c r="A1"/></main:row><main:row r="2"/></main:sheetData>` +
		`<main:legacyDrawing r:id="rId9"/></main:worksheet>`
	want := `<?xml version="1.0"?><main:worksheet xmlns:main="m" xmlns:r="r"><main:cols/><main:sheetData>` +
		`<main:row r="1" ht="30"/></main:sheetData><main:legacyDrawing r:id="rId9"/></main:worksheet>`
	if got := string(stubOf([]byte(in))); got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
}
