package xlsx

import (
	"archive/zip"
	"bufio"
	"bytes"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"
	"unsafe"

	"innoreport/internal/corpustest"
	"innoreport/report"
)

// The scanner is held to encoding/xml, the reader it stands in for (the
// fast path against the slow one): on every corpus workbook, and on sheet
// XML of every shape the fuzzer makes, both give the same grid, merges,
// shared strings, findings and errors.

// withStdXML runs f with every part read by encoding/xml.
func withStdXML(f func()) {
	stdXMLOnly = true
	defer func() { stdXMLOnly = false }()
	f()
}

// readOutcome is what reading a workbook gives, comparable as a whole.
type readOutcome struct {
	WB  *report.Workbook
	Err string
}

func readBoth(name string, data []byte) (fast, std readOutcome) {
	read := func() readOutcome {
		wb, err := Read(name, data, Options{})
		o := readOutcome{WB: wb}
		if err != nil {
			o.Err = err.Error()
		}
		return o
	}
	fast = read()
	withStdXML(func() { std = read() })
	return fast, std
}

// corpusFiles are the files of shared/corpus, beside the project.
func corpusFiles(tb testing.TB) []string {
	dir := filepath.Join("..", "..", "..", "shared", "corpus")
	var files []string
	for _, sub := range []string{"xlsx", "other"} {
		more, _ := filepath.Glob(filepath.Join(dir, sub, "*"))
		files = append(files, more...)
	}
	if len(files) == 0 {
		tb.Skipf("corpus not found at %s: it lives beside the project in shared/corpus", dir)
	}
	return files
}

// TestScannerAgreesWithEncodingXMLOnCorpus reads every corpus file both
// ways.
func TestScannerAgreesWithEncodingXMLOnCorpus(t *testing.T) {
	files := corpusFiles(t)
	if testing.Short() {
		t.Skip("the corpus takes a while: not in -short")
	}
	for _, path := range files {
		t.Run(filepath.Base(path), func(t *testing.T) {
			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			fast, std := readBoth(filepath.Base(path), data)
			if fast.Err != std.Err {
				t.Fatalf("errors differ:\nscanner      %s\nencoding/xml %s", fast.Err, std.Err)
			}
			if !reflect.DeepEqual(fast, std) {
				t.Errorf("the scanner and encoding/xml read different workbooks: %s", firstDiff(fast.WB, std.WB))
			}
		})
	}
}

// firstDiff names the first place two workbooks differ, for the message.
func firstDiff(a, b *report.Workbook) string {
	if a == nil || b == nil || len(a.Sheets) != len(b.Sheets) {
		return "in their sheets"
	}
	for i, s := range a.Sheets {
		o := b.Sheets[i]
		for r := range max(len(s.Rows), len(o.Rows)) {
			width := 0
			if r < len(s.Rows) && r < len(o.Rows) {
				width = max(len(s.Rows[r]), len(o.Rows[r]))
			}
			for c := range width {
				if x, y := s.At(r, c), o.At(r, c); x != y {
					return fmt.Sprintf("%s!%s: %+v against %+v", s.Name, report.CellName(c, r), x, y)
				}
			}
			if width == 0 && len(s.Rows) != len(o.Rows) {
				return fmt.Sprintf("%s: %d rows against %d", s.Name, len(s.Rows), len(o.Rows))
			}
		}
		if !reflect.DeepEqual(s.Merges, o.Merges) {
			return s.Name + ": merges"
		}
	}
	return "outside the cells (findings, properties)"
}

// partOutcome is what one part's XML gives, read as a sheet and as the
// shared strings.
type partOutcome struct {
	Rows       [][]report.Cell
	Merges     []report.Range
	Uncomputed []formulaRef
	SheetErr   string
	SST        []string
	SSTErr     string
}

// chunked reads at most n bytes a call, so that tokens straddle the
// scanner's refills.
type chunked struct {
	r io.Reader
	n int
}

func (c chunked) Read(b []byte) (int, error) { return c.r.Read(b[:min(len(b), c.n)]) }

// readPart reads data as a worksheet and as a shared strings part. A
// non-zero unzip limit counts the bytes as a package's part does.
func readPart(data []byte, chunk int, unzip int64) partOutcome {
	lim := Limits{UnzipSize: 1 << 40, Rows: 5000, Cols: 500, CellChars: 200, Time: time.Hour}.withDefaults()
	if unzip > 0 {
		lim.UnzipSize = unzip
	}
	p := newPkg("fuzz.xlsx", lim, &zip.Reader{})
	p.deadline = time.Now().Add(time.Hour)
	p.xfs = []report.NumFormat{report.FormatGeneral, report.FormatDate, report.FormatPercent}
	p.sst = []string{"零", "one"}
	open := func() io.Reader {
		var r io.Reader = bytes.NewReader(data)
		if chunk > 0 {
			r = chunked{r, chunk}
		}
		return &counter{r: r, p: p}
	}
	var o partOutcome
	s := &report.Sheet{Name: "S"}
	if err := p.readSheet(open(), s, 0); err != nil {
		o.SheetErr = err.Error()
	}
	o.Rows, o.Merges, o.Uncomputed = s.Rows, s.Merges, p.uncomputed
	p.sst, p.unpacked = nil, 0
	if err := tokens(open(), &sstReader{p: p}); err != nil {
		o.SSTErr = err.Error()
	}
	o.SST = p.sst
	return o
}

// checkPart holds the scanner to encoding/xml on one part, read whole and
// in small pieces, with the usual buffer and with one so small that most
// tokens outgrow it.
func checkPart(t *testing.T, data []byte) {
	t.Helper()
	var want, wantCut partOutcome
	cut := int64(len(data) / 2)
	withStdXML(func() {
		want = readPart(data, 0, 0)
		wantCut = readPart(data, 0, cut)
	})
	defer func(size, most int) { scanBufSize, scanMaxToken = size, most }(scanBufSize, scanMaxToken)
	for _, buf := range [][2]int{{64 << 10, 4 << 20}, {8, 64}} {
		scanBufSize, scanMaxToken = buf[0], buf[1]
		for _, chunk := range []int{0, 1, 3, 7} {
			if got := readPart(data, chunk, 0); !reflect.DeepEqual(got, want) {
				t.Fatalf("buffer %d, reads of %d: the scanner read\n%+v\nencoding/xml\n%+v", buf[0], chunk, got, want)
			}
		}
		if cut > 0 {
			if got := readPart(data, 5, cut); !reflect.DeepEqual(got, wantCut) {
				t.Fatalf("buffer %d, unzip limit %d: the scanner read\n%+v\nencoding/xml\n%+v", buf[0], cut, got, wantCut)
			}
		}
	}
}

// partSeeds are sheet and shared-strings XML in the shapes writers use,
// and beside each the markup the scanner leaves to encoding/xml.
var partSeeds = []string{
	`<?xml version="1.0" encoding="UTF-8" standalone="yes"?>` + "\r\n" +
		`<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>` +
		`<row r="1" spans="1:3"><c r="A1" s="1" t="s"><v>0</v></c><c r="B1" t="inlineStr"><is><t xml:space="preserve"> a &amp; b &lt;c&gt; &#x4E2D;&#25991; </t></is></c>` +
		`<c r="C1" t="str"><f>A1&amp;"x"</f><v>ax</v></c></row>` +
		`<row r="3"><c r="A3"><f t="shared" si="0" ref="A3:A4"/><v></v></c><c r="B3" t="b"><v>1</v></c><c r="C3" s="2"><v>0.5</v></c></row>` +
		`</sheetData><mergeCells count="1"><mergeCell ref="A1:B2"/></mergeCells></worksheet>`,
	`<x:worksheet xmlns:x="http://purl.oclc.org/ooxml/spreadsheetml/main"><x:sheetData><x:row><x:c t='inlineStr'><x:is><x:r><x:t>富</x:t></x:r><x:r><x:rPr/><x:t>文本</x:t></x:r></x:is></x:c>` +
		`<x:c t="d"><x:v>2021-06-30T00:00:00</x:v></x:c><x:c t="e"><x:v>#N/A</x:v></x:c></x:row></x:sheetData></x:worksheet>`,
	"<sst><si><t>a\r\nb\rc</t></si><si><r><t>x</t></r><r><t>y</t></r><rPh><t>ピ</t></rPh></si><si><t>_x000D_&quot;&apos;</t></si></sst>",
	`<sheetData><!-- a comment --><row r = "2" ><c r="B2"   t = "s" ><v> 1 </v></c ></row ></sheetData>`,
	`<!DOCTYPE x [<!ENTITY e "boom">]><sheetData><row><c t="inlineStr"><is><t>&e;</t></is></c></row></sheetData>`,
	`<sheetData><row><c><v><![CDATA[12]]></v></c><c t="inlineStr"><is><t>&nbsp;&#0;&#xD800;&#X41;</t></is></c></row></sheetData>`,
	"<sheetData><row><c t=\"inlineStr\"><is><t>\xff\xfe bad \x01</t></is></c></row></sheetData>",
	`<?xml version="1.0" encoding="GBK"?><sheetData><row><c><v>1</v></c></row></sheetData>`,
	`<sheetData><row r="1"><c r="A1"><v>1</v></c></row><row r="2"><c r="A2"><v>2</v></row></sheetData`,
	`<sheetData><row r="9999999"><c r="XFD1"><v>1</v></c></row><c r=A1 s><v>]]></v></c><a:b:c/><é/></sheetData>`,
	"<sheetData>\n<row>\r\n<c><v>1</v></c>\n<!--\n-->\n<c><v>2</v></c><1bad/></row></sheetData>",
	`<sst><si><t>` + strings.Repeat("长", 300) + `</t></si></sst>`,
}

// partSeedsFromCorpus are the small worksheets and shared strings parts
// of corpus workbooks.
func partSeedsFromCorpus(tb testing.TB) [][]byte {
	dir := filepath.Join("..", "..", "..", "shared", "corpus", "xlsx")
	return corpustest.Parts(filepath.Join(dir, "*"), func(name string, size uint64) bool {
		name = strings.ToLower(name)
		return size <= 16<<10 && (strings.Contains(name, "worksheets/") || strings.Contains(name, "sharedstrings"))
	})
}

// FuzzSheetScan holds the scanner to encoding/xml on any bytes read as a
// worksheet or a shared strings part. Its seeds, the corpus's small parts
// among them, run in every go test.
func FuzzSheetScan(f *testing.F) {
	for _, s := range partSeeds {
		f.Add([]byte(s))
	}
	for _, b := range partSeedsFromCorpus(f) {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		checkPart(t, data)
	})
}

// TestAtoiIsStrconv holds atoi to strconv.Atoi, which it replaces on the
// scanner's bytes.
func TestAtoiIsStrconv(t *testing.T) {
	for _, s := range []string{"", "0", "-0", "+0", "1", "+7", "-7", "012", "1_0", " 1", "1 ", "a1", "-", "+",
		"9223372036854775807", "9223372036854775808", "-9223372036854775808", "-9223372036854775809",
		"99999999999999999999", "18446744073709551616", "1048576", "１"} {
		n, ok := atoi(s)
		m, err := strconv.Atoi(s)
		if ok != (err == nil) || ok && n != m {
			t.Errorf("atoi(%q) = %d, %v; strconv.Atoi = %d, %v", s, n, ok, m, err)
		}
		if nb, okb := atoi([]byte(s)); nb != n || okb != ok {
			t.Errorf("atoi of bytes %q = %d, %v, of the string %d, %v", s, nb, okb, n, ok)
		}
	}
}

// nullSink takes tokens and keeps nothing.
type nullSink struct{}

func (nullSink) start([]byte, []rawAttr) error { return nil }
func (nullSink) end([]byte) error              { return nil }
func (nullSink) text([]byte) error             { return nil }

// TestScannerReadsWhatWritersWrite: the seeds in the shapes writers use
// are read by the scanner to their end, the others handed over.
func TestScannerReadsWhatWritersWrite(t *testing.T) {
	for i, s := range partSeeds {
		sc := &scanner{r: strings.NewReader(s), buf: make([]byte, 64)}
		err := sc.run(nullSink{})
		if own := i < 4 || i == len(partSeeds)-1; own != (err == nil) {
			t.Errorf("seed %d: the scanner's own grammar is %v, it returned %v at %q", i, own, err, sc.buf[sc.pos:sc.end])
		}
	}
}

// TestScannerOnShuffledMarkup holds the scanner to encoding/xml on parts
// put together at random from the pieces sheet XML is made of, good and
// broken, which the fuzzer's byte mutations seldom assemble: cells whose
// text mixes entities, line ends and odd characters, with now and then a
// piece of anything anywhere.
func TestScannerOnShuffledMarkup(t *testing.T) {
	text := []string{"1", "0", "12.5", "中文", " ", "\n", "\r", "\r\n", "\t", "&amp;", "&lt;", "&gt;", "&quot;", "&apos;",
		"&#x4E2D;", "&#65;", "&#0;", "&#1;", "&#xFFFE;", "&#x10FFFF;", "&#x110000;", "&#00000000065;", "&#xD800;", "&#X41;", "&#;", "&nbsp;", "&amp", "&", "]]>", "]", ">", "\"", "'",
		"\xff", "\xef\xbf\xbe", "\x01", "é", "_x000D_", "（", "\u3000"}
	cells := []string{`<c>%s</c>`, `<c r="B3" s="1" t="s"><v>%s</v></c>`, `<x:c r='C1' t='inlineStr'><x:is><x:t>%s</x:t></x:is></x:c>`,
		`<c t="inlineStr"><is><r><t>%s</t></r><r><t>%[1]s</t></r></is></c>`, `<c r="D2" t="str"><f>A1</f><v>%s</v></c>`,
		`<c t="b"><v>%s</v></c>`, `<c s="2"><v>%s</v></c>`, `<si><t>%s</t><rPh><t>%[1]s</t></rPh></si>`, `<si><r><t>%s</t></r></si>`}
	noise := []string{`<row>`, `</row>`, `</c>`, `<c>`, `<f/>`, `<v/>`, `<mergeCell ref="A1:B2"/>`, `<`, `>`, `"`, `=`, `/`,
		`<!-- c -->`, `<!--`, `--`, `<![CDATA[x]]>`, `<!DOCTYPE a>`, `<?xml version="1.0" encoding="utf-8"?>`,
		`<?xml version="1.1"?>`, `<?pi x?>`, `<c r="A1" r="B1">`, `<c r=A1>`, `<c r>`, `<a:b:c>`, `<:c>`, `<c:>`,
		`</c >`, `</ c>`, "<c\n r = \"D4\"\n>", "\xff", "&amp;", "&bad;"}
	rnd := rand.New(rand.NewPCG(16, 1))
	pick := func(s []string) string { return s[rnd.IntN(len(s))] }
	for i := range 1500 {
		var b strings.Builder
		b.WriteString(`<?xml version="1.0" encoding="UTF-8"?>` + "\n<sheetData><sst>")
		for r := range 1 + rnd.IntN(6) {
			fmt.Fprintf(&b, `<row r="%d">`, r+1)
			for range rnd.IntN(5) {
				var v strings.Builder
				for range rnd.IntN(4) {
					v.WriteString(pick(text))
				}
				fmt.Fprintf(&b, pick(cells), v.String())
				if rnd.IntN(20) == 0 {
					b.WriteString(pick(noise))
				}
			}
			b.WriteString("</row>\n")
		}
		b.WriteString("</sst></sheetData>")
		data := []byte(b.String())
		t.Run(strconv.Itoa(i), func(t *testing.T) { checkPart(t, data) })
	}
}

// BenchmarkRead reads a benchmark workbook (scripts/perf.sh leaves them
// in INNOREPORT_BENCH_DIR) by the scanner and by encoding/xml alone, so
// the two can be set side by side in one run.
func BenchmarkRead(b *testing.B) {
	dir := os.Getenv("INNOREPORT_BENCH_DIR")
	if dir == "" {
		dir = filepath.Join(os.TempDir(), "innoreport-bench")
	}
	data, err := os.ReadFile(filepath.Join(dir, "tasks-20000.xlsx"))
	if err != nil {
		b.Skipf("no benchmark workbook: %v (go test -bench Check ./cmd/innoreport makes it)", err)
	}
	for _, way := range []string{"scanner", "encoding-xml"} {
		b.Run(way, func(b *testing.B) {
			stdXMLOnly = way == "encoding-xml"
			defer func() { stdXMLOnly = false }()
			b.SetBytes(int64(len(data)))
			for b.Loop() {
				if _, err := Read("tasks-20000.xlsx", data, Options{}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// TestSkipToMergesCountsEveryRow holds the row count of the merge pass,
// which sizes the task list, to the rows there are: every buffer's cut
// falls somewhere in a <row tag for one of these lengths.
func TestSkipToMergesCountsEveryRow(t *testing.T) {
	for _, pad := range []int{0, 1, 2, 3, 5, 17} {
		var b strings.Builder
		b.WriteString(`<worksheet><sheetData>`)
		const rows = 3000
		for r := 1; r <= rows; r++ {
			fmt.Fprintf(&b, `<row r="%d"><c r="A%d" t="s"><v>%d</v></c>%s</row>`, r, r, r%7, strings.Repeat(" ", (r*pad)%11))
		}
		b.WriteString(`</sheetData><mergeCells count="1"><mergeCell ref="A1:B1"/></mergeCells></worksheet>`)
		for _, size := range []int{512, 1000, 4096} {
			br := bufio.NewReaderSize(strings.NewReader(b.String()), size)
			got, err := skipToMerges(br)
			if err != nil || got != rows {
				t.Errorf("pad %d, buffer %d: counted %d rows (%v), want %d", pad, size, got, err, rows)
			}
		}
	}
}

// TestInternSharesShortTexts holds the interning of cell values: one
// string for a short text met twice, none kept past the length bound.
func TestInternSharesShortTexts(t *testing.T) {
	var p pkg
	a, b := p.intern([]byte("市科技局")), p.intern([]byte("市科技局"))
	if a != "市科技局" || unsafe.StringData(a) != unsafe.StringData(b) {
		t.Errorf("intern: %q and %q are two strings", a, b)
	}
	long := bytes.Repeat([]byte("长"), 30)
	p.intern(long)
	if _, ok := p.interned[string(long)]; ok {
		t.Errorf("intern kept a %d-byte text", len(long))
	}
}
