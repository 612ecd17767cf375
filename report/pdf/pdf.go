// Package pdf draws a doc.Document as an A4 PDF with fpdf, in a CJK font
// embedded as a subset.
package pdf

import (
	"bytes"
	_ "embed"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
	"unicode"

	"codeberg.org/go-pdf/fpdf"

	"innoreport/report"
	"innoreport/report/doc"
)

// DefaultFont is WenQuanYi Micro Hei, face 0 of Debian's wqy-microhei.ttc.
//
//go:embed font/wqy-microhei.ttf
var DefaultFont []byte

// compress is false only in tests that read the PDF's streams.
var compress = true

// isDefault reports whether font is DefaultFont itself, not a copy.
func isDefault(font []byte) bool {
	return len(font) == len(DefaultFont) && len(font) > 0 && &font[0] == &DefaultFont[0]
}

// ErrFont marks a font fpdf cannot use.
var ErrFont = errors.New("pdf: unusable font")

// CheckFont refuses what fpdf would accept silently and panic on later:
// TrueType collections and CFF-flavoured OpenType.
func CheckFont(name string, b []byte) error {
	bad := func(zh, en string) error {
		return &report.BilingualError{Msg: report.Text{Zh: name + ": " + zh, En: name + ": " + en}, Err: ErrFont}
	}
	switch {
	case len(b) < 12:
		return bad("不是字体文件", "not a font file")
	case string(b[:4]) == "ttcf":
		return bad("是 TrueType 字体集 (.ttc)，请先提取出单个 .ttf", "a TrueType collection (.ttc): extract one face as .ttf first")
	case string(b[:4]) == "OTTO":
		return bad("是 CFF/OpenType 字体 (.otf)，请改用 TrueType (.ttf) 字体", "a CFF OpenType font (.otf): use a TrueType (.ttf) font")
	case !bytes.Equal(b[:4], []byte{0, 1, 0, 0}) && string(b[:4]) != "true":
		return bad("不是 TrueType 字体", "not a TrueType font")
	}
	return nil
}

// Options steer rendering.
type Options struct {
	Font    []byte    // TrueType; DefaultFont when nil
	Created time.Time // written as the PDF's dates, for reproducible output
}

const (
	pageW, pageH = 210.0, 297.0
	margin       = 18.0
	textW        = pageW - 2*margin
	bodySize     = 10.0
	lineH        = 5.2
	family       = "cjk"
)

// Render writes d as a PDF to w.
func Render(w io.Writer, d *doc.Document, opts Options) (err error) {
	font := opts.Font
	if font == nil {
		font = DefaultFont
	}
	cut := isDefault(font)
	// fpdf panics on some malformed input; a user gets an error instead.
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("pdf: rendering failed: %v", r)
		}
	}()
	// A character the font cannot draw is a "?" on the page, here and
	// nowhere else: the result and the other outputs keep the real text.
	// fpdf panics beyond U+FFFF, which Printable never accepts.
	printable, err := Printable(font)
	if err != nil {
		return err
	}
	d = d.Clone()
	var used runeSet
	d.MapText(func(s string) string {
		s = report.Printed(s, printable)
		if cut {
			used.addString(s)
		}
		return s
	})
	if cut {
		font = documentFont(&used)
	}
	p := fpdf.New("P", "mm", "A4", "")
	p.SetCompression(compress)
	p.SetCatalogSort(true)
	p.SetCreationDate(opts.Created)
	p.SetModificationDate(opts.Created)
	p.SetProducer("innoreport", false)
	p.SetTitle(d.Title, true)
	p.SetSubject(d.Subject, true)
	p.SetAuthor(d.Author, true)
	p.SetCreator("innoreport", false)
	p.SetMargins(margin, margin+6, margin)
	p.SetAutoPageBreak(false, margin)
	p.AddUTF8FontFromBytes(family, "", font)
	if p.Err() {
		return fmt.Errorf("%w: %v", ErrFont, p.Error())
	}
	p.AliasNbPages("{nb}")
	r := &renderer{p: p, d: d}
	p.SetHeaderFuncMode(r.header, false)
	p.SetFooterFunc(r.footer)
	r.cover()
	for _, ch := range d.Chapters {
		r.chapter(ch)
	}
	if p.Err() {
		return p.Error()
	}
	return p.Output(w)
}

type renderer struct {
	p *fpdf.Fpdf
	d *doc.Document
}

func (r *renderer) header() {
	if r.p.PageNo() == 1 {
		return
	}
	r.p.SetFont(family, "", 8)
	r.p.SetTextColor(110, 110, 110)
	r.p.SetXY(margin, 10)
	r.p.CellFormat(textW, 5, r.d.Title, "", 0, "L", false, 0, "")
	r.p.SetDrawColor(180, 180, 180)
	r.p.SetLineWidth(0.2)
	r.p.Line(margin, 16, pageW-margin, 16)
	r.p.SetTextColor(0, 0, 0)
	r.p.SetXY(margin, margin+6)
}

func (r *renderer) footer() {
	r.p.SetFont(family, "", 8)
	r.p.SetTextColor(110, 110, 110)
	r.p.SetXY(margin, pageH-12)
	// The footer string holds two %d; the second is fpdf's page alias.
	text := strings.Replace(r.d.Footer, "%d", strconv.Itoa(r.p.PageNo()), 1)
	text = strings.Replace(text, "%d", "{nb}", 1)
	r.p.CellFormat(textW, 5, text, "", 0, "C", false, 0, "")
	r.p.SetTextColor(0, 0, 0)
}

// bold draws text filled and stroked: the font has no bold face.
func (r *renderer) bold(on bool) {
	if on {
		r.p.SetTextRenderingMode(2)
		r.p.SetLineWidth(0.18)
		r.p.SetDrawColor(0, 0, 0)
	} else {
		r.p.SetTextRenderingMode(0)
	}
}

func (r *renderer) cover() {
	p := r.p
	p.AddPage()
	p.SetFillColor(25, 80, 140)
	p.Rect(0, 0, pageW, 8, "F")
	p.SetY(85)
	p.SetFont(family, "", 22)
	r.bold(true)
	for _, line := range wrap(p, r.d.Cover.Title, textW-20) {
		p.SetX(margin + 10)
		p.CellFormat(textW-20, 11, line, "", 1, "C", false, 0, "")
	}
	r.bold(false)
	p.Ln(10)
	p.SetFont(family, "", 12)
	for _, line := range r.d.Cover.Lines {
		for _, l := range wrap(p, line, textW-40) {
			p.SetX(margin + 20)
			p.CellFormat(textW-40, 8, l, "", 1, "C", false, 0, "")
		}
	}
	p.SetY(240)
	p.SetFont(family, "", 14)
	p.CellFormat(textW, 8, r.d.Cover.Bureau, "", 1, "C", false, 0, "")
}

func (r *renderer) chapter(ch doc.Chapter) {
	p := r.p
	// Chapters flow on rather than each leaving a half-empty page, unless
	// the template asks for a break; one never starts at a page's foot.
	switch {
	case p.PageNo() == 1 || r.d.ChapterBreak || p.GetY()+40 > pageH-margin-6:
		p.AddPage()
	default:
		p.Ln(6)
	}
	p.Bookmark(ch.Title, 0, -1)
	p.SetFont(family, "", 15)
	r.bold(true)
	p.SetTextColor(25, 80, 140)
	p.CellFormat(textW, 10, ch.Title, "", 1, "L", false, 0, "")
	r.bold(false)
	p.SetTextColor(0, 0, 0)
	p.Ln(2)
	for _, b := range ch.Blocks {
		switch {
		case b.Paragraph != "":
			r.paragraph(b.Paragraph)
		case b.Heading != "":
			r.heading(b.Heading)
		case b.Tiles != nil:
			r.tiles(b.Tiles)
		case b.Table != nil:
			r.table(b.Table)
		case b.Chart != nil:
			r.chart(b.Chart)
		case b.Trend != nil:
			r.trend(b.Trend)
		}
	}
}

func (r *renderer) need(h float64) {
	if r.p.GetY()+h > pageH-margin-6 {
		r.p.AddPage()
	}
}

func (r *renderer) paragraph(text string) {
	p := r.p
	p.SetFont(family, "", 11)
	for _, line := range wrap(p, text, textW) {
		r.need(6.5)
		p.CellFormat(textW, 6.5, line, "", 1, "L", false, 0, "")
	}
	p.Ln(3)
}

func (r *renderer) heading(text string) {
	p := r.p
	// Room for the heading and the first lines or rows under it: a
	// heading never ends a page.
	r.need(30)
	p.Ln(2)
	p.SetFont(family, "", 12)
	r.bold(true)
	p.CellFormat(textW, 8, text, "", 1, "L", false, 0, "")
	r.bold(false)
}

func (r *renderer) tiles(tiles []doc.Tile) {
	p := r.p
	const gap, h = 4.0, 26.0
	perRow := doc.TilesPerRow
	w := (textW - gap*float64(perRow-1)) / float64(perRow)
	rowY := p.GetY()
	for i, t := range tiles {
		if i%perRow == 0 {
			if i > 0 {
				p.SetY(rowY + h + gap)
			}
			r.need(h)
			rowY = p.GetY()
		}
		x, y := margin+float64(i%perRow)*(w+gap), rowY
		p.SetFillColor(240, 245, 251)
		p.SetDrawColor(200, 214, 230)
		p.SetLineWidth(0.3)
		p.Rect(x, y, w, h, "FD")
		p.SetFont(family, "", 8.5)
		p.SetTextColor(80, 80, 80)
		p.SetXY(x+2, y+2)
		p.CellFormat(w-4, 5, fit(p, t.Label, w-4), "", 0, "L", false, 0, "")
		p.SetFont(family, "", 17)
		p.SetTextColor(25, 80, 140)
		p.SetXY(x+2, y+8)
		value := t.Value
		vw := p.GetStringWidth(value) + 1
		p.CellFormat(vw, 9, value, "", 0, "L", false, 0, "")
		p.SetFont(family, "", 9)
		p.SetTextColor(60, 60, 60)
		p.SetXY(x+2+vw, y+9.5)
		p.CellFormat(w-6-vw, 7, fit(p, t.Unit, w-6-vw), "", 0, "L", false, 0, "")
		p.SetFont(family, "", 8.5)
		p.SetXY(x+2, y+18.5)
		p.CellFormat(w-4, 5, fit(p, t.Note, w-4), "", 0, "L", false, 0, "")
		p.SetTextColor(0, 0, 0)
	}
	p.SetY(rowY + h + 6)
}

// fit shortens s with an ellipsis to width w.
func fit(p *fpdf.Fpdf, s string, w float64) string {
	if p.GetStringWidth(s) <= w {
		return s
	}
	rs := []rune(s)
	for len(rs) > 0 && p.GetStringWidth(string(rs)+ellipsis) > w {
		rs = rs[:len(rs)-1]
	}
	return string(rs) + ellipsis
}

func (r *renderer) tableHeader(t *doc.Table, widths []float64) {
	p := r.p
	sizes := make([]float64, len(t.Columns))
	lines := make([][]string, len(t.Columns))
	n := 1
	for i, c := range t.Columns {
		sizes[i], lines[i] = headerLines(p, c.Header, widths[i]-2)
		n = max(n, len(lines[i]))
	}
	h := float64(n)*4.6 + 2
	x, y := margin, p.GetY()
	p.SetFillColor(25, 80, 140)
	p.SetTextColor(255, 255, 255)
	for i, c := range t.Columns {
		p.Rect(x, y, widths[i], h, "F")
		p.SetFont(family, "", sizes[i])
		for j, l := range lines[i] {
			p.SetXY(x+1, y+1+float64(j)*4.6)
			p.CellFormat(widths[i]-2, 4.6, l, "", 0, string(headerAlign(c.Align)), false, 0, "")
		}
		x += widths[i]
	}
	p.SetTextColor(0, 0, 0)
	p.SetY(y + h)
}

// headerLines wraps a column header between words, never inside one:
// where its longest word is wider than the column, the header is set
// smaller, down to 6 pt.
func headerLines(p *fpdf.Fpdf, header string, w float64) (float64, []string) {
	size := 9.0
	p.SetFont(family, "", size)
	for _, tok := range tokens(header) {
		for size > 6 && p.GetStringWidth(tok) > w {
			size -= 0.5
			p.SetFont(family, "", size)
		}
	}
	return size, wrap(p, header, w)
}

func headerAlign(a doc.Align) doc.Align {
	if a == doc.Right {
		return doc.Right
	}
	return doc.Center
}

func (r *renderer) table(t *doc.Table) {
	p := r.p
	widths := make([]float64, len(t.Columns))
	for i, c := range t.Columns {
		widths[i] = c.Width * textW
	}
	r.need(20)
	r.tableHeader(t, widths)
	p.SetFont(family, "", bodySize-1)
	for ri, row := range t.Rows {
		lines := make([][]string, len(row.Cells))
		n := 1
		for i, c := range row.Cells {
			if i < len(t.Columns) && t.Columns[i].Bar {
				lines[i] = []string{c.Text}
				continue
			}
			lines[i] = wrap(p, c.Text, widths[i]-2)
			n = max(n, len(lines[i]))
		}
		h := float64(n)*4.6 + 2
		// A row never splits: it moves whole to the next page, under a
		// repeated header.
		if p.GetY()+h > pageH-margin-6 {
			p.AddPage()
			r.tableHeader(t, widths)
			p.SetFont(family, "", bodySize-1)
		}
		x, y := margin, p.GetY()
		switch {
		case row.Mark == "bad":
			p.SetFillColor(253, 236, 234)
		case row.Mark == "warn":
			p.SetFillColor(255, 246, 224)
		case row.Mark == "total":
			p.SetFillColor(226, 234, 244)
		case ri%2 == 1:
			p.SetFillColor(247, 247, 247)
		default:
			p.SetFillColor(255, 255, 255)
		}
		p.Rect(x, y, textW, h, "F")
		r.bold(row.Mark == "total")
		for i, c := range row.Cells {
			if i >= len(t.Columns) {
				break
			}
			col := t.Columns[i]
			if col.Bar {
				r.bar(x+1, y, widths[i]-2, h, c)
			} else {
				for j, l := range lines[i] {
					p.SetXY(x+1, y+1+float64(j)*4.6)
					p.CellFormat(widths[i]-2, 4.6, l, "", 0, string(col.Align), false, 0, "")
				}
			}
			x += widths[i]
		}
		r.bold(false)
		p.SetDrawColor(215, 215, 215)
		p.SetLineWidth(0.15)
		p.Line(margin, y+h, margin+textW, y+h)
		p.SetY(y + h)
	}
	if t.More != "" {
		p.SetFont(family, "", 9)
		p.SetTextColor(90, 90, 90)
		r.need(6)
		p.CellFormat(textW, 6, t.More, "", 1, "L", false, 0, "")
		p.SetTextColor(0, 0, 0)
	}
	p.Ln(4)
}

// bar draws an attainment bar: full width is 100%; beyond it the bar stops.
func (r *renderer) bar(x, y, w, h float64, c doc.Cell) {
	p := r.p
	textW := 15.0
	bw := w - textW - 1
	by := y + h/2 - 1.6
	p.SetFillColor(230, 230, 230)
	p.Rect(x, by, bw, 3.2, "F")
	if c.Value != nil {
		v := min(max(*c.Value, 0), 1)
		switch {
		case *c.Value >= 1:
			p.SetFillColor(46, 125, 50)
		case *c.Value >= 0.9:
			p.SetFillColor(255, 179, 0)
		default:
			p.SetFillColor(229, 57, 53)
		}
		p.Rect(x, by, bw*v, 3.2, "F")
	}
	p.SetXY(x+bw+1, y+h/2-2.3)
	p.CellFormat(textW, 4.6, c.Text, "", 0, "R", false, 0, "")
}

func hexColor(s string) (int, int, int) {
	v, _ := strconv.ParseUint(s, 16, 32)
	return int(v >> 16 & 0xFF), int(v >> 8 & 0xFF), int(v & 0xFF)
}

func (r *renderer) chart(c *doc.Chart) {
	p := r.p
	const barH, gap, labelW = 6.0, 2.5, 42.0
	h := 12 + float64(len(c.Labels))*(barH+gap) + 14
	r.need(h)
	p.SetFont(family, "", 11)
	r.bold(true)
	p.CellFormat(textW, 8, c.Title, "", 1, "L", false, 0, "")
	r.bold(false)
	maxTotal := 0
	for i := range c.Labels {
		t := 0
		for _, s := range c.Series {
			t += s.Values[i]
		}
		maxTotal = max(maxTotal, t)
	}
	if maxTotal == 0 {
		maxTotal = 1
	}
	plotW := textW - labelW - 10
	y := p.GetY() + 2
	p.SetFont(family, "", 8.5)
	for i, label := range c.Labels {
		p.SetXY(margin, y)
		p.CellFormat(labelW-2, barH, fit(p, label, labelW-2), "", 0, "R", false, 0, "")
		x := margin + labelW
		total := 0
		for _, s := range c.Series {
			v := s.Values[i]
			if v == 0 {
				continue
			}
			w := plotW * float64(v) / float64(maxTotal)
			cr, cg, cb := hexColor(s.Color)
			p.SetFillColor(cr, cg, cb)
			p.Rect(x, y, w, barH, "F")
			x += w
			total += v
		}
		p.SetXY(x+1, y)
		p.CellFormat(10, barH, strconv.Itoa(total), "", 0, "L", false, 0, "")
		y += barH + gap
	}
	// Legend.
	x := margin + labelW
	y += 2
	for _, s := range c.Series {
		cr, cg, cb := hexColor(s.Color)
		p.SetFillColor(cr, cg, cb)
		p.Rect(x, y+1, 4, 4, "F")
		p.SetXY(x+5, y)
		w := p.GetStringWidth(s.Name) + 2
		p.CellFormat(w, 6, s.Name, "", 0, "L", false, 0, "")
		x += w + 9
	}
	p.SetY(y + 10)
}

// Closing punctuation never starts a line; opening never ends one.
const (
	noStart = "，。、；：？！）」》』】〕”’,.;:?!)]}%％"
	noEnd   = "（「《『【〔“‘([{"
)

func isCJK(r rune) bool {
	return unicode.Is(unicode.Han, r) || unicode.In(r, unicode.Hiragana, unicode.Katakana, unicode.Hangul) ||
		(r >= 0x3000 && r <= 0x303F) || (r >= 0xFF00 && r <= 0xFFEF)
}

// tokens splits text into the units a line may break between: each CJK
// character alone, Latin words and numbers whole, spaces alone.
func tokens(s string) []string {
	var out []string
	var word []rune
	flush := func() {
		if len(word) > 0 {
			out = append(out, string(word))
			word = word[:0]
		}
	}
	for _, r := range s {
		switch {
		case r == ' ':
			flush()
			out = append(out, " ")
		case isCJK(r) || strings.ContainsRune(noStart+noEnd, r) && r > 0x7F:
			flush()
			out = append(out, string(r))
		default:
			word = append(word, r)
		}
	}
	flush()
	// Glue punctuation to its neighbour so a break never isolates it.
	var glued []string
	for i := 0; i < len(out); i++ {
		t := out[i]
		if len(glued) > 0 && strings.ContainsAny(firstRune(t), noStart) {
			glued[len(glued)-1] += t
			continue
		}
		if strings.ContainsAny(lastRune(t), noEnd) && i+1 < len(out) {
			out[i+1] = t + out[i+1]
			continue
		}
		glued = append(glued, t)
	}
	return glued
}

func firstRune(s string) string {
	for _, r := range s {
		return string(r)
	}
	return ""
}

func lastRune(s string) string {
	rs := []rune(s)
	if len(rs) == 0 {
		return ""
	}
	return string(rs[len(rs)-1])
}

// wrap breaks text into lines no wider than w in the current font, without
// losing a character (fpdf's own SplitText drops one at CJK breaks).
func wrap(p *fpdf.Fpdf, text string, w float64) []string {
	var lines []string
	for _, para := range strings.Split(text, "\n") {
		var cur strings.Builder
		curW := 0.0
		for _, tok := range tokens(para) {
			tw := p.GetStringWidth(tok)
			if curW+tw > w && cur.Len() > 0 {
				lines = append(lines, strings.TrimRight(cur.String(), " "))
				cur.Reset()
				curW = 0
				if tok == " " {
					continue
				}
			}
			// A token wider than the line is cut by characters.
			for tw > w && len([]rune(tok)) > 1 {
				rs := []rune(tok)
				n := len(rs)
				for n > 1 && p.GetStringWidth(string(rs[:n])) > w {
					n--
				}
				lines = append(lines, string(rs[:n]))
				tok = string(rs[n:])
				tw = p.GetStringWidth(tok)
			}
			cur.WriteString(tok)
			curW += tw
		}
		lines = append(lines, strings.TrimRight(cur.String(), " "))
	}
	return lines
}
