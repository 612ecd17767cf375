package docx_test

import (
	"archive/zip"
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"innoreport/report/docx"
	"innoreport/report/pdf"
)

const (
	masthead = "内江市科学技术局文件"
	docNo    = "内科发〔2022〕1号"
	copyTo   = "抄送：市委办公室，市政府办公室。"
)

// handMadeReference is a bureau's reference document as a Chinese Word
// writes it: localized style ids ("1" for heading 1, "a" for Normal), a red
// masthead in the header and the document number as the first paragraph,
// its own margins, no footer, no font table.
func handMadeReference(t testing.TB) []byte {
	t.Helper()
	const w = `xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"`
	parts := []struct{ name, body string }{
		{"[Content_Types].xml", `<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.template.main+xml"/><Override PartName="/word/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.styles+xml"/><Override PartName="/word/header1.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.header+xml"/></Types>`},
		{"_rels/.rels", `<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>`},
		{"word/_rels/document.xml.rels", `<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/><Relationship Id="rId7" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/header" Target="header1.xml"/></Relationships>`},
		{"word/styles.xml", `<?xml version="1.0" encoding="UTF-8"?><w:styles ` + w + `>` +
			`<w:style w:type="paragraph" w:default="1" w:styleId="a"><w:name w:val="Normal"/><w:rPr><w:rFonts w:eastAsia="仿宋_GB2312"/><w:sz w:val="32"/></w:rPr></w:style>` +
			`<w:style w:type="paragraph" w:styleId="1"><w:name w:val="heading 1"/><w:basedOn w:val="a"/><w:pPr><w:pageBreakBefore/><w:outlineLvl w:val="0"/></w:pPr><w:rPr><w:color w:val="C00000"/><w:sz w:val="36"/></w:rPr></w:style>` +
			`<w:style w:type="paragraph" w:customStyle="1" w:styleId="a5"><w:name w:val="红头"/><w:basedOn w:val="a"/><w:pPr><w:jc w:val="center"/></w:pPr><w:rPr><w:color w:val="FF0000"/><w:sz w:val="72"/></w:rPr></w:style>` +
			`</w:styles>`},
		{"word/header1.xml", `<?xml version="1.0" encoding="UTF-8"?><w:hdr ` + w + `><w:p><w:pPr><w:pStyle w:val="a5"/></w:pPr><w:r><w:t>` + masthead + `</w:t></w:r></w:p></w:hdr>`},
		{"word/document.xml", `<?xml version="1.0" encoding="UTF-8"?><w:document ` + w + `><w:body>` +
			`<w:p><w:pPr><w:jc w:val="center"/></w:pPr><w:r><w:t>` + docNo + `</w:t></w:r></w:p>` +
			`<w:p><w:pPr><w:pBdr><w:bottom w:val="single" w:sz="24" w:space="1" w:color="FF0000"/></w:pBdr></w:pPr></w:p>` +
			// Where the report goes, the placeholder split over runs as
			// Word splits text, and a 版记 after it.
			`<w:p><w:r><w:t>{{</w:t></w:r><w:r><w:rPr><w:b/></w:rPr><w:t xml:space="preserve">正文}} </w:t></w:r></w:p>` +
			`<w:p><w:r><w:t>` + copyTo + `</w:t></w:r></w:p>` +
			`<w:sectPr><w:headerReference w:type="default" r:id="rId7"/><w:pgSz w:w="11906" w:h="16838"/><w:pgMar w:top="2400" w:right="1500" w:bottom="2000" w:left="1700" w:header="900" w:footer="900" w:gutter="0"/></w:sectPr>` +
			`</w:body></w:document>`},
	}
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, p := range parts {
		fw, err := zw.Create(p.name)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := fw.Write([]byte(p.body)); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// The report fills a reference document: its masthead, first paragraphs,
// styles and page setup kept; what it lacks added.
func TestReferenceKept(t *testing.T) {
	d, _ := sampleDoc(t, "zh")
	files := checkPackage(t, render(t, d, handMadeReference(t)))
	body := string(files["word/document.xml"])
	if i, j := strings.Index(body, docNo), strings.Index(body, d.Cover.Title); i < 0 || j < i {
		t.Errorf("the reference's first paragraph (%d) does not come before the report's title (%d)", i, j)
	}
	// The report replaces the placeholder; the 版记 after it stays last.
	if strings.Contains(body, "正文}}") {
		t.Error("the placeholder is still there")
	}
	if i, j := strings.LastIndex(body, d.Cover.Bureau+"</w:t>"), strings.Index(body, copyTo); i < 0 || j < i {
		t.Errorf("the 版记 (%d) does not follow the report's end (%d)", j, i)
	}
	if !strings.Contains(string(files["word/header1.xml"]), masthead) || !strings.Contains(body, `<w:headerReference w:type="default" r:id="rId7"/>`) {
		t.Error("the masthead header is lost")
	}
	for _, want := range []string{`w:top="2400" w:right="1500" w:bottom="2000" w:left="1700"`, "<w:footerReference"} {
		if !strings.Contains(body, want) {
			t.Errorf("document.xml lacks %s", want)
		}
	}
	if strings.Count(body, "<w:sectPr") != 1 {
		t.Errorf("%d sections, want the reference's one", strings.Count(body, "<w:sectPr"))
	}
	// Chapters take the reference's heading 1 (id "1"), not a second one.
	if n := strings.Count(body, `<w:pStyle w:val="1"/>`); n != len(d.Chapters) {
		t.Errorf("%d paragraphs in the reference's heading 1, want %d chapters", n, len(d.Chapters))
	}
	styles := string(files["word/styles.xml"])
	for _, want := range []string{`<w:name w:val="红头"/>`, `<w:color w:val="C00000"/>`, `<w:name w:val="Title"/>`, `<w:name w:val="Report Table"/>`} {
		if !strings.Contains(styles, want) {
			t.Errorf("styles.xml lacks %s", want)
		}
	}
	if n := strings.Count(styles, `<w:name w:val="heading 1"/>`); n != 1 {
		t.Errorf("%d heading 1 styles, want the reference's alone", n)
	}
	if n := strings.Count(styles, `w:default="1"`); n != 1 {
		t.Errorf("%d default paragraph styles, want 1", n)
	}
	if strings.Contains(string(files["[Content_Types].xml"]), "template.main") {
		t.Error("the output is still typed as a template (.dotx)")
	}
}

// LibreOffice shows the masthead on the pages, the document number before
// the title, and starts each chapter on a new page as the reference's
// heading 1 asks.
func TestReferenceInLibreOffice(t *testing.T) {
	d, _ := sampleDoc(t, "zh")
	path := filepath.Join(t.TempDir(), "report.docx")
	if err := os.WriteFile(path, render(t, d, handMadeReference(t)), 0o644); err != nil {
		t.Fatal(err)
	}
	text := pdfText(t, convert(t, path, "pdf"))
	pages := strings.Split(text, "\f")
	if strings.TrimSpace(pages[len(pages)-1]) == "" {
		pages = pages[:len(pages)-1]
	}
	for i, p := range pages {
		if !strings.Contains(p, masthead) {
			t.Errorf("page %d lacks the masthead", i+1)
		}
	}
	if i, j := strings.Index(strip(text), strip(docNo)), strings.Index(strip(text), strip(d.Cover.Title)); i < 0 || j < i {
		t.Errorf("document number at %d, title at %d", i, j)
	}
	if i, j := strings.Index(strip(text), strip(d.Chapters[len(d.Chapters)-1].Title)), strings.Index(strip(text), strip(copyTo)); i < 0 || j < i {
		t.Errorf("the 版记 (%d) does not come after the last chapter (%d)", j, i)
	}
	if len(pages) < len(d.Chapters)+1 {
		t.Errorf("%d pages: chapters do not start new pages as the reference's heading 1 asks", len(pages))
	}
}

// A reference made by python-docx (Word's own default styles inside, US
// Letter pages) is honoured too, and python-docx reads the result back.
func TestReferenceFromPythonDocx(t *testing.T) {
	dir := t.TempDir()
	ref := filepath.Join(dir, "ref.docx")
	python(t, `
import docx, sys
from docx.shared import Pt, RGBColor
from docx.enum.style import WD_STYLE_TYPE
d = docx.Document()
red = d.styles.add_style("红头", WD_STYLE_TYPE.PARAGRAPH)
red.font.size = Pt(36)
red.font.color.rgb = RGBColor(0xFF, 0, 0)
d.styles["Heading 1"].font.color.rgb = RGBColor(0xC0, 0, 0)
d.sections[0].header.paragraphs[0].text = "`+masthead+`"
d.sections[0].header.paragraphs[0].style = red
d.add_paragraph("`+docNo+`")
d.save(sys.argv[1])
`, ref)
	data, err := os.ReadFile(ref)
	if err != nil {
		t.Fatal(err)
	}
	d, _ := sampleDoc(t, "zh")
	out := filepath.Join(dir, "report.docx")
	if err := os.WriteFile(out, render(t, d, data), 0o644); err != nil {
		t.Fatal(err)
	}
	checkPackage(t, render(t, d, data))
	got := string(python(t, `
import docx, sys
d = docx.Document(sys.argv[1])
print(d.sections[0].header.paragraphs[0].text)
print(d.styles["红头"].font.color.rgb)
print(d.styles["Heading 1"].font.color.rgb)
print(d.sections[0].page_width)
print(d.paragraphs[0].text)
print(sum(1 for t in d.tables))
`, out))
	for _, want := range []string{masthead, "FF0000", "C00000", "7772400", docNo} {
		if !strings.Contains(got, want) {
			t.Errorf("python-docx reads back no %q:\n%s", want, got)
		}
	}
	text := pdfText(t, convert(t, out, "pdf"))
	for _, want := range []string{masthead, docNo, d.Cover.Title, d.Chapters[1].Title} {
		if !strings.Contains(strip(text), strip(want)) {
			t.Errorf("LibreOffice's PDF lacks %q", want)
		}
	}
}

func TestReferenceRefused(t *testing.T) {
	d, _ := sampleDoc(t, "zh")
	for name, data := range map[string][]byte{
		"not a zip": []byte("hello"),
		"no parts":  emptyZip(t),
		"macros": rewrite(t, handMadeReference(t), "[Content_Types].xml", func(b []byte) []byte {
			return bytes.Replace(b, []byte("application/vnd.openxmlformats-officedocument.wordprocessingml.template.main+xml"), []byte("application/vnd.ms-word.template.macroEnabledTemplate.main+xml"), 1)
		}),
	} {
		t.Run(name, func(t *testing.T) {
			var buf bytes.Buffer
			err := docx.Render(&buf, d, docx.Options{Font: pdf.DefaultFont, Template: data, TemplateName: "ref.docx"})
			if !errors.Is(err, docx.ErrTemplate) || !strings.Contains(err.Error(), "ref.docx") {
				t.Errorf("err = %v, want ErrTemplate naming the file", err)
			}
		})
	}
}

func emptyZip(t *testing.T) []byte {
	var buf bytes.Buffer
	if err := zip.NewWriter(&buf).Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// A reference saved by LibreOffice (its own ids, namespaces and parts) is
// filled as well, and LibreOffice shows its masthead on the report's pages.
func TestReferenceSavedByLibreOffice(t *testing.T) {
	dir := t.TempDir()
	src := filepath.Join(dir, "masthead.docx")
	if err := os.WriteFile(src, handMadeReference(t), 0o644); err != nil {
		t.Fatal(err)
	}
	saved, err := os.ReadFile(convert(t, src, `docx:MS Word 2007 XML`))
	if err != nil {
		t.Fatal(err)
	}
	d, _ := sampleDoc(t, "en")
	data := render(t, d, saved)
	checkPackage(t, data)
	out := filepath.Join(dir, "report.docx")
	if err := os.WriteFile(out, data, 0o644); err != nil {
		t.Fatal(err)
	}
	text := strip(pdfText(t, convert(t, out, "pdf")))
	for _, want := range []string{masthead, docNo, d.Cover.Title, d.Chapters[len(d.Chapters)-1].Title} {
		if !strings.Contains(text, strip(want)) {
			t.Errorf("LibreOffice's PDF lacks %q", want)
		}
	}
}

// Text from a workbook may hold what XML cannot: control characters,
// markup characters. The parts stay well-formed and the text readable.
func TestHostileText(t *testing.T) {
	d, _ := sampleDoc(t, "zh")
	d.Cover.Title = "标题<&>\x01\x0b\"'"
	d.Chapters[0].Blocks[0].Paragraph = "第一行\n第二行\x00\x1f\uFFFE]]>"
	d.Chapters[1].Title = "二、<w:p>注入</w:p>"
	files := checkPackage(t, render(t, d, nil))
	body := string(files["word/document.xml"])
	for _, want := range []string{"标题&lt;&amp;&gt;&#34;&#39;", "第一行</w:t></w:r><w:r><w:br/>", "&lt;w:p&gt;注入"} {
		if !strings.Contains(body, want) {
			t.Errorf("document.xml lacks %s", want)
		}
	}
}

// rewrite returns the package data with one part changed by f.
func rewrite(t *testing.T, data []byte, name string, f func([]byte) []byte) []byte {
	t.Helper()
	files := unzip(t, data)
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, zf := range zr.File {
		b := files[zf.Name]
		if zf.Name == name {
			b = f(b)
		}
		w, err := zw.Create(zf.Name)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write(b); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}
