// Command corefont cuts the embedded CJK font down to the characters a
// report almost always uses (GB 2312, Latin-1 and every character in the
// project's own text), so that fpdf parses and subsets 1.3 MB and 13,800
// glyphs instead of 4.6 MB and 49,500 on each build. Glyphs keep their
// order, outlines and metrics, and every table fpdf copies is kept, so a
// PDF drawn with the core font is byte for byte the one the full font gives
// but for the font's resource name (fpdf hashes it from the widths of every
// character the cmap holds); the renderer falls back to the full font when
// a document holds a character outside the core.
//
// Run by `go generate ./report/pdf`.
package main

import (
	"encoding/binary"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding/simplifiedchinese"
)

func main() {
	if len(os.Args) != 4 {
		fmt.Fprintln(os.Stderr, "usage: corefont full.ttf srcdir out.ttf")
		os.Exit(2)
	}
	font, err := os.ReadFile(os.Args[1])
	if err != nil {
		fail(err)
	}
	runes, err := coreRunes(os.Args[2])
	if err != nil {
		fail(err)
	}
	out, err := cut(font, runes)
	if err != nil {
		fail(err)
	}
	if err := os.WriteFile(os.Args[3], out, 0o644); err != nil {
		fail(err)
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "corefont:", err)
	os.Exit(1)
}

// coreRunes: U+0000 and Latin-1 (fpdf writes the widths of all of 1..255 whatever is
// used, so they must match the full font's), GB 2312, and every character
// of the Go, template and sample sources under src; the common symbol
// blocks besides.
func coreRunes(src string) (map[rune]bool, error) {
	set := map[rune]bool{}
	for r := rune(0); r < 256; r++ {
		set[r] = true
	}
	// Punctuation, symbols and full-width forms a clerk types anywhere.
	for _, rg := range [][2]rune{{0x100, 0x17F}, {0x2000, 0x206F}, {0x2100, 0x22FF}, {0x2460, 0x24FF}, {0x25A0, 0x26FF}, {0x3000, 0x303F}, {0xFF00, 0xFFEF}} {
		for r := rg[0]; r <= rg[1]; r++ {
			set[r] = true
		}
	}
	dec := simplifiedchinese.GBK.NewDecoder()
	for hi := 0xA1; hi <= 0xF7; hi++ {
		for lo := 0xA1; lo <= 0xFE; lo++ {
			b, err := dec.Bytes([]byte{byte(hi), byte(lo)})
			if err != nil {
				continue
			}
			if r, _ := utf8.DecodeRune(b); r != utf8.RuneError {
				set[r] = true
			}
		}
	}
	err := filepath.WalkDir(src, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if n := d.Name(); n == "testdata" || strings.HasPrefix(n, ".") {
				return filepath.SkipDir
			}
			return nil
		}
		switch filepath.Ext(path) {
		case ".go", ".md", ".tmpl", ".txt", ".json", ".toml":
		default:
			return nil
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for _, r := range string(b) {
			if r <= 0xFFFF && r != utf8.RuneError {
				set[r] = true
			}
		}
		return nil
	})
	return set, err
}

type table struct {
	tag  string
	data []byte
}

// kept are the tables fpdf reads or copies into its subset.
var kept = []string{"OS/2", "cmap", "cvt ", "fpgm", "gasp", "glyf", "head", "hhea", "hmtx", "loca", "maxp", "name", "post", "prep"}

func cut(b []byte, want map[rune]bool) ([]byte, error) {
	u16 := func(o int) int { return int(binary.BigEndian.Uint16(b[o:])) }
	u32 := func(o int) int { return int(binary.BigEndian.Uint32(b[o:])) }
	tables := map[string][]byte{}
	for i := range u16(4) {
		rec := 12 + 16*i
		off, n := u32(rec+8), u32(rec+12)
		tables[string(b[rec:rec+4])] = b[off : off+n]
	}
	for _, t := range []string{"head", "maxp", "loca", "glyf", "cmap", "hmtx"} {
		if tables[t] == nil {
			return nil, fmt.Errorf("no %s table", t)
		}
	}
	head, glyf, loca := tables["head"], tables["glyf"], tables["loca"]
	numGlyphs := int(binary.BigEndian.Uint16(tables["maxp"][4:]))
	offset := func(g int) int {
		if binary.BigEndian.Uint16(head[50:]) == 0 {
			return 2 * int(binary.BigEndian.Uint16(loca[2*g:]))
		}
		return int(binary.BigEndian.Uint32(loca[4*g:]))
	}

	// The rune → glyph map exactly as fpdf reads it: the first format 4
	// subtable for Unicode, each segment's whole range, glyph 0 included.
	charGlyph, err := readCmap(tables["cmap"])
	if err != nil {
		return nil, err
	}
	keep := map[rune]int{}
	for r, g := range charGlyph {
		if want[r] {
			keep[r] = g
		}
	}
	glyphs := map[int]bool{0: true}
	var add func(g int)
	add = func(g int) {
		if g >= numGlyphs {
			return
		}
		glyphs[g] = true
		data := glyf[offset(g):offset(g+1)]
		if len(data) < 10 || int16(binary.BigEndian.Uint16(data)) >= 0 {
			return
		}
		// Composite glyph: keep its components too.
		for p := 10; ; {
			flags := binary.BigEndian.Uint16(data[p:])
			add(int(binary.BigEndian.Uint16(data[p+2:])))
			p += 4
			if flags&1 != 0 {
				p += 4
			} else {
				p += 2
			}
			switch {
			case flags&8 != 0:
				p += 2
			case flags&0x40 != 0:
				p += 4
			case flags&0x80 != 0:
				p += 8
			}
			if flags&0x20 == 0 {
				break
			}
		}
	}
	for _, g := range keep {
		add(g)
	}
	// Glyphs are renumbered in their order: fpdf numbers a subset's glyphs
	// by rank, so the ranks, and with them the subset, stay the same.
	var order []int
	for g := range numGlyphs {
		if glyphs[g] {
			order = append(order, g)
		}
	}
	newID := make(map[int]int, len(order))
	for i, g := range order {
		newID[g] = i
	}
	hmtx := tables["hmtx"]
	nhm := int(binary.BigEndian.Uint16(tables["hhea"][34:]))
	var newGlyf, newLoca, newHmtx []byte
	for _, g := range order {
		newLoca = binary.BigEndian.AppendUint32(newLoca, uint32(len(newGlyf)))
		data := slices.Clone(glyf[offset(g):offset(g+1)])
		if len(data) >= 10 && int16(binary.BigEndian.Uint16(data)) < 0 {
			for p := 10; ; {
				flags := binary.BigEndian.Uint16(data[p:])
				binary.BigEndian.PutUint16(data[p+2:], uint16(newID[int(binary.BigEndian.Uint16(data[p+2:]))]))
				p += 4
				if flags&1 != 0 {
					p += 4
				} else {
					p += 2
				}
				switch {
				case flags&8 != 0:
					p += 2
				case flags&0x40 != 0:
					p += 4
				case flags&0x80 != 0:
					p += 8
				}
				if flags&0x20 == 0 {
					break
				}
			}
		}
		// Unpadded: fpdf copies each glyph's span as loca gives it.
		newGlyf = append(newGlyf, data...)
		// Every glyph gets a full metric, the advance and side bearing
		// fpdf would have read for it in the full font.
		if g < nhm {
			newHmtx = append(newHmtx, hmtx[4*g:4*g+4]...)
		} else {
			newHmtx = append(newHmtx, hmtx[4*(nhm-1):4*(nhm-1)+2]...)
			newHmtx = append(newHmtx, hmtx[4*nhm+2*(g-nhm):4*nhm+2*(g-nhm)+2]...)
		}
	}
	newLoca = binary.BigEndian.AppendUint32(newLoca, uint32(len(newGlyf)))
	newHead := slices.Clone(head)
	binary.BigEndian.PutUint16(newHead[50:], 1)
	newHhea := slices.Clone(tables["hhea"])
	binary.BigEndian.PutUint16(newHhea[34:], uint16(len(order)))
	newMaxp := slices.Clone(tables["maxp"])
	binary.BigEndian.PutUint16(newMaxp[4:], uint16(len(order)))
	// fpdf reads only post's header; its glyph names go (format 3).
	newPost := slices.Clone(tables["post"][:32])
	binary.BigEndian.PutUint32(newPost, 0x00030000)
	for r, g := range keep {
		keep[r] = newID[g]
	}
	cmap, err := writeCmap(keep)
	if err != nil {
		return nil, err
	}
	tables["glyf"], tables["loca"], tables["head"], tables["cmap"] = newGlyf, newLoca, newHead, cmap
	tables["hmtx"], tables["hhea"], tables["maxp"], tables["post"] = newHmtx, newHhea, newMaxp, newPost

	var ts []table
	for _, t := range kept {
		if d, ok := tables[t]; ok {
			ts = append(ts, table{t, d})
		}
	}
	sort.Slice(ts, func(i, j int) bool { return ts[i].tag < ts[j].tag })
	n := len(ts)
	es := 0
	for 1<<(es+1) <= n {
		es++
	}
	out := binary.BigEndian.AppendUint32(nil, 0x00010000)
	out = binary.BigEndian.AppendUint16(out, uint16(n))
	out = binary.BigEndian.AppendUint16(out, uint16(16<<es))
	out = binary.BigEndian.AppendUint16(out, uint16(es))
	out = binary.BigEndian.AppendUint16(out, uint16(16*n-16<<es))
	off := 12 + 16*n
	var body []byte
	for _, t := range ts {
		out = append(out, t.tag...)
		out = binary.BigEndian.AppendUint32(out, checksum(t.data))
		out = binary.BigEndian.AppendUint32(out, uint32(off+len(body)))
		out = binary.BigEndian.AppendUint32(out, uint32(len(t.data)))
		body = append(body, t.data...)
		for len(body)%4 != 0 {
			body = append(body, 0)
		}
	}
	return append(out, body...), nil
}

func checksum(d []byte) uint32 {
	var s uint32
	for i := 0; i < len(d); i += 4 {
		var w [4]byte
		copy(w[:], d[i:])
		s += binary.BigEndian.Uint32(w[:])
	}
	return s
}

func readCmap(c []byte) (map[rune]int, error) {
	u16 := func(o int) int {
		if o+2 > len(c) {
			return 0
		}
		return int(binary.BigEndian.Uint16(c[o:]))
	}
	sub := -1
	for i := range u16(2) {
		rec := 4 + 8*i
		platform, enc := u16(rec), u16(rec+2)
		off := int(binary.BigEndian.Uint32(c[rec+4:]))
		if ((platform == 3 && enc == 1) || platform == 0) && u16(off) == 4 {
			sub = off
			break
		}
	}
	if sub < 0 {
		return nil, fmt.Errorf("no format 4 Unicode cmap")
	}
	end := sub + u16(sub+2)
	segs := u16(sub+6) / 2
	ends, starts := sub+14, sub+16+2*segs
	deltas, ranges := starts+2*segs, starts+4*segs
	m := map[rune]int{}
	for i := range segs {
		lo, hi := u16(starts+2*i), u16(ends+2*i)
		delta, ro := u16(deltas+2*i), u16(ranges+2*i)
		for ch := lo; ch <= hi; ch++ {
			g := 0
			if ro == 0 {
				g = (ch + delta) & 0xFFFF
			} else if p := ranges + 2*i + ro + 2*(ch-lo); p < end {
				if g = u16(p); g != 0 {
					g = (g + delta) & 0xFFFF
				}
			}
			m[rune(ch)] = g
		}
	}
	return m, nil
}

// writeCmap writes one (3,1) format 4 subtable; runs of consecutive
// characters with consecutive glyphs take one segment each.
func writeCmap(m map[rune]int) ([]byte, error) {
	var rs []int
	for r := range m {
		if r != 0xFFFF {
			rs = append(rs, int(r))
		}
	}
	slices.Sort(rs)
	type seg struct{ lo, hi, delta int }
	var segs []seg
	for _, r := range rs {
		d := (m[rune(r)] - r) & 0xFFFF
		if k := len(segs) - 1; k >= 0 && segs[k].hi == r-1 && segs[k].delta == d {
			segs[k].hi = r
			continue
		}
		segs = append(segs, seg{r, r, d})
	}
	segs = append(segs, seg{0xFFFF, 0xFFFF, 1})
	n := len(segs)
	length := 16 + 8*n
	if length > 0xFFFF {
		return nil, fmt.Errorf("cmap too large: %d segments", n)
	}
	es := 0
	for 1<<(es+1) <= n {
		es++
	}
	w := func(b []byte, v int) []byte { return binary.BigEndian.AppendUint16(b, uint16(v)) }
	var b []byte
	b = w(b, 0)
	b = w(b, 1)
	b = w(b, 3)
	b = w(b, 1)
	b = binary.BigEndian.AppendUint32(b, 12)
	b = w(b, 4)
	b = w(b, length)
	b = w(b, 0)
	b = w(b, 2*n)
	b = w(b, 2<<es)
	b = w(b, es)
	b = w(b, 2*n-2<<es)
	for _, s := range segs {
		b = w(b, s.hi)
	}
	b = w(b, 0)
	for _, s := range segs {
		b = w(b, s.lo)
	}
	for _, s := range segs {
		b = w(b, s.delta)
	}
	for range segs {
		b = w(b, 0)
	}
	return b, nil
}
