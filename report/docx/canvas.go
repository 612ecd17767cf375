package docx

import (
	"image"
	"image/color"

	"golang.org/x/image/font"
	"golang.org/x/image/math/fixed"
)

// canvas is a chart's picture as paletted rows: white, the text's ink in
// inkShades shades for its anti-aliased edges, and the colours the chart
// fills with. At 300 dpi a chart is millions of pixels, nearly all of them
// white or in long runs of one fill, and whole rows repeat down a bar. So
// rows are shared until drawn on (nil is a white row), and png writes runs
// and repeated rows straight into a deflate stream: no image held whole,
// no general compressor, and the same pixels as image/png would encode.
type canvas struct {
	w, h  int
	rows  [][]uint8 // a row's palette indexes; nil: white
	own   []bool    // whether rows[y] is its own, not shared with other rows
	pal   color.Palette
	fills map[color.RGBA]uint8
}

const inkShades = 64

var (
	white = color.RGBA{255, 255, 255, 255}
	ink   = color.RGBA{40, 40, 40, 255}
)

// newCanvas is a white w × h canvas that can fill with the given colours.
// Beyond the palette's 256 entries a colour is drawn in its nearest entry.
func newCanvas(w, h int, fills []color.RGBA) *canvas {
	pal := color.Palette{white}
	for k := 1; k <= inkShades; k++ {
		pal = append(pal, shade(white, k))
	}
	c := &canvas{w: w, h: h, rows: make([][]uint8, h), own: make([]bool, h), fills: map[color.RGBA]uint8{}}
	for _, f := range fills {
		if _, ok := c.fills[f]; ok {
			continue
		}
		if len(pal) < 256 {
			c.fills[f] = uint8(len(pal))
			pal = append(pal, f)
		}
	}
	for _, f := range fills {
		if _, ok := c.fills[f]; !ok {
			c.fills[f] = uint8(pal.Index(f))
		}
	}
	c.pal = pal
	return c
}

// shade is the ink over bg at k/inkShades coverage.
func shade(bg color.RGBA, k int) color.RGBA {
	mix := func(b, i uint8) uint8 { return uint8((int(b)*(inkShades-k) + int(i)*k + inkShades/2) / inkShades) }
	return color.RGBA{mix(bg.R, ink.R), mix(bg.G, ink.G), mix(bg.B, ink.B), 255}
}

// at is the palette index at x, y.
func (c *canvas) at(x, y int) uint8 {
	if c.rows[y] == nil {
		return 0
	}
	return c.rows[y][x]
}

// same reports whether rows y0 and y1 are one shared row (or both white).
func (c *canvas) same(y0, y1 int) bool {
	a, b := c.rows[y0], c.rows[y1]
	return a == nil && b == nil || a != nil && b != nil && &a[0] == &b[0]
}

// clone is a new row with row's pixels.
func (c *canvas) clone(row []uint8) []uint8 {
	out := make([]uint8, c.w)
	copy(out, row)
	return out
}

// fill paints the rectangle [x0, x1) × [y0, y1), clipped, in col. Rows
// that shared one row before share one after.
func (c *canvas) fill(x0, y0, x1, y1 int, col color.RGBA) {
	r := image.Rect(x0, y0, x1, y1).Intersect(image.Rect(0, 0, c.w, c.h))
	if r.Empty() {
		return
	}
	idx, ok := c.fills[col]
	if !ok {
		idx = uint8(c.pal.Index(col))
	}
	for y := r.Min.Y; y < r.Max.Y; {
		end := y + 1
		for end < r.Max.Y && !c.own[y] && c.same(y, end) {
			end++
		}
		row := c.rows[y]
		if !c.own[y] {
			row = c.clone(row)
		}
		for x := r.Min.X; x < r.Max.X; x++ {
			row[x] = idx
		}
		for k := y; k < end; k++ {
			c.rows[k], c.own[k] = row, end-y == 1
		}
		y = end
	}
}

// text draws s in ink with its baseline's start at dot, as font.Drawer
// does, kerning included.
func (c *canvas) text(face font.Face, s string, dot fixed.Point26_6) {
	prev := rune(-1)
	for _, r := range s {
		if prev >= 0 {
			dot.X += face.Kern(prev, r)
		}
		dr, mask, mp, advance, ok := face.Glyph(dot, r)
		if !ok {
			continue
		}
		c.glyph(dr, mask, mp)
		dot.X += advance
		prev = r
	}
}

// glyph lays a glyph's coverage mask over the canvas. Over white or
// lighter ink it darkens to the ink's shade; over a fill it takes the ink
// where the glyph covers more than half a pixel.
func (c *canvas) glyph(dr image.Rectangle, mask image.Image, mp image.Point) {
	clip := dr.Intersect(image.Rect(0, 0, c.w, c.h))
	alpha, _ := mask.(*image.Alpha)
	for y := clip.Min.Y; y < clip.Max.Y; y++ {
		for x := clip.Min.X; x < clip.Max.X; x++ {
			mx, my := mp.X+x-dr.Min.X, mp.Y+y-dr.Min.Y
			var a int
			if alpha != nil {
				a = int(alpha.AlphaAt(mx, my).A)
			} else {
				_, _, _, a32 := mask.At(mx, my).RGBA()
				a = int(a32 >> 8)
			}
			k := (a*inkShades + 127) / 255
			if k == 0 {
				continue
			}
			if !c.own[y] {
				c.rows[y], c.own[y] = c.clone(c.rows[y]), true
			}
			row := c.rows[y]
			switch old := int(row[x]); {
			case old <= inkShades: // white or ink
				row[x] = uint8(max(old, k))
			case 2*k > inkShades:
				row[x] = uint8(inkShades)
			}
		}
	}
}
