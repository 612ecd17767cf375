package pdf

import (
	"bytes"
	"compress/zlib"
	"errors"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strconv"
	"sync"
)

// fpdf compresses each stream with a zlib writer of its own: about 1 MB
// of compressor state made, zeroed and dropped per page, the better part
// of what a small report allocates. So fpdf writes the pages' content
// streams uncompressed, and compressPages compresses them here with one
// reused writer into the very bytes fpdf would have written (the test
// TestOwnCompressionGivesFpdfsBytes holds it to that).

// zlibWriters are reused zlib writers at fpdf's level, BestSpeed.
var zlibWriters = sync.Pool{New: func() any {
	w, err := zlib.NewWriterLevel(nil, zlib.BestSpeed)
	if err != nil {
		panic(err) // only for a bad level
	}
	return w
}}

var (
	errLayout = errors.New("pdf: unexpected layout from fpdf")
	reXref    = regexp.MustCompile(`\nstartxref\n(\d+)\n%%EOF\n$`)
	reContent = regexp.MustCompile(`/Contents (\d+) 0 R`)
)

// object is one indirect object of fpdf's output: its number and where
// its bytes begin.
type object struct{ num, off int }

// compressPages writes raw, a PDF fpdf wrote without compression, to w
// with every page's content stream compressed as fpdf compresses them and
// the cross-reference table moved to match.
func compressPages(w io.Writer, raw []byte) error {
	objs, xref, err := objects(raw)
	if err != nil {
		return err
	}
	pages := map[int]bool{}
	for _, m := range reContent.FindAllSubmatch(raw[:xref], -1) {
		n, _ := strconv.Atoi(string(m[1]))
		pages[n] = true
	}
	out := bytes.NewBuffer(make([]byte, 0, len(raw)/2))
	out.Write(raw[:objs[0].off])
	offsets := make([]int, len(objs)+1)
	zw := zlibWriters.Get().(*zlib.Writer)
	defer zlibWriters.Put(zw)
	var z bytes.Buffer
	for i, o := range objs {
		end := xref
		if i+1 < len(objs) {
			end = objs[i+1].off
		}
		offsets[o.num] = out.Len()
		if !pages[o.num] {
			out.Write(raw[o.off:end])
			continue
		}
		if err := deflateObject(out, zw, &z, o.num, raw[o.off:end]); err != nil {
			return err
		}
	}
	start := out.Len()
	fmt.Fprintf(out, "xref\n0 %d\n0000000000 65535 f \n", len(objs)+1)
	for _, off := range offsets[1:] {
		fmt.Fprintf(out, "%010d 00000 n \n", off)
	}
	tail := raw[xref:]
	trailer := bytes.Index(tail, []byte("trailer\n"))
	m := reXref.FindIndex(tail)
	if trailer < 0 || m == nil {
		return errLayout
	}
	out.Write(tail[trailer:m[0]])
	fmt.Fprintf(out, "\nstartxref\n%d\n%%%%EOF\n", start)
	_, err = w.Write(out.Bytes())
	return err
}

// objects reads raw's cross-reference table: its objects in the order of
// their bytes, and where the table begins.
func objects(raw []byte) ([]object, int, error) {
	m := reXref.FindSubmatch(raw)
	if m == nil {
		return nil, 0, errLayout
	}
	xref, err := strconv.Atoi(string(m[1]))
	if err != nil || xref >= len(raw) {
		return nil, 0, errLayout
	}
	t := raw[xref:]
	var n int
	if _, err := fmt.Sscanf(string(t[:min(len(t), 32)]), "xref\n0 %d\n", &n); err != nil || n < 2 {
		return nil, 0, errLayout
	}
	head := len(fmt.Sprintf("xref\n0 %d\n", n)) + 20 // and the free entry
	if len(t) < head+20*(n-1) {
		return nil, 0, errLayout
	}
	objs := make([]object, 0, n-1)
	for i := 1; i < n; i++ {
		e := t[head+20*(i-1):]
		off, err := strconv.Atoi(string(e[:10]))
		if err != nil || off <= 0 || off >= xref {
			return nil, 0, errLayout
		}
		objs = append(objs, object{num: i, off: off})
	}
	slices.SortFunc(objs, func(a, b object) int { return a.off - b.off })
	return objs, xref, nil
}

// deflateObject writes object num, a page's uncompressed content stream
// as fpdf writes it, compressed as fpdf would have written it.
func deflateObject(out *bytes.Buffer, zw *zlib.Writer, z *bytes.Buffer, num int, obj []byte) error {
	head := fmt.Sprintf("%d 0 obj\n<</Length ", num)
	if !bytes.HasPrefix(obj, []byte(head)) {
		return errLayout
	}
	rest := obj[len(head):]
	i := bytes.IndexByte(rest, '>')
	if i < 0 {
		return errLayout
	}
	n, err := strconv.Atoi(string(rest[:i]))
	const open, end = ">>\nstream\n", "\nendstream\nendobj\n"
	if err != nil || !bytes.HasPrefix(rest[i:], []byte(open)) || len(rest) != i+len(open)+n+len(end) ||
		string(rest[len(rest)-len(end):]) != end {
		return errLayout
	}
	data := rest[i+len(open) : i+len(open)+n]
	z.Reset()
	zw.Reset(z)
	if _, err := zw.Write(data); err != nil {
		return err
	}
	if err := zw.Close(); err != nil {
		return err
	}
	fmt.Fprintf(out, "%d 0 obj\n<</Filter /FlateDecode /Length %d>>\nstream\n", num, z.Len())
	out.Write(z.Bytes())
	out.WriteString(end)
	return nil
}
