// Package docx writes a doc.Document as a Word document laid out as a
// 公文-style report (GB/T 9704): A4 with its margins, the title in 2号
// 小标宋, the body in 3号 仿宋, headings 一、（一）1.（1）, real tables whose
// header row repeats, charts as pictures, page numbers "— N —".
//
// The parts are written here with archive/zip and plain strings: the Go
// WordprocessingML libraries are unmaintained, paid or unavailable (see the
// README), and a reference document (-docx-template) has to be kept as it
// is, part for part, with the report filled into it.
package docx

import (
	"archive/zip"
	"bytes"
	"errors"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/klauspost/compress/flate"
	"golang.org/x/image/font/opentype"

	"innoreport/report"
	"innoreport/report/doc"
)

// Options steer rendering.
type Options struct {
	// Font draws the charts' labels: a TrueType font with the Chinese
	// characters (the PDF's font). Its bytes must not change once given:
	// the same slice is parsed once.
	Font []byte
	// Created dates the document's properties, for reproducible output.
	Created time.Time
	// Template is a reference .docx whose styles, headers (a 红头
	// masthead), first paragraphs and page setup the report is filled
	// into; nil uses the built-in layout.
	Template     []byte
	TemplateName string // for messages
}

// ErrTemplate marks a reference document that cannot be used; ErrFont a
// font the chart's labels cannot be drawn in.
var (
	ErrTemplate = errors.New("docx: unusable reference document")
	ErrFont     = errors.New("docx: unusable font")
)

const (
	xmlHeader = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>` + "\n"
	nsW       = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
	nsR       = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
	nsWP      = "http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing"
	nsA       = "http://schemas.openxmlformats.org/drawingml/2006/main"
	nsPic     = "http://schemas.openxmlformats.org/drawingml/2006/picture"
	nsPkgRel  = "http://schemas.openxmlformats.org/package/2006/relationships"
	nsCT      = "http://schemas.openxmlformats.org/package/2006/content-types"

	relDoc      = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument"
	relCore     = "http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties"
	relApp      = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/extended-properties"
	relStyles   = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles"
	relSettings = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/settings"
	relFonts    = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/fontTable"
	relFooter   = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/footer"
	relImage    = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/image"

	ctMain     = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
	ctTemplate = "application/vnd.openxmlformats-officedocument.wordprocessingml.template.main+xml"
	ctStyles   = "application/vnd.openxmlformats-officedocument.wordprocessingml.styles+xml"
	ctSettings = "application/vnd.openxmlformats-officedocument.wordprocessingml.settings+xml"
	ctFonts    = "application/vnd.openxmlformats-officedocument.wordprocessingml.fontTable+xml"
	ctFooter   = "application/vnd.openxmlformats-officedocument.wordprocessingml.footer+xml"
	ctCore     = "application/vnd.openxmlformats-package.core-properties+xml"
	ctApp      = "application/vnd.openxmlformats-officedocument.extended-properties+xml"
)

// The page GB/T 9704 sets, in twips (1/1440 inch): A4; margins top 37 mm,
// bottom 35 mm, left 28 mm, right 26 mm.
const (
	pageW, pageH = 11906, 16838
	marginTop    = 2098
	marginBottom = 1984
	marginLeft   = 1587
	marginRight  = 1474
)

// base is the built-in package: everything but the report's body, which
// is filled in the same way as into a bureau's reference document.
func base() *pkg {
	p := newPkg()
	p.put("[Content_Types].xml", []byte(xmlHeader+`<Types xmlns="`+nsCT+`">`+
		`<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>`+
		`<Default Extension="xml" ContentType="application/xml"/>`+
		`<Override PartName="/word/document.xml" ContentType="`+ctMain+`"/>`+
		`<Override PartName="/word/styles.xml" ContentType="`+ctStyles+`"/>`+
		`<Override PartName="/word/settings.xml" ContentType="`+ctSettings+`"/>`+
		`<Override PartName="/word/fontTable.xml" ContentType="`+ctFonts+`"/>`+
		`<Override PartName="/word/footer1.xml" ContentType="`+ctFooter+`"/>`+
		`<Override PartName="/word/footer2.xml" ContentType="`+ctFooter+`"/>`+
		`<Override PartName="/docProps/app.xml" ContentType="`+ctApp+`"/>`+
		`</Types>`))
	p.put("_rels/.rels", []byte(xmlHeader+`<Relationships xmlns="`+nsPkgRel+`">`+
		`<Relationship Id="rId1" Type="`+relDoc+`" Target="word/document.xml"/>`+
		`<Relationship Id="rId2" Type="`+relApp+`" Target="docProps/app.xml"/>`+
		`</Relationships>`))
	p.put("docProps/app.xml", []byte(xmlHeader+`<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties"><Application>innoreport</Application></Properties>`))
	p.put("word/document.xml", []byte(xmlHeader+`<w:document xmlns:w="`+nsW+`" xmlns:r="`+nsR+`"><w:body>`+
		`<w:sectPr><w:footerReference w:type="even" r:id="rId5"/><w:footerReference w:type="default" r:id="rId4"/>`+
		fmt.Sprintf(`<w:pgSz w:w="%d" w:h="%d"/><w:pgMar w:top="%d" w:right="%d" w:bottom="%d" w:left="%d" w:header="851" w:footer="1304" w:gutter="0"/>`,
			pageW, pageH, marginTop, marginRight, marginBottom, marginLeft)+
		fmt.Sprintf(`<w:pgNumType w:start="1"/><w:cols w:space="425"/><w:docGrid w:type="lines" w:linePitch="%d"/></w:sectPr>`, lineExactly)+
		`</w:body></w:document>`))
	p.put("word/_rels/document.xml.rels", []byte(xmlHeader+`<Relationships xmlns="`+nsPkgRel+`">`+
		`<Relationship Id="rId1" Type="`+relStyles+`" Target="styles.xml"/>`+
		`<Relationship Id="rId2" Type="`+relSettings+`" Target="settings.xml"/>`+
		`<Relationship Id="rId3" Type="`+relFonts+`" Target="fontTable.xml"/>`+
		`<Relationship Id="rId4" Type="`+relFooter+`" Target="footer1.xml"/>`+
		`<Relationship Id="rId5" Type="`+relFooter+`" Target="footer2.xml"/>`+
		`</Relationships>`))
	p.put("word/styles.xml", []byte(stylesXML()))
	p.put("word/settings.xml", []byte(settingsXML))
	p.put("word/fontTable.xml", []byte(fontTableXML()))
	p.put("word/footer1.xml", []byte(footerXML("Footer", footerOdd)))
	p.put("word/footer2.xml", []byte(footerXML("Footer", footerEven)))
	return p
}

// lastFont is the chart font parsed last: callers pass the same bytes (the
// embedded default, or -font's file read once) for every report, and watch
// and serve render many in one process.
var lastFont struct {
	sync.Mutex
	key  *byte
	n    int
	font *opentype.Font
}

// parseFont parses b, or returns what it gave before for the same bytes.
func parseFont(b []byte) (*opentype.Font, error) {
	if len(b) == 0 {
		return opentype.Parse(b)
	}
	lastFont.Lock()
	defer lastFont.Unlock()
	if lastFont.key == &b[0] && lastFont.n == len(b) {
		return lastFont.font, nil
	}
	f, err := opentype.Parse(b)
	if err == nil {
		lastFont.key, lastFont.n, lastFont.font = &b[0], len(b), f
	}
	return f, err
}

// Warm parses font as Render will, ahead of it: a build calls it on a core
// of its own while the workbook is still being read.
func Warm(font []byte) {
	// A font that fails is not kept: Render parses it again and says why.
	if _, err := parseFont(font); err != nil {
		return
	}
}

// Render writes d as a .docx to w.
func Render(w io.Writer, d *doc.Document, opts Options) error {
	ttf, err := parseFont(opts.Font)
	if err != nil {
		return &report.BilingualError{Err: ErrFont, Msg: report.Text{
			Zh: fmt.Sprintf("Word 文档图表所用的字体无法读取：%v", err),
			En: fmt.Sprintf("the font for the Word document's chart cannot be read: %v", err),
		}}
	}
	p := base()
	if opts.Template != nil {
		if p, err = readPkg(opts.Template); err != nil {
			return templateError(opts.TemplateName, err)
		}
	}
	if err := fill(p, d, ttf, opts.Created); err != nil {
		return templateError(opts.TemplateName, err)
	}
	return p.write(w, opts.Created)
}

// refError is what is wrong with a reference document, in both languages.
type refError struct{ zh, en string }

func (e *refError) Error() string { return e.zh + " / " + e.en }

func refErr(zh, en string) error { return &refError{zh, en} }

// templateError says which reference document could not be used, why, and
// what to do, in one line in each language.
func templateError(name string, err error) error {
	var be *report.BilingualError
	if errors.As(err, &be) {
		return err
	}
	if name == "" {
		name = "-docx-template"
	}
	zh, en := err.Error(), err.Error()
	var re *refError
	if errors.As(err, &re) {
		zh, en = re.zh, re.en
	}
	return &report.BilingualError{Err: ErrTemplate, Msg: report.Text{
		Zh: fmt.Sprintf("无法使用 Word 模板 %s：%s；请用 Word 或 WPS 另存为 .docx 后重试", name, zh),
		En: fmt.Sprintf("%s: cannot use it as the Word reference: %s; save it as .docx in Word or WPS and try again", name, en),
	}}
}

// pkg is a package's parts in their order.
type pkg struct {
	order []string
	files map[string][]byte
}

func newPkg() *pkg { return &pkg{files: map[string][]byte{}} }

func (p *pkg) put(name string, data []byte) {
	if _, ok := p.files[name]; !ok {
		p.order = append(p.order, name)
	}
	p.files[name] = data
}

// Limits on a reference document: a masthead and styles are small.
const (
	maxParts     = 2000
	maxUnzipped  = 64 << 20
	maxPartBytes = 32 << 20
)

func readPkg(data []byte) (*pkg, error) {
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return nil, refErr("不是 .docx（zip）文件", "not a .docx (zip) file")
	}
	if len(zr.File) > maxParts {
		return nil, refErr(fmt.Sprintf("超过 %d 个部件", maxParts), fmt.Sprintf("more than %d parts", maxParts))
	}
	p := newPkg()
	total := int64(0)
	for _, f := range zr.File {
		if f.FileInfo().IsDir() {
			continue
		}
		rc, err := f.Open()
		if err != nil {
			return nil, fmt.Errorf("%s: %v", f.Name, err)
		}
		b, err := io.ReadAll(io.LimitReader(rc, maxPartBytes+1))
		rc.Close()
		if err != nil {
			return nil, fmt.Errorf("%s: %v", f.Name, err)
		}
		total += int64(len(b))
		if len(b) > maxPartBytes || total > maxUnzipped {
			return nil, refErr(fmt.Sprintf("解压后超过 %d MB", maxUnzipped>>20), fmt.Sprintf("over %d MB unzipped", maxUnzipped>>20))
		}
		p.put(f.Name, b)
	}
	return p, nil
}

// parts deflates a document's parts, one writer reused from part to part
// and from one document to the next. archive/zip's own compressor,
// compress/flate at its default level with a new writer a part, took an
// eighth of a small report's Word document (10.1 ms against 8.8 ms in
// one run) for a file 7% smaller (43 kB against 46 kB).
var parts = sync.Pool{New: func() any {
	fw, err := flate.NewWriter(nil, flate.BestSpeed)
	if err != nil {
		panic(err) // only for a level out of range
	}
	return fw
}}

// write zips the parts in their order with one fixed time, so that the
// same input gives the same bytes.
func (p *pkg) write(w io.Writer, created time.Time) error {
	t := created.UTC()
	if t.Year() < 1980 {
		t = time.Date(1980, 1, 1, 0, 0, 0, 0, time.UTC)
	}
	zw := zip.NewWriter(w)
	deflater := parts.Get().(*flate.Writer)
	defer parts.Put(deflater)
	zw.RegisterCompressor(zip.Deflate, func(w io.Writer) (io.WriteCloser, error) {
		deflater.Reset(w)
		return deflater, nil
	})
	for _, name := range p.order {
		fw, err := zw.CreateHeader(&zip.FileHeader{Name: name, Method: zip.Deflate, Modified: t})
		if err != nil {
			return err
		}
		if _, err := fw.Write(p.files[name]); err != nil {
			return err
		}
	}
	return zw.Close()
}
