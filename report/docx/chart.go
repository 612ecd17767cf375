package docx

import (
	"fmt"
	"image/color"
	"strconv"

	"golang.org/x/image/font"
	"golang.org/x/image/font/opentype"
	"golang.org/x/image/math/fixed"

	"innoreport/report/doc"
)

// dpi is the charts' resolution: print quality at the text width.
const dpi = 300

// px converts millimetres to pixels at dpi.
func px(mm float64) int { return int(mm/25.4*dpi + 0.5) }

// chartSize is the chart's size in millimetres for a width of w mm: the
// PDF's geometry (6 mm bars, 2.5 mm gaps, a legend under them).
func chartSize(c *doc.Chart, w float64) (float64, float64) {
	return w, 4 + float64(len(c.Labels))*(6+2.5) + 12
}

// drawChart draws c as the PDF does — the same bars, colours, labels and
// totals, its title left to the caption — as a PNG w mm wide.
func drawChart(c *doc.Chart, ttf *opentype.Font, w float64) ([]byte, error) {
	wmm, hmm := chartSize(c, w)
	face, err := opentype.NewFace(ttf, &opentype.FaceOptions{Size: 8.5, DPI: dpi, Hinting: font.HintingNone})
	if err != nil {
		return nil, fmt.Errorf("docx: chart font: %w", err)
	}
	defer face.Close()
	var fills []color.RGBA
	for _, s := range c.Series {
		fills = append(fills, rgb(s.Color))
	}
	cv := newCanvas(px(wmm), px(hmm), fills)
	text := func(s string, x, y int, right bool) int {
		wd := font.MeasureString(face, s).Ceil()
		if right {
			x -= wd
		}
		// y is the middle of the line.
		m := face.Metrics()
		cv.text(face, s, fixed.P(x, y+(m.Ascent-m.Descent).Ceil()/2))
		return wd
	}
	fit := func(s string, max int) string {
		if font.MeasureString(face, s).Ceil() <= max {
			return s
		}
		rs := []rune(s)
		for len(rs) > 0 && font.MeasureString(face, string(rs)+"…").Ceil() > max {
			rs = rs[:len(rs)-1]
		}
		return string(rs) + "…"
	}
	const barH, gap, labelW = 6.0, 2.5, 42.0
	plotW := wmm - labelW - 10
	maxTotal := c.LongestBar()
	y := 2.0
	for i, label := range c.Labels {
		text(fit(label, px(labelW-3)), px(labelW-2), px(y+barH/2), true)
		x := labelW
		total := 0
		for _, s := range c.Series {
			v := s.Values[i]
			if v == 0 {
				continue
			}
			bw := plotW * float64(v) / float64(maxTotal)
			cv.fill(px(x), px(y), px(x+bw), px(y+barH), rgb(s.Color))
			x += bw
			total += v
		}
		text(strconv.Itoa(total), px(x+1), px(y+barH/2), false)
		y += barH + gap
	}
	x := labelW
	y += 2
	for _, s := range c.Series {
		cv.fill(px(x), px(y+1), px(x+4), px(y+5), rgb(s.Color))
		wd := text(s.Name, px(x+5), px(y+3), false)
		x += 5 + float64(wd)/dpi*25.4 + 6
	}
	return cv.png()
}

// rgb reads RRGGBB; anything else is grey rather than an error, as in the PDF.
func rgb(s string) color.RGBA {
	v, err := strconv.ParseUint(s, 16, 32)
	if err != nil || len(s) != 6 {
		return color.RGBA{158, 158, 158, 255}
	}
	return color.RGBA{uint8(v >> 16), uint8(v >> 8), uint8(v), 255}
}
