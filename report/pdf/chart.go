package pdf

import (
	"strconv"

	"innoreport/report/doc"
)

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
	maxTotal := c.LongestBar()
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
