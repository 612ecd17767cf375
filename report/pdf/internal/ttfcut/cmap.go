package ttfcut

import (
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
)

// readCmap reads the rune → glyph map exactly as fpdf does: the first
// format 4 subtable for Unicode, each segment's whole range, glyph 0
// included.
func readCmap(c []byte) ([]int32, error) {
	u16 := func(o int) int {
		if o < 0 || o+2 > len(c) {
			return 0
		}
		return int(binary.BigEndian.Uint16(c[o:]))
	}
	sub := -1
	for i := range u16(2) {
		rec := 4 + 8*i
		if rec+8 > len(c) {
			break
		}
		platform, enc := u16(rec), u16(rec+2)
		off := int(binary.BigEndian.Uint32(c[rec+4:]))
		if ((platform == 3 && enc == 1) || platform == 0) && u16(off) == 4 {
			sub = off
			break
		}
	}
	if sub < 0 {
		return nil, errors.New("no format 4 Unicode cmap")
	}
	end := sub + u16(sub+2)
	segs := u16(sub+6) / 2
	ends, starts := sub+14, sub+16+2*segs
	deltas, ranges := starts+2*segs, starts+4*segs
	m := make([]int32, 0x10000)
	for i := range m {
		m[i] = -1
	}
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
			m[ch] = int32(g)
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
