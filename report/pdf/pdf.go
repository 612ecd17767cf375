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
