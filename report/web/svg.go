package web

import (
	"fmt"
	"html/template"
	"strings"

	"innoreport/report"
)

// trendPoint is one period on the trend chart.
type trendPoint struct {
	Label   string // the as-of date
	Rate    float64
	Overdue int
}

// trendSVG draws the completion rate, period by period, as an inline SVG:
// drawn here, so the page needs no script and no chart library. Colours
// are presentation attributes, which the Content-Security-Policy allows
// where style attributes would be refused.
func trendSVG(pts []trendPoint, lang report.Lang) template.HTML {
	const w, h, left, right, top, bottom = 640, 240, 48, 16, 16, 40
	if len(pts) == 0 {
		return ""
	}
	pw, ph := float64(w-left-right), float64(h-top-bottom)
	x := func(i int) float64 {
		if len(pts) == 1 {
			return left + pw/2
		}
		return left + pw*float64(i)/float64(len(pts)-1)
	}
	y := func(rate float64) float64 { return top + ph*(1-min(max(rate, 0), 1)) }
	var b strings.Builder
	title := report.Text{Zh: "完成率趋势", En: "Completion rate by period"}.In(lang)
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" class="trend" viewBox="0 0 %d %d" role="img" aria-label="%s">`, w, h, template.HTMLEscapeString(title))
	fmt.Fprintf(&b, `<title>%s</title>`, template.HTMLEscapeString(title))
	for _, g := range []float64{0, 0.25, 0.5, 0.75, 1} {
		fmt.Fprintf(&b, `<line x1="%d" x2="%d" y1="%.1f" y2="%.1f" stroke="#ddd" stroke-width="1"/>`, left, w-right, y(g), y(g))
		fmt.Fprintf(&b, `<text x="%d" y="%.1f" font-size="11" text-anchor="end" fill="#666">%d%%</text>`, left-6, y(g)+4, int(g*100))
	}
	var path strings.Builder
	for i, p := range pts {
		fmt.Fprintf(&path, "%.1f,%.1f ", x(i), y(p.Rate))
	}
	fmt.Fprintf(&b, `<polyline points="%s" fill="none" stroke="#b3261e" stroke-width="2"/>`, strings.TrimSpace(path.String()))
	for i, p := range pts {
		fmt.Fprintf(&b, `<circle cx="%.1f" cy="%.1f" r="4" fill="#b3261e"><title>%s: %.1f%%</title></circle>`, x(i), y(p.Rate), template.HTMLEscapeString(p.Label), p.Rate*100)
		fmt.Fprintf(&b, `<text x="%.1f" y="%.1f" font-size="11" text-anchor="middle" fill="#333">%.1f%%</text>`, x(i), y(p.Rate)-8, p.Rate*100)
		fmt.Fprintf(&b, `<text x="%.1f" y="%d" font-size="11" text-anchor="middle" fill="#333">%s</text>`, x(i), h-bottom+18, template.HTMLEscapeString(p.Label))
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String()) // every piece of text above is escaped
}
