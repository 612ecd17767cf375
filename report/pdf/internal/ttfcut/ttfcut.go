// Package ttfcut cuts a TrueType font down to some of its characters in a
// form fpdf draws exactly as it draws the whole font: glyphs keep their
// order (fpdf numbers a subset's glyphs by rank), outlines and metrics, and
// every table fpdf reads or copies stays. A PDF drawn with a cut is byte
// for byte the whole font's but for the font's resource name, which fpdf
// hashes from the widths of every character the cmap holds.
package ttfcut

import (
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
	"sort"
)

// Font is a parsed font, ready to be cut any number of times.
type Font struct {
	tables    map[string][]byte
	glyf      []byte
	loca      []byte
	numGlyphs int
	longLoca  bool
	glyph     []int32 // rune → glyph as fpdf reads the cmap; -1 where absent
}

// Parse reads the tables a cut needs. It keeps b, which must not change.
func Parse(b []byte) (*Font, error) {
	if len(b) < 12 {
		return nil, errors.New("not a font")
	}
	u16 := func(o int) int { return int(binary.BigEndian.Uint16(b[o:])) }
	u32 := func(o int) int { return int(binary.BigEndian.Uint32(b[o:])) }
	f := &Font{tables: map[string][]byte{}}
	for i := range u16(4) {
		rec := 12 + 16*i
		if rec+16 > len(b) {
			return nil, errors.New("truncated table directory")
		}
		off, n := u32(rec+8), u32(rec+12)
		if off < 0 || n < 0 || off+n > len(b) {
			return nil, fmt.Errorf("table %q out of the file", b[rec:rec+4])
		}
		f.tables[string(b[rec:rec+4])] = b[off : off+n]
	}
	for _, t := range []string{"head", "hhea", "maxp", "loca", "glyf", "cmap", "hmtx", "post"} {
		if f.tables[t] == nil {
			return nil, fmt.Errorf("no %s table", t)
		}
	}
	if len(f.tables["head"]) < 54 || len(f.tables["hhea"]) < 36 || len(f.tables["maxp"]) < 6 || len(f.tables["post"]) < 32 {
		return nil, errors.New("short head, hhea, maxp or post table")
	}
	f.glyf, f.loca = f.tables["glyf"], f.tables["loca"]
	f.numGlyphs = int(binary.BigEndian.Uint16(f.tables["maxp"][4:]))
	f.longLoca = binary.BigEndian.Uint16(f.tables["head"][50:]) != 0
	locaSize := 2
	if f.longLoca {
		locaSize = 4
	}
	nhm := int(binary.BigEndian.Uint16(f.tables["hhea"][34:]))
	if len(f.loca) < locaSize*(f.numGlyphs+1) || nhm < 1 || nhm > f.numGlyphs ||
		len(f.tables["hmtx"]) < 4*nhm+2*(f.numGlyphs-nhm) {
		return nil, errors.New("loca or hmtx shorter than the glyphs")
	}
	for g := range f.numGlyphs {
		if lo, hi := f.offset(g), f.offset(g+1); lo > hi || hi > len(f.glyf) {
			return nil, fmt.Errorf("glyph %d out of the glyf table", g)
		}
	}
	var err error
	f.glyph, err = readCmap(f.tables["cmap"])
	return f, err
}

func (f *Font) offset(g int) int {
	if f.longLoca {
		return int(binary.BigEndian.Uint32(f.loca[4*g:]))
	}
	return 2 * int(binary.BigEndian.Uint16(f.loca[2*g:]))
}

func (f *Font) data(g int) []byte { return f.glyf[f.offset(g):f.offset(g+1)] }

// kept are the tables fpdf reads or copies into its subset.
var kept = []string{"OS/2", "cmap", "cvt ", "fpgm", "gasp", "glyf", "head", "hhea", "hmtx", "loca", "maxp", "name", "post", "prep"}

// Cut returns the font with the characters of want that its cmap holds
// (the rest of want is ignored), glyph 0, and the glyphs they are built of.
func (f *Font) Cut(want []rune) ([]byte, error) {
	keep := map[rune]int{}
	for _, r := range want {
		if r >= 0 && int(r) < len(f.glyph) && f.glyph[r] >= 0 {
			keep[r] = int(f.glyph[r])
		}
	}
	glyphs := make([]bool, f.numGlyphs)
	var add func(g, depth int) error
	add = func(g, depth int) error {
		if g >= f.numGlyphs || glyphs[g] {
			return nil
		}
		if depth > 16 {
			return errors.New("composite glyphs nested too deep")
		}
		glyphs[g] = true
		return components(f.data(g), func(p []byte) error { return add(int(binary.BigEndian.Uint16(p)), depth+1) })
	}
	if err := add(0, 0); err != nil {
		return nil, err
	}
	for _, g := range keep {
		if err := add(g, 0); err != nil {
			return nil, err
		}
	}
	// uint16: glyph numbers are, and the font's 49,500 of them as ints
	// were most of what a cut allocated.
	newID := make([]uint16, f.numGlyphs)
	n := 0
	for g, ok := range glyphs {
		if ok {
			newID[g] = uint16(n)
			n++
		}
	}
	tables := make(map[string][]byte, len(f.tables))
	for k, v := range f.tables {
		tables[k] = v
	}
	if err := f.cutGlyphs(tables, glyphs, newID, n); err != nil {
		return nil, err
	}
	for r, g := range keep {
		keep[r] = int(newID[g])
	}
	cmap, err := writeCmap(keep)
	if err != nil {
		return nil, err
	}
	tables["cmap"] = cmap
	return assemble(tables), nil
}

// cutGlyphs writes glyf, loca, hmtx, head, hhea, maxp and post for the
// glyphs kept, renumbered by newID.
func (f *Font) cutGlyphs(tables map[string][]byte, glyphs []bool, newID []uint16, n int) error {
	hmtx := f.tables["hmtx"]
	nhm := int(binary.BigEndian.Uint16(f.tables["hhea"][34:]))
	size := 0
	for g, ok := range glyphs {
		if ok {
			size += len(f.data(g))
		}
	}
	newGlyf, newLoca, newHmtx := make([]byte, 0, size), make([]byte, 0, 4*(n+1)), make([]byte, 0, 4*n)
	for g, ok := range glyphs {
		if !ok {
			continue
		}
		newLoca = binary.BigEndian.AppendUint32(newLoca, uint32(len(newGlyf)))
		// Unpadded: fpdf copies each glyph's span as loca gives it.
		start := len(newGlyf)
		newGlyf = append(newGlyf, f.data(g)...)
		err := components(newGlyf[start:], func(p []byte) error {
			binary.BigEndian.PutUint16(p, newID[binary.BigEndian.Uint16(p)])
			return nil
		})
		if err != nil {
			return err
		}
		// Every glyph gets a full metric, the advance and side bearing
		// fpdf would have read for it in the whole font.
		if g < nhm {
			newHmtx = append(newHmtx, hmtx[4*g:4*g+4]...)
		} else {
			newHmtx = append(newHmtx, hmtx[4*(nhm-1):4*(nhm-1)+2]...)
			newHmtx = append(newHmtx, hmtx[4*nhm+2*(g-nhm):4*nhm+2*(g-nhm)+2]...)
		}
	}
	newLoca = binary.BigEndian.AppendUint32(newLoca, uint32(len(newGlyf)))
	head := slices.Clone(f.tables["head"])
	binary.BigEndian.PutUint16(head[50:], 1)
	hhea := slices.Clone(f.tables["hhea"])
	binary.BigEndian.PutUint16(hhea[34:], uint16(n))
	maxp := slices.Clone(f.tables["maxp"])
	binary.BigEndian.PutUint16(maxp[4:], uint16(n))
	// fpdf reads only post's header; its glyph names go (format 3).
	post := slices.Clone(f.tables["post"][:32])
	binary.BigEndian.PutUint32(post, 0x00030000)
	tables["glyf"], tables["loca"], tables["hmtx"] = newGlyf, newLoca, newHmtx
	tables["head"], tables["hhea"], tables["maxp"], tables["post"] = head, hhea, maxp, post
	return nil
}

// components calls at with the two bytes holding each component's glyph
// number, if data is a composite glyph.
func components(data []byte, at func(p []byte) error) error {
	if len(data) < 10 || int16(binary.BigEndian.Uint16(data)) >= 0 {
		return nil
	}
	for p := 10; ; {
		if p+4 > len(data) {
			return errors.New("truncated composite glyph")
		}
		flags := binary.BigEndian.Uint16(data[p:])
		if err := at(data[p+2 : p+4]); err != nil {
			return err
		}
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
			return nil
		}
	}
}

// assemble writes the kept tables as a font file.
func assemble(tables map[string][]byte) []byte {
	type table struct {
		tag  string
		data []byte
	}
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
	size := 0
	for _, t := range ts {
		size += (len(t.data) + 3) &^ 3
	}
	out = slices.Grow(out, 16*n+size)
	body := make([]byte, 0, size)
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
	return append(out, body...)
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
