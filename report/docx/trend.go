package docx

import (
	"fmt"
	"image/color"
	"math"

	"golang.org/x/image/font"
	"golang.org/x/image/font/opentype"
	"golang.org/x/image/math/fixed"

	"innoreport/report/doc"
)

// drawTrend draws t as the PDF does — a percent axis with gridlines on
// quarters, a line with dots a series, the periods beneath, a legend — as
// a PNG w mm wide; it returns the picture and its height in mm.
func drawTrend(t *doc.Trend, ttf *opentype.Font, wmm float64) ([]byte, float64, error) {
	const plotH, axisW = 60.0, 14.0
	hmm := plotH + 24 + 6*float64(len(t.Series)/4)
	face, err := opentype.NewFace(ttf, &opentype.FaceOptions{Size: 8, DPI: dpi, Hinting: font.HintingNone})
	if err != nil {
		return nil, 0, fmt.Errorf("docx: chart font: %w", err)
	}
	defer face.Close()
	grid := color.RGBA{220, 220, 220, 255}
	fills := []color.RGBA{grid}
	for _, s := range t.Series {
		fills = append(fills, rgb(s.Color))
	}
	cv := newCanvas(px(wmm), px(hmm), fills)
	text := func(s string, x, y int, align float64) {
		wd := font.MeasureString(face, s).Ceil()
		m := face.Metrics()
		cv.text(face, s, fixed.P(x-int(float64(wd)*align), y+(m.Ascent-m.Descent).Ceil()/2))
	}
	top := 1.0
	for _, s := range t.Series {
		for _, v := range s.Values {
			if v != nil && *v > top {
				top = *v
			}
		}
	}
	top = math.Ceil(top*4) / 4
	x0, y0, plotW := axisW, 4.0, wmm-axisW-4
	yOf := func(v float64) float64 { return y0 + plotH - plotH*v/top }
	n := len(t.Labels)
	xOf := func(i int) float64 {
		if n == 1 {
			return x0 + plotW/2
		}
		return x0 + 6 + (plotW-12)*float64(i)/float64(n-1)
	}
	for g := 0.0; g <= top+1e-9; g += 0.25 {
		cv.fill(px(x0), px(yOf(g))-1, px(x0+plotW), px(yOf(g))+1, grid)
		text(fmt.Sprintf("%.0f%%", g*100), px(x0-1), px(yOf(g)), 1)
	}
	for i, l := range t.Labels {
		text(l, px(xOf(i)), px(y0+plotH+3), 0.5)
	}
	for _, s := range t.Series {
		c := rgb(s.Color)
		prev := -1
		for i, v := range s.Values {
			if v == nil {
				prev = -1
				continue
			}
			if prev >= 0 {
				line(cv, px(xOf(prev)), px(yOf(*s.Values[prev])), px(xOf(i)), px(yOf(*v)), px(0.6), c)
			}
			r := px(0.9)
			cv.fill(px(xOf(i))-r, px(yOf(*v))-r, px(xOf(i))+r, px(yOf(*v))+r, c)
			prev = i
		}
	}
	x, y := x0, y0+plotH+9
	for _, s := range t.Series {
		wd := float64(font.MeasureString(face, s.Name).Ceil()) / dpi * 25.4
		if x+wd+5 > wmm {
			x, y = x0, y+6
		}
		cv.fill(px(x), px(y+1), px(x+4), px(y+5), rgb(s.Color))
		text(s.Name, px(x+5), px(y+3), 0)
		x += 5 + wd + 6
	}
	data, err := cv.png()
	return data, hmm, err
}

// line draws a line w pixels thick from (x0, y0) to (x1, y1).
func line(cv *canvas, x0, y0, x1, y1, w int, c color.RGBA) {
	steps := max(abs(x1-x0), abs(y1-y0), 1)
	for i := 0; i <= steps; i++ {
		x := x0 + (x1-x0)*i/steps
		y := y0 + (y1-y0)*i/steps
		cv.fill(x-w/2, y-w/2, x+w/2+1, y+w/2+1, c)
	}
}

func abs(n int) int {
	if n < 0 {
		return -n
	}
	return n
}
