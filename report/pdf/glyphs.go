package pdf

import (
	"encoding/binary"
	"errors"
	"sync"

	"innoreport/report"
	"innoreport/report/pdf/internal/ttfcut"
)

// ellipsis ends what fit shortens: the one character the renderer draws
// that is not in the document's text.
const ellipsis = "…"

// runeSet is a set of BMP characters.
type runeSet [0x10000 / 64]uint64

func (s *runeSet) addString(str string) {
	for _, r := range str {
		if r >= 0 && r <= 0xFFFF {
			s[r/64] |= 1 << (r % 64)
		}
	}
}

// defaultCut is DefaultFont parsed for cutting, once per process.
var defaultCut = sync.OnceValues(func() (*ttfcut.Font, error) { return ttfcut.Parse(DefaultFont) })

// documentFont is DefaultFont cut to the characters used (the document's
// text after Printed, and the ellipsis) and U+0000–U+00FF, whose widths fpdf
// writes whatever is used. fpdf parses and subsets the whole font it is
// given on every report, 4.6 MB and 49,500 glyphs; the cut is a few hundred
// glyphs, and fpdf draws it byte for byte as the whole font but for the
// font's resource name (see ttfcut).
func documentFont(used *runeSet) []byte {
	used.addString(ellipsis)
	want := make([]rune, 0, 1024)
	for r := range rune(0x10000) {
		if r < 256 || used[r/64]&(1<<(r%64)) != 0 {
			want = append(want, r)
		}
	}
	f, err := defaultCut()
	if err != nil {
		// Not reached with the embedded font (its tests cut it); the whole
		// font draws the same PDF, only slower.
		return DefaultFont
	}
	font, err := f.Cut(want)
	if err != nil {
		return DefaultFont
	}
	return font
}

// Printable returns which characters font can draw: those its cmap maps,
// and nothing beyond U+FFFF, which fpdf cannot encode. Anything else would
// print as a box. The cmap is read here rather than with fpdf.TtfParse,
// which reads a file two bytes per system call.
func Printable(font []byte) (func(rune) bool, error) {
	if isDefault(font) {
		return defaultChars()
	}
	return printable(font)
}

// Warm reads font as Render will, ahead of it, where that is kept for the
// process (the default font): a build calls it on a core of its own while
// the workbook is still being read.
func Warm(font []byte) {
	if font == nil || isDefault(font) {
		defaultChars()
		defaultCut()
	}
}

// defaultChars is DefaultFont's cmap, read once per process.
var defaultChars = sync.OnceValues(func() (func(rune) bool, error) { return printable(DefaultFont) })

func printable(font []byte) (func(rune) bool, error) {
	chars, err := cmapChars(font)
	if err != nil {
		return nil, &report.BilingualError{
			Msg: report.Text{Zh: "字体无法解析：" + err.Error(), En: "the font cannot be parsed: " + err.Error()},
			Err: ErrFont,
		}
	}
	return func(r rune) bool {
		switch {
		case r == '\n' || r == '\t' || r == ' ':
			return true
		case r < 0x20 || r > 0xFFFF:
			return false
		}
		return chars[r/64]&(1<<(r%64)) != 0
	}, nil
}

var errCmap = errors.New("no usable Unicode cmap")

// cmapChars reads the font's Unicode cmap (format 4, or 12 for the BMP
// part) into a bitmap of the BMP.
func cmapChars(b []byte) ([]uint64, error) {
	u16 := func(o int) int {
		if o < 0 || o+2 > len(b) {
			return 0
		}
		return int(binary.BigEndian.Uint16(b[o:]))
	}
	u32 := func(o int) int {
		if o < 0 || o+4 > len(b) {
			return 0
		}
		return int(binary.BigEndian.Uint32(b[o:]))
	}
	if len(b) < 12 {
		return nil, errCmap
	}
	cmap := -1
	for i := range u16(4) {
		rec := 12 + 16*i
		if rec+16 > len(b) {
			break
		}
		if string(b[rec:rec+4]) == "cmap" {
			cmap = u32(rec + 8)
		}
	}
	if cmap < 0 || cmap >= len(b) {
		return nil, errCmap
	}
	best, bestFmt := -1, 0
	for i := range u16(cmap + 2) {
		rec := cmap + 4 + 8*i
		platform, enc, off := u16(rec), u16(rec+2), u32(rec+4)
		if !(platform == 0 || (platform == 3 && (enc == 1 || enc == 10))) {
			continue
		}
		sub := cmap + off
		f := u16(sub)
		if (f == 4 || f == 12) && f > bestFmt {
			best, bestFmt = sub, f
		}
	}
	if best < 0 {
		return nil, errCmap
	}
	set := make([]uint64, 0x10000/64)
	mark := func(lo, hi int) {
		for c := max(lo, 0); c <= min(hi, 0xFFFF); c++ {
			set[c/64] |= 1 << (c % 64)
		}
	}
	switch bestFmt {
	case 4:
		segs := u16(best+6) / 2
		ends, starts := best+14, best+16+2*segs
		for i := range segs {
			end, start := u16(ends+2*i), u16(starts+2*i)
			if start != 0xFFFF {
				mark(start, end)
			}
		}
	case 12:
		for i := range u32(best + 12) {
			g := best + 16 + 12*i
			if g+12 > len(b) {
				break
			}
			mark(u32(g), u32(g+4))
		}
	}
	return set, nil
}
