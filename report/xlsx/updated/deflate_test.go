package updated

import (
	"archive/zip"
	"bytes"
	"fmt"
	"io"
	"math/rand/v2"
	"testing"
)

// Parts of every size read back as written, one after another through
// the same deflater: empty, small, a block to the byte, a byte past it,
// and several blocks written in odd pieces.
func TestDeflaterRoundTrip(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	text := func(n int) []byte {
		var b bytes.Buffer
		for b.Len() < n {
			fmt.Fprintf(&b, `<row r="%d"><c r="A%d" t="inlineStr"><is><t>%x</t></is></c></row>`, b.Len(), rng.IntN(100), rng.Uint32())
		}
		return b.Bytes()[:n]
	}
	parts := [][]byte{nil, text(100), text(blockSize), text(blockSize + 1), text(3*blockSize + 12345), text(10)}
	var pkg bytes.Buffer
	zw := zip.NewWriter(&pkg)
	d := getDeflater()
	zw.RegisterCompressor(zip.Deflate, d.compressor)
	for i, p := range parts {
		w, err := zw.CreateHeader(&zip.FileHeader{Name: fmt.Sprint(i), Method: zip.Deflate})
		if err != nil {
			t.Fatal(err)
		}
		for rest := p; len(rest) > 0; {
			k := min(len(rest), 1+rng.IntN(300<<10))
			if _, err := w.Write(rest[:k]); err != nil {
				t.Fatal(err)
			}
			rest = rest[k:]
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	putDeflater(d)
	zr, err := zip.NewReader(bytes.NewReader(pkg.Bytes()), int64(pkg.Len()))
	if err != nil {
		t.Fatal(err)
	}
	for i, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		got, err := io.ReadAll(rc)
		if err != nil {
			t.Fatalf("part %d: %v", i, err)
		}
		if !bytes.Equal(got, parts[i]) {
			t.Errorf("part %d: %d bytes read back, %d written", i, len(got), len(parts[i]))
		}
	}
}
