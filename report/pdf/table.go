package pdf

import (
	"codeberg.org/go-pdf/fpdf"

	"innoreport/report/doc"
)

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
