package docx_test

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"encoding/xml"
	"errors"
	"io"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode"

	"innoreport/internal/tooltest"
	"innoreport/report"
	"innoreport/report/doc"
	"innoreport/report/docx"
	"innoreport/report/pdf"
	"innoreport/report/xlsx"
	"innoreport/samples"
	"innoreport/templates"
)

var made = time.Date(2022, 1, 5, 0, 0, 0, 0, time.UTC)

func sampleDoc(t testing.TB, lang report.Lang) (*doc.Document, *report.Template) {
	t.Helper()
	tm, err := report.ParseTemplate(templates.BuiltinName, templates.Builtin)
	if err != nil {
		t.Fatal(err)
	}
	wb, err := xlsx.Read(samples.Name, samples.Workbook, xlsx.Options{})
	if err != nil {
		t.Fatal(err)
	}
	res := report.Analyze(wb, tm, report.Options{})
	d, err := doc.Build(res, tm, doc.Options{Lang: lang, Made: made})
	if err != nil {
		t.Fatal(err)
	}
	return d, tm
}

func render(t testing.TB, d *doc.Document, tmpl []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := docx.Render(&buf, d, docx.Options{Font: pdf.DefaultFont, Created: made, Template: tmpl, TemplateName: "ref.docx"}); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func unzip(t testing.TB, data []byte) map[string][]byte {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	files := map[string][]byte{}
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			t.Fatal(err)
		}
		files[f.Name] = b
	}
	return files
}

var refAttr = regexp.MustCompile(`\br:(?:id|embed|link|pict)="([^"]+)"`)

// checkPackage asserts what Word needs before it opens a file at all:
// every XML part well-formed, every relationship's target present, every
// r:id used declared, every part with a content type.
func checkPackage(t *testing.T, data []byte) map[string][]byte {
	t.Helper()
	files := unzip(t, data)
	for name, b := range files {
		if !strings.HasSuffix(name, ".xml") && !strings.HasSuffix(name, ".rels") {
			continue
		}
		dec := xml.NewDecoder(bytes.NewReader(b))
		for {
			_, err := dec.Token()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				t.Errorf("%s is not well-formed: %v", name, err)
				break
			}
		}
	}
	var types struct {
		Default []struct {
			Ext string `xml:"Extension,attr"`
		} `xml:"Default"`
		Override []struct {
			Part string `xml:"PartName,attr"`
		} `xml:"Override"`
	}
	if err := xml.Unmarshal(files["[Content_Types].xml"], &types); err != nil {
		t.Fatal(err)
	}
	typed := map[string]bool{}
	for _, d := range types.Default {
		typed["."+strings.ToLower(d.Ext)] = true
	}
	for _, o := range types.Override {
		typed[strings.TrimPrefix(o.Part, "/")] = true
		if _, ok := files[strings.TrimPrefix(o.Part, "/")]; !ok {
			t.Errorf("[Content_Types].xml overrides %s, which is not in the package", o.Part)
		}
	}
	for name := range files {
		if name != "[Content_Types].xml" && !typed[name] && !typed[strings.ToLower(path.Ext(name))] {
			t.Errorf("%s has no content type", name)
		}
	}
	for name, b := range files {
		if !strings.HasSuffix(name, ".rels") {
			continue
		}
		owner := strings.TrimSuffix(strings.Replace(name, "_rels/", "", 1), ".rels")
		var rels struct {
			Rel []struct {
				ID     string `xml:"Id,attr"`
				Target string `xml:"Target,attr"`
				Mode   string `xml:"TargetMode,attr"`
			} `xml:"Relationship"`
		}
		if err := xml.Unmarshal(b, &rels); err != nil {
			t.Fatal(err)
		}
		ids := map[string]bool{}
		for _, r := range rels.Rel {
			if ids[r.ID] {
				t.Errorf("%s: id %s twice", name, r.ID)
			}
			ids[r.ID] = true
			if r.Mode == "External" {
				continue
			}
			target := path.Join(path.Dir(owner), r.Target)
			if strings.HasPrefix(r.Target, "/") {
				target = strings.TrimPrefix(r.Target, "/")
			}
			if _, ok := files[target]; !ok {
				t.Errorf("%s: %s points at %s, which is not in the package", name, r.ID, target)
			}
		}
		for _, m := range refAttr.FindAllStringSubmatch(string(files[owner]), -1) {
			if !ids[m[1]] {
				t.Errorf("%s uses r:id %s, which %s does not declare", owner, m[1], name)
			}
		}
	}
	return files
}

func countTables(d *doc.Document) int {
	n := 0
	for _, ch := range d.Chapters {
		for _, b := range ch.Blocks {
			if b.Table != nil {
				n++
			}
		}
	}
	return n
}

func TestPackage(t *testing.T) {
	for _, lang := range report.Langs {
		t.Run(string(lang), func(t *testing.T) {
			d, _ := sampleDoc(t, lang)
			data := render(t, d, nil)
			files := checkPackage(t, data)
			body := string(files["word/document.xml"])
			if got, want := strings.Count(body, "<w:tblHeader/>"), countTables(d); got != want {
				t.Errorf("%d header rows marked to repeat, want one for each of %d tables", got, want)
			}
			if rows, fixed := strings.Count(body, "<w:tr>"), strings.Count(body, "<w:cantSplit/>"); rows != fixed {
				t.Errorf("%d rows, %d of them kept from splitting", rows, fixed)
			}
			// GB/T 9704: A4; margins top 37, bottom 35, left 28, right 26 mm.
			for _, want := range []string{`<w:pgSz w:w="11906" w:h="16838"/>`, `w:top="2098" w:right="1474" w:bottom="1984" w:left="1587"`, "<w:footerReference"} {
				if !strings.Contains(body, want) {
					t.Errorf("document.xml lacks %s", want)
				}
			}
			styles := string(files["word/styles.xml"])
			for _, want := range []string{`w:eastAsia="方正小标宋简体"`, `w:eastAsia="仿宋_GB2312"`, `w:eastAsia="黑体"`, `w:eastAsia="楷体_GB2312"`, `<w:sz w:val="44"/>`, `<w:sz w:val="32"/>`, `w:eastAsia="zh-CN"`} {
				if !strings.Contains(styles, want) {
					t.Errorf("styles.xml lacks %s", want)
				}
			}
			fonts := string(files["word/fontTable.xml"])
			for _, want := range []string{`<w:font w:name="仿宋_GB2312"><w:altName w:val="仿宋"/>`, `<w:font w:name="方正小标宋简体"><w:altName w:val="宋体"/>`, `<w:charset w:val="86"/>`} {
				if !strings.Contains(fonts, want) {
					t.Errorf("fontTable.xml lacks %s", want)
				}
			}
			// Odd page numbers right, even ones left, each "— N —".
			for name, jc := range map[string]string{"word/footer1.xml": `<w:jc w:val="right"/>`, "word/footer2.xml": `<w:jc w:val="left"/>`} {
				footer := string(files[name])
				if !strings.Contains(footer, "— </w:t>") || !strings.Contains(footer, " PAGE ") || !strings.Contains(footer, " —</w:t>") || !strings.Contains(footer, jc) {
					t.Errorf("%s is not — PAGE — placed %s:\n%s", name, jc, footer)
				}
			}
			if !strings.Contains(string(files["word/settings.xml"]), "<w:evenAndOddHeaders/>") || !strings.Contains(body, `<w:footerReference w:type="even"`) {
				t.Error("no separate even-page footer")
			}
			pngs := 0
			for name, b := range files {
				if strings.HasSuffix(name, ".png") {
					pngs++
					if !bytes.HasPrefix(b, []byte("\x89PNG")) {
						t.Errorf("%s is not a PNG", name)
					}
				}
			}
			if pngs != 1 {
				t.Errorf("%d pictures, want the one chart", pngs)
			}
		})
	}
}

func TestReproducible(t *testing.T) {
	d, _ := sampleDoc(t, "zh")
	a := render(t, d, nil)
	d, _ = sampleDoc(t, "zh")
	if b := render(t, d, nil); !bytes.Equal(a, b) {
		t.Error("two renders of the same document differ")
	}
	ref := handMadeReference(t)
	d, _ = sampleDoc(t, "zh")
	a = render(t, d, ref)
	d, _ = sampleDoc(t, "zh")
	if b := render(t, d, ref); !bytes.Equal(a, b) {
		t.Error("two renders into the same reference differ")
	}
}

// fontsConf points LibreOffice's fontconfig at the vendored CJK font as
// well as the system's, so that pages show Chinese on a machine without a
// Chinese font (a bureau's PC has the office fonts).
func fontsConf(t *testing.T, dir string) string {
	t.Helper()
	fontDir, err := filepath.Abs(filepath.Join("..", "pdf", "font"))
	if err != nil {
		t.Fatal(err)
	}
	conf := filepath.Join(dir, "fonts.conf")
	err = os.WriteFile(conf, []byte(`<?xml version="1.0"?>
<!DOCTYPE fontconfig SYSTEM "fonts.dtd">
<fontconfig>
  <include ignore_missing="yes">/etc/fonts/fonts.conf</include>
  <dir>`+fontDir+`</dir>
  <cachedir>`+filepath.Join(dir, "fccache")+`</cachedir>
</fontconfig>
`), 0o644)
	if err != nil {
		t.Fatal(err)
	}
	return conf
}

// convert has LibreOffice Writer convert the .docx at path to format
// (pdf, txt:Text) and returns the output's path.
func convert(t *testing.T, path, format string) string {
	t.Helper()
	soffice := tooltest.Need(t, "soffice", "libreoffice-writer-nogui")
	if _, err := os.Stat("/usr/lib/libreoffice/program/libswlo.so"); err != nil {
		if os.Getenv("INNOREPORT_REQUIRE_TOOLS") != "" {
			t.Fatal("LibreOffice Writer not found: install Debian's libreoffice-writer-nogui (.ci/run does)")
		}
		t.Skip("LibreOffice Writer not found: install Debian's libreoffice-writer-nogui to run this test")
	}
	dir := t.TempDir()
	cmd := exec.Command(soffice, "--headless", "--norestore", "-env:UserInstallation=file://"+filepath.Join(dir, "profile"),
		"--convert-to", format, "--outdir", dir, path)
	cmd.Env = append(os.Environ(), "FONTCONFIG_FILE="+fontsConf(t, dir))
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("soffice: %v\n%s", err, out)
	}
	ext, _, _ := strings.Cut(format, ":")
	out := filepath.Join(dir, strings.TrimSuffix(filepath.Base(path), ".docx")+"."+ext)
	if _, err := os.Stat(out); err != nil {
		t.Fatalf("LibreOffice wrote no %s: %v", ext, err)
	}
	return out
}

func strip(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) {
			return -1
		}
		return r
	}, s)
}

func pdfText(t *testing.T, path string) string {
	t.Helper()
	pdftotext := tooltest.Need(t, "pdftotext", "poppler-utils")
	out, err := exec.Command(pdftotext, "-enc", "UTF-8", path, "-").Output()
	if err != nil {
		t.Fatal(err)
	}
	return string(out)
}

// wanted is what a reader must find: the title, the city's bureau, every
// section's name and every headline figure.
func wanted(d *doc.Document) []string {
	want := []string{d.Cover.Title, d.Cover.Bureau}
	for _, ch := range d.Chapters {
		want = append(want, ch.Title)
		for _, b := range ch.Blocks {
			for _, tile := range b.Tiles {
				want = append(want, tile.Label, tile.Value+" "+tile.Unit)
			}
			if b.Chart != nil {
				want = append(want, b.Chart.Labels...)
			}
		}
	}
	return want
}

// LibreOffice reads the .docx and finds the report in it, as text and as
// pages.
func TestLibreOffice(t *testing.T) {
	for _, lang := range report.Langs {
		t.Run(string(lang), func(t *testing.T) {
			d, _ := sampleDoc(t, lang)
			path := filepath.Join(t.TempDir(), "report.docx")
			if err := os.WriteFile(path, render(t, d, nil), 0o644); err != nil {
				t.Fatal(err)
			}
			// LibreOffice is slow: its text export once, in Chinese.
			var txt []byte
			if lang == "zh" {
				var err error
				if txt, err = os.ReadFile(convert(t, path, "txt:Text (encoded):UTF8")); err != nil {
					t.Fatal(err)
				}
			}
			pdfPath := convert(t, path, "pdf")
			pages := pdfText(t, pdfPath)
			for _, w := range wanted(d) {
				if txt != nil && !strings.Contains(strip(string(txt)), strip(w)) {
					t.Errorf("LibreOffice's text lacks %q", w)
				}
				if !strings.Contains(strip(pages), strip(w)) {
					t.Errorf("LibreOffice's PDF lacks %q", w)
				}
			}
			if !strings.Contains(strip(pages), "—2—") {
				t.Error("no page number — 2 — in LibreOffice's PDF")
			}
			if info, err := exec.Command("pdfinfo", pdfPath).Output(); err == nil && !strings.Contains(string(info), "595.") {
				t.Errorf("pages are not A4:\n%s", info)
			}
		})
	}
}

// python runs a python-docx script on the arguments and returns its output.
func python(t *testing.T, script string, args ...string) []byte {
	t.Helper()
	py := tooltest.Need(t, "/usr/bin/python3", "python3")
	if err := exec.Command(py, "-c", "import docx").Run(); err != nil {
		if os.Getenv("INNOREPORT_REQUIRE_TOOLS") != "" {
			t.Fatal("python-docx not found: install Debian's python3-docx (.ci/run does)")
		}
		t.Skip("python-docx not found: install Debian's python3-docx to run this test")
	}
	out, err := exec.Command(py, append([]string{"-c", script}, args...)...).CombinedOutput()
	if err != nil {
		t.Fatalf("python: %v\n%s", err, out)
	}
	return out
}

const readTables = `
import docx, json, sys
from docx.oxml.ns import qn
d = docx.Document(sys.argv[1])
out = {"tables": [], "styles": [s.name for s in d.styles], "paragraphs": [p.text for p in d.paragraphs]}
for t in d.tables:
    rows = t.rows
    first = rows[0]._tr.trPr
    out["tables"].append({
        "header": [c.text for c in rows[0].cells],
        "repeat": first is not None and first.find(qn("w:tblHeader")) is not None,
        "cant_split": all(r._tr.trPr is not None and r._tr.trPr.find(qn("w:cantSplit")) is not None for r in rows),
        "rows": len(rows),
    })
json.dump(out, sys.stdout, ensure_ascii=False)
`

type pyDoc struct {
	Tables []struct {
		Header    []string `json:"header"`
		Repeat    bool     `json:"repeat"`
		CantSplit bool     `json:"cant_split"`
		Rows      int      `json:"rows"`
	} `json:"tables"`
	Styles     []string `json:"styles"`
	Paragraphs []string `json:"paragraphs"`
}

// python-docx opens the file and finds the tables as Word tables, their
// header rows marked to repeat.
func TestPythonDocx(t *testing.T) {
	d, _ := sampleDoc(t, "zh")
	path := filepath.Join(t.TempDir(), "report.docx")
	if err := os.WriteFile(path, render(t, d, nil), 0o644); err != nil {
		t.Fatal(err)
	}
	var got pyDoc
	if err := json.Unmarshal(python(t, readTables, path), &got); err != nil {
		t.Fatal(err)
	}
	var want [][]string
	for _, ch := range d.Chapters {
		for _, b := range ch.Blocks {
			if b.Table != nil {
				var h []string
				for _, c := range b.Table.Columns {
					h = append(h, c.Header)
				}
				want = append(want, h)
			}
		}
	}
	var repeating [][]string
	for _, tb := range got.Tables {
		if !tb.CantSplit {
			t.Errorf("table %v has rows that may split", tb.Header)
		}
		if tb.Repeat {
			repeating = append(repeating, tb.Header)
		}
	}
	if len(repeating) != len(want) {
		t.Fatalf("%d tables repeat their header, want %d", len(repeating), len(want))
	}
	for i := range want {
		if strings.Join(repeating[i], "|") != strings.Join(want[i], "|") {
			t.Errorf("table %d header %v, want %v", i+1, repeating[i], want[i])
		}
	}
	for _, s := range []string{"Title", "Heading 1", "Heading 2", "Heading 3", "Heading 4", "Body Text", "Report Table"} {
		found := false
		for _, g := range got.Styles {
			found = found || g == s
		}
		if !found {
			t.Errorf("python-docx finds no style %q", s)
		}
	}
	// The same sentences as the PDF: every chapter title, heading and
	// paragraph of the document model is a paragraph of the .docx.
	have := map[string]bool{}
	for _, p := range got.Paragraphs {
		have[p] = true
	}
	for _, ch := range d.Chapters {
		for _, s := range append([]string{ch.Title}, blockTexts(ch)...) {
			if !have[s] {
				t.Errorf("no paragraph %.80q", s)
			}
		}
	}
	if len(got.Paragraphs) == 0 || got.Paragraphs[0] != d.Cover.Title {
		t.Errorf("first paragraph is not the title: %.60q", got.Paragraphs)
	}
}

func blockTexts(ch doc.Chapter) []string {
	var out []string
	for _, b := range ch.Blocks {
		for _, s := range []string{b.Heading, b.Paragraph} {
			if s != "" {
				out = append(out, s)
			}
		}
		if b.Table != nil && b.Table.More != "" {
			out = append(out, b.Table.More)
		}
	}
	return out
}

// A template asking for chapter breaks gets each chapter on a new page;
// otherwise chapters flow on.
func TestChapterBreak(t *testing.T) {
	d, _ := sampleDoc(t, "zh")
	body := string(unzip(t, render(t, d, nil))["word/document.xml"])
	if strings.Contains(body, "<w:pageBreakBefore/>") {
		t.Error("chapters break pages without the template asking")
	}
	d.ChapterBreak = true
	body = string(unzip(t, render(t, d, nil))["word/document.xml"])
	if n := strings.Count(body, "<w:pageBreakBefore/>"); n != len(d.Chapters)-1 {
		t.Errorf("%d page breaks before chapters, want %d", n, len(d.Chapters)-1)
	}
}

// schemaOrder is the order ECMA-376 gives the children of the elements the
// report writes (the ones it uses). Word refuses a file with them out of
// order, even where LibreOffice reads it.
var schemaOrder = map[string][]string{
	"pPr": {"pStyle", "keepNext", "keepLines", "pageBreakBefore", "framePr", "widowControl", "numPr", "suppressLineNumbers", "pBdr", "shd", "tabs",
		"suppressAutoHyphens", "kinsoku", "wordWrap", "overflowPunct", "topLinePunct", "autoSpaceDE", "autoSpaceDN", "bidi", "adjustRightInd",
		"snapToGrid", "spacing", "ind", "contextualSpacing", "mirrorIndents", "suppressOverlap", "jc", "textDirection", "textAlignment",
		"textboxTightWrap", "outlineLvl", "divId", "cnfStyle", "rPr", "sectPr", "pPrChange"},
	"rPr": {"rStyle", "rFonts", "b", "bCs", "i", "iCs", "caps", "smallCaps", "strike", "dstrike", "outline", "shadow", "emboss", "imprint",
		"noProof", "snapToGrid", "vanish", "webHidden", "color", "spacing", "w", "kern", "position", "sz", "szCs", "highlight", "u", "effect",
		"bdr", "shd", "fitText", "vertAlign", "rtl", "cs", "em", "lang", "eastAsianLayout", "specVanish", "oMath"},
	"tcPr":   {"cnfStyle", "tcW", "gridSpan", "hMerge", "vMerge", "tcBorders", "shd", "noWrap", "tcMar", "textDirection", "tcFitText", "vAlign", "hideMark"},
	"tblPr":  {"tblStyle", "tblpPr", "tblOverlap", "bidiVisual", "tblStyleRowBandSize", "tblStyleColBandSize", "tblW", "jc", "tblCellSpacing", "tblInd", "tblBorders", "shd", "tblLayout", "tblCellMar", "tblLook"},
	"sectPr": {"headerReference", "footerReference", "footnotePr", "endnotePr", "type", "pgSz", "pgMar", "paperSrc", "pgBorders", "lnNumType", "pgNumType", "cols", "formProt", "vAlign", "noEndnote", "titlePg", "textDirection", "bidi", "rtlGutter", "docGrid", "printerSettings"},
	"style":  {"name", "aliases", "basedOn", "next", "link", "autoRedefine", "hidden", "uiPriority", "semiHidden", "unhideWhenUsed", "qFormat", "locked", "personal", "personalCompose", "personalReply", "rsid", "pPr", "rPr", "tblPr", "trPr", "tcPr", "tblStylePr"},
	"tc":     {"tcPr", "p", "tbl"},
	"tbl":    {"tblPr", "tblGrid", "tr"},
	"inline": {"extent", "effectExtent", "docPr", "cNvGraphicFramePr", "graphic"},
	"font":   {"altName", "panose1", "charset", "family", "notTrueType", "pitch", "sig"},
	// settings' children, the ones written, in the schema's order.
	"settings": {"view", "zoom", "defaultTabStop", "evenAndOddHeaders", "characterSpacingControl", "compat"},
}

func checkOrder(t *testing.T, name string, data []byte) {
	t.Helper()
	type frame struct {
		name string
		last int
	}
	var stack []frame
	dec := xml.NewDecoder(bytes.NewReader(data))
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			return
		}
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		switch el := tok.(type) {
		case xml.StartElement:
			if n := len(stack); n > 0 {
				parent := &stack[n-1]
				if order, ok := schemaOrder[parent.name]; ok && (el.Name.Space == "http://schemas.openxmlformats.org/wordprocessingml/2006/main" || parent.name == "inline") {
					i := slices.Index(order, el.Name.Local)
					switch {
					case i < 0:
						t.Errorf("%s: <%s> in <%s> is not in the schema's list", name, el.Name.Local, parent.name)
					case i < parent.last:
						t.Errorf("%s: <%s> comes after <%s> in <%s>", name, el.Name.Local, order[parent.last], parent.name)
					default:
						parent.last = i
					}
				}
			}
			stack = append(stack, frame{name: el.Name.Local})
		case xml.EndElement:
			stack = stack[:len(stack)-1]
		}
	}
}

func TestSchemaOrder(t *testing.T) {
	for _, lang := range report.Langs {
		d, _ := sampleDoc(t, lang)
		for name, b := range unzip(t, render(t, d, nil)) {
			if strings.HasSuffix(name, ".xml") {
				checkOrder(t, name, b)
			}
		}
	}
}
