package docx

import (
	"bytes"
	"encoding/binary"
	"hash/crc32"
	"math/bits"
	"slices"
)

// png encodes the canvas: 8-bit paletted, every row unfiltered, the image
// data one zlib stream of a single deflate block. Its copies are of two
// kinds only, which is what a chart is made of: runs of one pixel (a copy
// at distance 1) and stretches equal to the row above (at a row's
// distance), found without a hash table; its Huffman codes are fitted to
// the picture. Flat colours so compress as small as image/png's fastest
// level makes them, at a fraction of the work and memory.
func (c *canvas) png() ([]byte, error) {
	var out bytes.Buffer
	out.WriteString("\x89PNG\r\n\x1a\n")
	var ihdr [13]byte
	binary.BigEndian.PutUint32(ihdr[0:], uint32(c.w))
	binary.BigEndian.PutUint32(ihdr[4:], uint32(c.h))
	ihdr[8], ihdr[9] = 8, 3 // bit depth, palette
	chunk(&out, "IHDR", ihdr[:])
	plte := make([]byte, 0, 3*len(c.pal))
	for _, p := range c.pal {
		r, g, b, _ := p.RGBA()
		plte = append(plte, uint8(r>>8), uint8(g>>8), uint8(b>>8))
	}
	chunk(&out, "PLTE", plte)
	chunk(&out, "IDAT", c.zlib())
	chunk(&out, "IEND", nil)
	return out.Bytes(), nil
}

// chunk writes a PNG chunk.
func chunk(out *bytes.Buffer, typ string, data []byte) {
	var n [4]byte
	binary.BigEndian.PutUint32(n[:], uint32(len(data)))
	out.Write(n[:])
	crc := crc32.NewIEEE()
	crc.Write([]byte(typ))
	crc.Write(data)
	out.WriteString(typ)
	out.Write(data)
	binary.BigEndian.PutUint32(n[:], crc.Sum32())
	out.Write(n[:])
}

// zlib is the image data, each row a filter byte (0, none) and its
// pixels, as a zlib stream.
func (c *canvas) zlib() []byte {
	var lit [286]int
	var dist [30]int
	lit[256] = 1 // the end of the block
	var syms []symbol
	c.symbols(func(v, n, d int) {
		if d == 0 {
			lit[v]++
			syms = append(syms, symbol(v))
			return
		}
		lit[257+lengthCode(n)]++
		dist[distCode(d)]++
		syms = append(syms, copyBit|symbol(n)<<16|symbol(d))
	})
	// Two distance codes at least, so that neither code is empty.
	dist[0], dist[1] = max(dist[0], 1), max(dist[1], 1)
	z := deflater{out: append(make([]byte, 0, 16<<10), 0x78, 0x01)} // deflate, 32K window, fastest
	litLen, distLen := huffLengths(lit[:], 15), huffLengths(dist[:], 15)
	z.header(litLen, distLen)
	litCodes, distCodes := canonical(litLen), canonical(distLen)
	for _, s := range syms {
		if s&copyBit == 0 {
			z.huff(litCodes[s], litLen[s])
			continue
		}
		n, d := int(s>>16&0x1FF), int(s&0xFFFF)
		i := lengthCode(n)
		z.huff(litCodes[257+i], litLen[257+i])
		z.bits(uint64(n-lengthBase[i]), lengthExtra[i])
		j := distCode(d)
		z.huff(distCodes[j], distLen[j])
		z.bits(uint64(d-distBase[j]), distExtra[j])
	}
	z.huff(litCodes[256], litLen[256])
	z.flush()
	return binary.BigEndian.AppendUint32(z.out, c.adler())
}

// symbol is a literal byte, or with copyBit a copy: its length in bits
// 16–24, its distance (1–32768) in bits 0–15.
type symbol uint32

const copyBit symbol = 1 << 31

// adler is zlib's checksum of the image data, a row's share taken once
// for rows repeated down the picture: a row x₁…x_L adds Σx to a, and
// L·a + Σ(L−i+1)·xᵢ to b.
func (c *canvas) adler() uint32 {
	const mod = 65521
	a, b := uint64(1), uint64(0)
	var sum, weighted uint64
	l := uint64(c.w + 1)
	for y := range c.h {
		if y == 0 || !c.same(y-1, y) {
			sum, weighted = 0, 0
			left := l - 1 // bytes after the filter byte's, which is 0
			pixelRuns(c.rows[y], c.w, func(v uint8, n int) {
				// The run's bytes stand left, left−1, … left−n+1 from the end.
				k := uint64(n)
				sum += uint64(v) * k
				weighted = (weighted + uint64(v)*((k*(2*left-k+1)/2)%mod)) % mod
				left -= k
			})
			sum %= mod
		}
		b = (b + l%mod*a + weighted) % mod
		a = (a + sum) % mod
	}
	return uint32(b<<16 | a)
}

// symbols calls fn with the image data's deflate symbols in order: a
// literal v (d 0), or a copy of n bytes from d back.
func (c *canvas) symbols(fn func(v, n, d int)) {
	stride := c.w + 1
	white := make([]uint8, stride)
	cur, up := make([]uint8, 0, stride), make([]uint8, 0, stride)
	for y := range c.h {
		if y > 0 && c.same(y-1, y) {
			copies(stride, stride, fn)
			continue
		}
		up = append(up[:0], cur...)
		cur = append(cur[:0], 0)
		if c.rows[y] == nil {
			cur = append(cur, white[1:]...)
		} else {
			cur = append(cur, c.rows[y]...)
		}
		for i := 0; i < len(cur); {
			run, vert := 0, 0
			if i > 0 {
				run = runLen(cur[i:min(i+258, len(cur))], cur[i-1])
			}
			if y > 0 {
				vert = matchLen(cur[i:min(i+258, len(cur))], up[i:])
			}
			switch {
			case vert >= 3 && vert >= run:
				fn(0, vert, stride)
				i += vert
			case run >= 3:
				fn(0, run, 1)
				i += run
			default:
				fn(int(cur[i]), 0, 0)
				i++
			}
		}
	}
}

// matchLen is how many bytes a and b have in common from the start, up to
// len(a) (b at least as long), eight at a time.
func matchLen(a, b []byte) int {
	n := 0
	for n+8 <= len(a) {
		if x := binary.LittleEndian.Uint64(a[n:]) ^ binary.LittleEndian.Uint64(b[n:]); x != 0 {
			return n + bits.TrailingZeros64(x)/8
		}
		n += 8
	}
	for n < len(a) && a[n] == b[n] {
		n++
	}
	return n
}

// runLen is how many bytes from the start of a are v, eight at a time.
func runLen(a []byte, v byte) int {
	word := uint64(v) * 0x0101010101010101
	n := 0
	for n+8 <= len(a) {
		if x := binary.LittleEndian.Uint64(a[n:]) ^ word; x != 0 {
			return n + bits.TrailingZeros64(x)/8
		}
		n += 8
	}
	for n < len(a) && a[n] == v {
		n++
	}
	return n
}

// copies calls fn with n ≥ 3 bytes of copies from d back, in pieces of 3
// to 258.
func copies(d, n int, fn func(v, n, d int)) {
	for n > 0 {
		l := min(n, 258)
		if r := n - l; r > 0 && r < 3 {
			l = n - 3
		}
		fn(0, l, d)
		n -= l
	}
}

// pixelRuns calls fn with each run of one pixel in row (nil: w white
// pixels).
func pixelRuns(row []uint8, w int, fn func(v uint8, n int)) {
	if row == nil {
		fn(0, w)
		return
	}
	for i := 0; i < len(row); {
		j := i + 1
		for j < len(row) && row[j] == row[i] {
			j++
		}
		fn(row[i], j-i)
		i = j
	}
}

// Lengths 3–258 and distances 1–32768: each code's first value and extra
// bits (RFC 1951 3.2.5).
var (
	lengthBase  = [29]int{3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258}
	lengthExtra = [29]uint8{0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0}
	distBase    = [30]int{1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025, 1537, 2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577}
	distExtra   = [30]uint8{0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13}
)

// lengthCode is the index of length n's code (257 + it is the symbol).
func lengthCode(n int) int {
	i, _ := slices.BinarySearch(lengthBase[:], n+1)
	return i - 1
}

// distCode is distance d's code.
func distCode(d int) int {
	i, _ := slices.BinarySearch(distBase[:], d+1)
	return i - 1
}

// deflater writes a deflate stream's bits.
type deflater struct {
	out   []byte
	acc   uint64
	nbits uint8
}

// bits writes the n low bits of v, least significant first.
func (z *deflater) bits(v uint64, n uint8) {
	z.acc |= v << z.nbits
	z.nbits += n
	for z.nbits >= 8 {
		z.out = append(z.out, byte(z.acc))
		z.acc >>= 8
		z.nbits -= 8
	}
}

func (z *deflater) flush() {
	if z.nbits > 0 {
		z.out = append(z.out, byte(z.acc))
	}
	z.acc, z.nbits = 0, 0
}

// huff writes a Huffman code of n bits, most significant first.
func (z *deflater) huff(code uint16, n uint8) {
	var r uint64
	for range n {
		r = r<<1 | uint64(code&1)
		code >>= 1
	}
	z.bits(r, n)
}

// clOrder is the order the code length code's lengths are written in.
var clOrder = [19]int{16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15}

// header starts the final block, of dynamic Huffman codes with these
// lengths (RFC 1951 3.2.7); runs of zero lengths are written as runs.
func (z *deflater) header(litLen, distLen []uint8) {
	nlit, ndist := 257, 1
	for i, l := range litLen {
		if l > 0 {
			nlit = max(nlit, i+1)
		}
	}
	for i, l := range distLen {
		if l > 0 {
			ndist = max(ndist, i+1)
		}
	}
	type clSym struct{ sym, extra, nextra uint8 }
	var seq []clSym
	all := append(slices.Clone(litLen[:nlit]), distLen[:ndist]...)
	for i := 0; i < len(all); {
		if all[i] != 0 {
			seq = append(seq, clSym{all[i], 0, 0})
			i++
			continue
		}
		n := 1
		for i+n < len(all) && all[i+n] == 0 && n < 138 {
			n++
		}
		switch {
		case n >= 11:
			seq = append(seq, clSym{18, uint8(n - 11), 7})
		case n >= 3:
			seq = append(seq, clSym{17, uint8(n - 3), 3})
		default:
			n = 1
			seq = append(seq, clSym{0, 0, 0})
		}
		i += n
	}
	var freq [19]int
	for _, s := range seq {
		freq[s.sym]++
	}
	// Two code length codes at least, so that neither code is empty.
	if freq[18] == 0 {
		freq[18] = 1
	}
	if freq[17] == 0 {
		freq[17] = 1
	}
	clLen := huffLengths(freq[:], 7)
	clCode := canonical(clLen)
	ncl := 4
	for i, s := range clOrder {
		if clLen[s] > 0 {
			ncl = max(ncl, i+1)
		}
	}
	z.bits(1, 1) // the final block
	z.bits(2, 2) // dynamic Huffman codes
	z.bits(uint64(nlit-257), 5)
	z.bits(uint64(ndist-1), 5)
	z.bits(uint64(ncl-4), 4)
	for _, s := range clOrder[:ncl] {
		z.bits(uint64(clLen[s]), 3)
	}
	for _, s := range seq {
		z.huff(clCode[s.sym], clLen[s.sym])
		z.bits(uint64(s.extra), s.nextra)
	}
}

// huffLengths are Huffman code lengths of at most limit bits for symbols
// of these frequencies (0: unused). Where the best code is deeper, the
// frequencies are halved, flattening the tree, until it fits.
func huffLengths(freq []int, limit uint8) []uint8 {
	f := slices.Clone(freq)
	for {
		lens := huffman(f)
		if slices.Max(lens) <= limit {
			return lens
		}
		for i := range f {
			if f[i] > 0 {
				f[i] = (f[i] + 1) / 2
			}
		}
	}
}

// huffman is an optimal prefix code's lengths for freq; a lone symbol
// gets one bit.
func huffman(freq []int) []uint8 {
	type node struct{ f, left, right int }
	var nodes []node
	lens := make([]uint8, len(freq))
	var leaves []int
	for s, f := range freq {
		if f > 0 {
			leaves = append(leaves, s)
		}
	}
	if len(leaves) == 1 {
		lens[leaves[0]] = 1
	}
	if len(leaves) < 2 {
		return lens
	}
	slices.SortStableFunc(leaves, func(a, b int) int { return freq[a] - freq[b] })
	for _, s := range leaves {
		nodes = append(nodes, node{freq[s], -1, -1})
	}
	// Two queues: the leaves by frequency, then the merged nodes, which
	// are made in order of frequency.
	q1, q2 := 0, len(leaves)
	pick := func() int {
		if q1 < len(leaves) && (q2 >= len(nodes) || nodes[q1].f <= nodes[q2].f) {
			q1++
			return q1 - 1
		}
		q2++
		return q2 - 1
	}
	for (len(leaves)-q1)+(len(nodes)-q2) > 1 {
		a, b := pick(), pick()
		nodes = append(nodes, node{nodes[a].f + nodes[b].f, a, b})
	}
	var walk func(n int, depth uint8)
	walk = func(n int, depth uint8) {
		if nodes[n].left < 0 {
			lens[leaves[n]] = depth
			return
		}
		walk(nodes[n].left, depth+1)
		walk(nodes[n].right, depth+1)
	}
	walk(len(nodes)-1, 0)
	return lens
}

// canonical is the canonical Huffman code for these lengths (RFC 1951
// 3.2.2).
func canonical(lens []uint8) []uint16 {
	var count, next [16]int
	for _, l := range lens {
		if l > 0 {
			count[l]++
		}
	}
	code := 0
	for bits := 1; bits <= 15; bits++ {
		code = (code + count[bits-1]) << 1
		next[bits] = code
	}
	codes := make([]uint16, len(lens))
	for s, l := range lens {
		if l > 0 {
			codes[s] = uint16(next[l])
			next[l]++
		}
	}
	return codes
}
