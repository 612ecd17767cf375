package docx

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"image"
	"image/color"
	"image/png"
	"io"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// model is what a canvas draws, one plain row a line: the oracle for the
// canvas's shared rows and its own PNG writing.
type model [][]uint8

func (m model) fill(c *canvas, x0, y0, x1, y1 int, col color.RGBA) {
	idx := c.fills[col]
	for y := max(y0, 0); y < min(y1, len(m)); y++ {
		for x := max(x0, 0); x < min(x1, len(m[y])); x++ {
			m[y][x] = idx
		}
	}
}

func (m model) glyph(dr image.Rectangle, mask *image.Alpha) {
	for y := max(dr.Min.Y, 0); y < min(dr.Max.Y, len(m)); y++ {
		for x := max(dr.Min.X, 0); x < min(dr.Max.X, len(m[y])); x++ {
			k := (int(mask.AlphaAt(x-dr.Min.X, y-dr.Min.Y).A)*inkShades + 127) / 255
			switch old := int(m[y][x]); {
			case k == 0:
			case old <= inkShades:
				m[y][x] = uint8(max(old, k))
			case 2*k > inkShades:
				m[y][x] = inkShades
			}
		}
	}
}

// Fills over shared rows, glyphs over fills and white, rows repeated and
// not: the PNG decodes (checksums and all) to the pixels drawn.
func TestCanvasPNGIsWhatWasDrawn(t *testing.T) {
	fills := []color.RGBA{{25, 80, 140, 255}, {220, 60, 60, 255}, {120, 180, 90, 255}}
	for seed := range uint64(20) {
		rnd := rand.New(rand.NewPCG(seed, 7))
		w, h := 3+rnd.IntN(900), 1+rnd.IntN(400)
		c := newCanvas(w, h, fills)
		m := make(model, h)
		for y := range m {
			m[y] = make([]uint8, w)
		}
		for range rnd.IntN(40) {
			x0, y0 := rnd.IntN(w+20)-10, rnd.IntN(h+20)-10
			x1, y1 := x0+rnd.IntN(w), y0+rnd.IntN(h/2+1)
			col := fills[rnd.IntN(len(fills))]
			c.fill(x0, y0, x1, y1, col)
			m.fill(c, x0, y0, x1, y1, col)
			if rnd.IntN(3) == 0 {
				mask := image.NewAlpha(image.Rect(0, 0, 1+rnd.IntN(40), 1+rnd.IntN(40)))
				for i := range mask.Pix {
					mask.Pix[i] = uint8(rnd.IntN(256))
				}
				dr := mask.Rect.Add(image.Pt(rnd.IntN(w+20)-10, rnd.IntN(h+20)-10))
				c.glyph(dr, mask, image.Point{})
				m.glyph(dr, mask)
			}
		}
		data, err := c.png()
		if err != nil {
			t.Fatal(err)
		}
		img, err := png.Decode(bytes.NewReader(data))
		if err != nil {
			t.Fatalf("seed %d: %v", seed, err)
		}
		p, ok := img.(*image.Paletted)
		if !ok || p.Rect.Dx() != w || p.Rect.Dy() != h {
			t.Fatalf("seed %d: decoded a %T of %v, want %d × %d paletted", seed, img, img.Bounds(), w, h)
		}
		for y := range h {
			if got := p.Pix[y*p.Stride : y*p.Stride+w]; !bytes.Equal(got, m[y]) {
				t.Fatalf("seed %d: row %d differs from what was drawn", seed, y)
			}
			for x := range w {
				if c.at(x, y) != m[y][x] {
					t.Fatalf("seed %d: canvas at %d,%d is %d, drew %d", seed, x, y, c.at(x, y), m[y][x])
				}
			}
		}
		checkZlib(t, data, h*(w+1))
	}
}

// checkZlib reads the PNG's image data to its end, where zlib compares
// the Adler-32 checksum, and counts its bytes.
func checkZlib(t *testing.T, data []byte, want int) {
	t.Helper()
	data = data[8:]
	for len(data) >= 12 {
		n := binary.BigEndian.Uint32(data)
		if string(data[4:8]) == "IDAT" {
			zr, err := zlib.NewReader(bytes.NewReader(data[8 : 8+n]))
			if err != nil {
				t.Fatal(err)
			}
			raw, err := io.ReadAll(zr)
			if err != nil || len(raw) != want {
				t.Fatalf("image data: %d bytes, want %d (%v)", len(raw), want, err)
			}
			return
		}
		data = data[12+n:]
	}
	t.Fatal("no IDAT chunk")
}

// Frequencies that make the best code deeper than deflate allows (the
// Fibonacci numbers) still give a complete prefix code within the limit.
func TestHuffLengthsWithinLimit(t *testing.T) {
	freq := []int{1, 1}
	for len(freq) < 30 {
		freq = append(freq, freq[len(freq)-1]+freq[len(freq)-2])
	}
	freq = append(freq, 0, 0)
	if got := slices.Max(huffman(freq)); got <= 15 {
		t.Fatalf("the unlimited code is only %d deep: not a test of the limit", got)
	}
	lens := huffLengths(freq, 15)
	kraft := 0.0
	for i, l := range lens {
		switch {
		case l > 15:
			t.Errorf("symbol %d: %d bits", i, l)
		case (l == 0) != (freq[i] == 0):
			t.Errorf("symbol %d of frequency %d: %d bits", i, freq[i], l)
		case l > 0:
			kraft += math.Pow(2, -float64(l))
		}
	}
	if kraft != 1 {
		t.Errorf("Kraft sum %v, want 1 (a complete code)", kraft)
	}
}
