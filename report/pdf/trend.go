package pdf

import (
	"fmt"
	"math"

	"innoreport/report/doc"
)

// trend draws a line chart of shares over periods: a y axis in percent
// with gridlines, one line with dots a series, a legend beneath.
func (r *renderer) trend(t *doc.Trend) {
	p := r.p
	const plotH, axisW = 60.0, 14.0
	r.need(plotH + 40)
	p.SetFont(family, "", 11)
	r.bold(true)
	p.CellFormat(textW, 8, t.Title, "", 1, "L", false, 0, "")
	r.bold(false)
	top := 1.0
	for _, s := range t.Series {
		for _, v := range s.Values {
			if v != nil && *v > top {
				top = *v
			}
		}
	}
	top = math.Ceil(top*4) / 4 // gridlines fall on quarters
	x0, y0 := margin+axisW, p.GetY()+4
	plotW := textW - axisW - 4
	yOf := func(v float64) float64 { return y0 + plotH - plotH*v/top }
	p.SetFont(family, "", 8)
	p.SetDrawColor(220, 220, 220)
	p.SetLineWidth(0.2)
	for g := 0.0; g <= top+1e-9; g += 0.25 {
		y := yOf(g)
		p.Line(x0, y, x0+plotW, y)
		p.SetXY(margin, y-2)
		p.CellFormat(axisW-1, 4, fmt.Sprintf("%.0f%%", g*100), "", 0, "R", false, 0, "")
	}
	n := len(t.Labels)
	xOf := func(i int) float64 {
		if n == 1 {
			return x0 + plotW/2
		}
		return x0 + 6 + (plotW-12)*float64(i)/float64(n-1)
	}
	for i, l := range t.Labels {
		w := p.GetStringWidth(l)
		p.SetXY(xOf(i)-w/2-1, y0+plotH+1)
		p.CellFormat(w+2, 5, l, "", 0, "C", false, 0, "")
	}
	p.SetLineWidth(0.6)
	for _, s := range t.Series {
		cr, cg, cb := hexColor(s.Color)
		p.SetDrawColor(cr, cg, cb)
		p.SetFillColor(cr, cg, cb)
		prev := -1
		for i, v := range s.Values {
			if v == nil {
				prev = -1
				continue
			}
			if prev >= 0 {
				p.Line(xOf(prev), yOf(*s.Values[prev]), xOf(i), yOf(*v))
			}
			p.Circle(xOf(i), yOf(*v), 0.9, "F")
			prev = i
		}
	}
	p.SetLineWidth(0.2)
	p.SetDrawColor(0, 0, 0)
	// Legend, wrapping onto further lines as needed.
	x, y := x0, y0+plotH+8
	for _, s := range t.Series {
		w := p.GetStringWidth(s.Name) + 2
		if x+w+5 > margin+textW {
			x, y = x0, y+6
		}
		cr, cg, cb := hexColor(s.Color)
		p.SetFillColor(cr, cg, cb)
		p.Rect(x, y+1, 4, 4, "F")
		p.SetXY(x+5, y)
		p.CellFormat(w, 6, s.Name, "", 0, "L", false, 0, "")
		x += w + 9
	}
	p.SetY(y + 10)
}
