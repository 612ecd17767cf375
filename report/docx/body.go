package docx

import (
	"encoding/xml"
	"fmt"
	"strings"

	"golang.org/x/image/font/opentype"

	"innoreport/report"
	"innoreport/report/doc"
)

// bodyWriter writes the report's paragraphs, tables and pictures.
type bodyWriter struct {
	d      *doc.Document
	ids    map[string]string // style key → the id it has in this document
	textW  int               // twips between the margins
	font   *opentype.Font
	image  func(png []byte) string // stores a picture, returns its relationship id
	drawID int
	figure int

	b strings.Builder
}

// xmlOK drops what XML 1.0 cannot hold (control characters a workbook
// cell may carry).
func xmlOK(r rune) rune {
	switch {
	case r == '\t' || r == '\n' || r == '\r':
		return r
	case r < 0x20, r >= 0xD800 && r <= 0xDFFF, r == 0xFFFE, r == 0xFFFF:
		return -1
	}
	return r
}

func esc(s string) string {
	var b strings.Builder
	if err := xml.EscapeText(&b, []byte(strings.Map(xmlOK, s))); err != nil {
		return ""
	}
	return b.String()
}

// runs writes text as runs, a line break for each "\n", with rPr extra.
func runs(text, rpr string) string {
	var b strings.Builder
	for i, line := range strings.Split(strings.ReplaceAll(text, "\r", ""), "\n") {
		b.WriteString("<w:r>" + rpr)
		if i > 0 {
			b.WriteString("<w:br/>")
		}
		b.WriteString(`<w:t xml:space="preserve">` + esc(line) + `</w:t></w:r>`)
	}
	return b.String()
}

func (w *bodyWriter) para(style, ppr, content string) {
	fmt.Fprintf(&w.b, `<w:p><w:pPr><w:pStyle w:val="%s"/>%s</w:pPr>%s</w:p>`, w.ids[style], ppr, content)
}

func (w *bodyWriter) write() (string, error) {
	d := w.d
	w.para("title", "", runs(d.Cover.Title, ""))
	for _, l := range d.Cover.Lines {
		w.para("subtitle", "", runs(l, ""))
	}
	for i, ch := range d.Chapters {
		ppr := ""
		if i == 0 {
			ppr = `<w:spacing w:before="579"/>`
		}
		if d.ChapterBreak && i > 0 {
			ppr = `<w:pageBreakBefore/>`
		}
		w.para("h1", ppr, runs(ch.Title, ""))
		for _, b := range ch.Blocks {
			var err error
			switch {
			case b.Paragraph != "":
				w.para("body", "", runs(b.Paragraph, ""))
			case b.Heading != "":
				w.para("h2", "", runs(b.Heading, ""))
			case b.Tiles != nil:
				w.tiles(b.Tiles)
			case b.Table != nil:
				w.table(b.Table)
			case b.Chart != nil:
				err = w.chart(b.Chart)
			case b.Trend != nil:
				err = w.trend(b.Trend)
			}
			if err != nil {
				return "", err
			}
		}
	}
	if d.Cover.Bureau != "" {
		w.para("signature", "", runs(d.Cover.Bureau, ""))
	}
	return w.b.String(), nil
}

// Fills, as the PDF's: the header row, and rows marked overdue, behind, total.
var markFill = map[string]string{"bad": "FDECEA", "warn": "FFF6E0", "total": "E2EAF4"}

const headFill, tileFill = "DCE6F2", "F0F5FB"

func (w *bodyWriter) tblStart(widths []int) {
	total := 0
	for _, x := range widths {
		total += x
	}
	fmt.Fprintf(&w.b, `<w:tbl><w:tblPr><w:tblStyle w:val="%s"/><w:tblW w:w="%d" w:type="dxa"/><w:jc w:val="center"/><w:tblLayout w:type="fixed"/><w:tblLook w:val="04A0" w:firstRow="1" w:lastRow="0" w:firstColumn="0" w:lastColumn="0" w:noHBand="1" w:noVBand="1"/></w:tblPr><w:tblGrid>`, w.ids["table"], total)
	for _, x := range widths {
		fmt.Fprintf(&w.b, `<w:gridCol w:w="%d"/>`, x)
	}
	w.b.WriteString(`</w:tblGrid>`)
}

func cell(width int, fill, content string) string {
	shd := ""
	if fill != "" {
		shd = `<w:shd w:val="clear" w:color="auto" w:fill="` + fill + `"/>`
	}
	return fmt.Sprintf(`<w:tc><w:tcPr><w:tcW w:w="%d" w:type="dxa"/>%s<w:vAlign w:val="center"/></w:tcPr>%s</w:tc>`, width, shd, content)
}

func jc(a doc.Align) string {
	switch a {
	case doc.Right:
		return `<w:jc w:val="right"/>`
	case doc.Center:
		return `<w:jc w:val="center"/>`
	}
	return `<w:jc w:val="left"/>`
}

// widths shares the text width among the columns as the PDF does.
func (w *bodyWriter) widths(shares []float64) []int {
	sum := 0.0
	for _, s := range shares {
		sum += s
	}
	out := make([]int, len(shares))
	used := 0
	for i, s := range shares {
		out[i] = int(float64(w.textW) * s / sum)
		used += out[i]
	}
	out[len(out)-1] += w.textW - used
	return out
}

// table is a Word table staff can edit: the header row repeats on every
// page (w:tblHeader) and no row splits across pages (w:cantSplit).
func (w *bodyWriter) table(t *doc.Table) {
	if len(t.Columns) == 0 {
		return
	}
	shares := make([]float64, len(t.Columns))
	for i, c := range t.Columns {
		shares[i] = max(c.Width, 0.01)
	}
	widths := w.widths(shares)
	w.tblStart(widths)
	w.b.WriteString(`<w:tr><w:trPr><w:cantSplit/><w:tblHeader/></w:trPr>`)
	for i, c := range t.Columns {
		a := doc.Center
		if c.Align == doc.Right {
			a = doc.Right
		}
		w.b.WriteString(cell(widths[i], headFill, fmt.Sprintf(`<w:p><w:pPr><w:pStyle w:val="%s"/>%s</w:pPr>%s</w:p>`, w.ids["cellhead"], jc(a), runs(c.Header, ""))))
	}
	w.b.WriteString(`</w:tr>`)
	for _, r := range t.Rows {
		w.b.WriteString(`<w:tr><w:trPr><w:cantSplit/></w:trPr>`)
		rpr := ""
		if r.Mark == "total" {
			rpr = `<w:rPr><w:b/><w:bCs/></w:rPr>`
		}
		for i := range t.Columns {
			text := ""
			if i < len(r.Cells) {
				text = r.Cells[i].Text
			}
			w.b.WriteString(cell(widths[i], markFill[r.Mark], fmt.Sprintf(`<w:p><w:pPr><w:pStyle w:val="%s"/>%s</w:pPr>%s</w:p>`, w.ids["cell"], jc(t.Columns[i].Align), runs(text, rpr))))
		}
		w.b.WriteString(`</w:tr>`)
	}
	w.b.WriteString(`</w:tbl>`)
	if t.More != "" {
		w.para("note", "", runs(t.More, ""))
	} else {
		// Word needs a paragraph between two tables, or it joins them.
		w.para("note", "", "")
	}
}

// tiles are the headline figures: a grid of three to a row.
func (w *bodyWriter) tiles(tiles []doc.Tile) {
	const perRow = 3
	widths := w.widths([]float64{1, 1, 1})
	w.tblStart(widths)
	for i := 0; i < len(tiles); i += perRow {
		w.b.WriteString(`<w:tr><w:trPr><w:cantSplit/></w:trPr>`)
		for j := 0; j < perRow; j++ {
			if i+j >= len(tiles) {
				w.b.WriteString(cell(widths[j], "", fmt.Sprintf(`<w:p><w:pPr><w:pStyle w:val="%s"/></w:pPr></w:p>`, w.ids["cell"])))
				continue
			}
			t := tiles[i+j]
			p := func(ppr, content string) string {
				return fmt.Sprintf(`<w:p><w:pPr><w:pStyle w:val="%s"/>%s</w:pPr>%s</w:p>`, w.ids["cell"], ppr, content)
			}
			value := runs(t.Value, `<w:rPr><w:rFonts w:ascii="`+fontLatin+`" w:hAnsi="`+fontLatin+`" w:eastAsia="`+fontHei+`"/><w:b/><w:color w:val="19508C"/><w:sz w:val="40"/><w:szCs w:val="40"/></w:rPr>`)
			if t.Unit != "" {
				value += runs(" "+t.Unit, "")
			}
			w.b.WriteString(cell(widths[j], tileFill,
				p("", runs(t.Label, `<w:rPr><w:color w:val="505050"/></w:rPr>`))+p("", value)+p("", runs(t.Note, `<w:rPr><w:color w:val="3C3C3C"/></w:rPr>`))))
		}
		w.b.WriteString(`</w:tr>`)
	}
	w.b.WriteString(`</w:tbl>`)
	w.para("note", "", "")
}

// chart is the PDF's chart as a picture the width of the text, with its
// title as a numbered caption under it.
func (w *bodyWriter) chart(c *doc.Chart) error {
	wmm := float64(w.textW) / 1440 * 25.4
	data, err := drawChart(c, w.font, wmm)
	if err != nil {
		return err
	}
	_, hmm := chartSize(c, wmm)
	w.picture(c.Title, data, wmm, hmm)
	return nil
}

// trend is the PDF's trend chart as a picture, captioned the same way.
func (w *bodyWriter) trend(t *doc.Trend) error {
	wmm := float64(w.textW) / 1440 * 25.4
	data, hmm, err := drawTrend(t, w.font, wmm)
	if err != nil {
		return err
	}
	w.picture(t.Title, data, wmm, hmm)
	return nil
}

// picture places a PNG of wmm × hmm the width of the text, with title as
// its numbered caption.
func (w *bodyWriter) picture(title string, data []byte, wmm, hmm float64) {
	id := w.image(data)
	w.figure++
	w.drawID++
	cx := int64(w.textW) * 635 // twips to EMU
	cy := int64(hmm / wmm * float64(cx))
	name := fmt.Sprintf("chart%d.png", w.figure)
	drawing := fmt.Sprintf(`<w:r><w:drawing><wp:inline xmlns:wp="%s" distT="0" distB="0" distL="0" distR="0"><wp:extent cx="%d" cy="%d"/><wp:docPr id="%d" name="%s" descr="%s"/>`+
		`<wp:cNvGraphicFramePr><a:graphicFrameLocks xmlns:a="%s" noChangeAspect="1"/></wp:cNvGraphicFramePr>`+
		`<a:graphic xmlns:a="%s"><a:graphicData uri="%s"><pic:pic xmlns:pic="%s"><pic:nvPicPr><pic:cNvPr id="0" name="%s"/><pic:cNvPicPr/></pic:nvPicPr>`+
		`<pic:blipFill><a:blip r:embed="%s"/><a:stretch><a:fillRect/></a:stretch></pic:blipFill>`+
		`<pic:spPr><a:xfrm><a:off x="0" y="0"/><a:ext cx="%d" cy="%d"/></a:xfrm><a:prstGeom prst="rect"><a:avLst/></a:prstGeom></pic:spPr></pic:pic></a:graphicData></a:graphic></wp:inline></w:drawing></w:r>`,
		nsWP, cx, cy, w.drawID, name, esc(title), nsA, nsA, nsPic, nsPic, name, id, cx, cy)
	w.para("figure", "", drawing)
	label := fmt.Sprintf("图%d　", w.figure)
	if w.d.Lang == report.En {
		label = fmt.Sprintf("Figure %d. ", w.figure)
	}
	w.para("caption", "", runs(label+title, ""))
}
