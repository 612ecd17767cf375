package xlsx

import (
	"archive/zip"
	"bytes"
	"errors"
	"io"
	"math/rand/v2"
	"reflect"
	"strconv"
	"testing"
	"time"

	"innoreport/report"
)

// slowReads reads at most n bytes a call, n changing from call to call.
type slowReads struct {
	r   io.Reader
	rng *rand.Rand
}

func (s slowReads) Read(b []byte) (int, error) {
	return s.r.Read(b[:min(len(b), 1+s.rng.IntN(70000))])
}

// A part inflated ahead reads as the part itself: the same bytes, the
// same error after them (the unzip limit cut at the same byte), and, read
// whole, the same bytes counted against the limit.
func TestReadaheadReadsAsThePart(t *testing.T) {
	data := make([]byte, 3*readaheadChunk+12345)
	for i := range data {
		data[i] = byte(i * 7)
	}
	for _, limit := range []int64{1 << 40, int64(len(data)), int64(len(data)) - 1, 2*readaheadChunk + 17, 5} {
		for _, again := range []bool{false, true} {
			read := func(ahead bool) ([]byte, error, int64) {
				p := newPkg("t.xlsx", Limits{UnzipSize: limit}, &zip.Reader{})
				p.unpacked = 3
				var r io.Reader = &counter{r: slowReads{bytes.NewReader(data), rand.New(rand.NewPCG(1, 2))}, p: p, again: again}
				var c io.Closer = io.NopCloser(nil)
				if ahead {
					ra := newReadahead(r, c)
					r, c = slowReads{ra, rand.New(rand.NewPCG(3, 4))}, ra
				}
				got, err := io.ReadAll(r)
				if cerr := c.Close(); cerr != nil {
					t.Fatal(cerr)
				}
				return got, err, p.unpacked
			}
			want, wantErr, wantN := read(false)
			got, err, n := read(true)
			if !bytes.Equal(got, want) || (err == nil) != (wantErr == nil) || err != nil && err.Error() != wantErr.Error() || wantErr == nil && n != wantN {
				t.Errorf("limit %d, again %v: read ahead %d bytes, %v, counted %d; the part %d bytes, %v, counted %d",
					limit, again, len(got), err, n, len(want), wantErr, wantN)
			}
		}
	}
}

// Closing a part read in part stops its goroutine.
func TestReadaheadClosedEarly(t *testing.T) {
	ra := newReadahead(bytes.NewReader(make([]byte, 10*readaheadChunk)), io.NopCloser(nil))
	if _, err := ra.Read(make([]byte, 10)); err != nil {
		t.Fatal(err)
	}
	closed := make(chan error)
	go func() { closed <- ra.Close() }()
	select {
	case err := <-closed:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Close did not return: the goroutine did not stop")
	}
}

// Rows read ahead reach the checks in order, each as it was read (an
// empty row nil), and the reader's error after the rows before it.
func TestReadAheadHandsRowsInOrder(t *testing.T) {
	stop := errors.New("stop")
	var want [][]report.Cell
	read := func(put func(int, []report.Cell) error) error {
		buf := []report.Cell{}
		for r := range 3000 {
			buf = buf[:0]
			for c := range r % 7 {
				buf = append(buf, report.Cell{Text: strconv.Itoa(r*10 + c)})
			}
			var row []report.Cell
			if len(buf) > 0 {
				row = append(row, buf...)
			}
			want = append(want, row)
			if err := put(r, buf); err != nil {
				return err
			}
		}
		return stop
	}
	var got [][]report.Cell
	err := readAhead(read, func(r int, cells []report.Cell) {
		if r != len(got) {
			t.Fatalf("row %d after %d rows", r, len(got))
		}
		got = append(got, append([]report.Cell(nil), cells...))
	})
	if err != stop {
		t.Errorf("err = %v, want the reader's", err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("the rows handed on differ from those read (%d, %d rows)", len(got), len(want))
	}
}

// A panic reading is raised again where the rows are checked; a panic
// checking stops the reader.
func TestReadAheadPanics(t *testing.T) {
	func() {
		defer func() {
			if p := recover(); p != "reading" {
				t.Errorf("recovered %v, want the reader's panic", p)
			}
		}()
		readAhead(func(put func(int, []report.Cell) error) error {
			put(0, nil)
			panic("reading")
		}, func(int, []report.Cell) {})
		t.Error("no panic")
	}()
	stopped := make(chan error, 1)
	func() {
		defer func() {
			if p := recover(); p != "checking" {
				t.Errorf("recovered %v, want the checks' panic", p)
			}
		}()
		readAhead(func(put func(int, []report.Cell) error) error {
			for r := 0; ; r++ {
				if err := put(r, []report.Cell{{Text: "x"}}); err != nil {
					stopped <- err
					return err
				}
			}
		}, func(int, []report.Cell) { panic("checking") })
	}()
	if err := <-stopped; err != errChecksGone {
		t.Errorf("the reader stopped with %v", err)
	}
}
