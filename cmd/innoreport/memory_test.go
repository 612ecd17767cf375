package main

import (
	"archive/zip"
	"os"
	"path/filepath"
	"runtime/debug"
	"testing"
)

// claiming writes a package whose directory says its sheet unpacks to
// size bytes (limitMemory sizes itself from that, before anything is
// read), beside pad bytes really stored, which make the file that big on
// disk.
func claiming(t *testing.T, size uint64, pad int) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "claim.xlsx")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	zw := zip.NewWriter(f)
	w, err := zw.CreateRaw(&zip.FileHeader{Name: "xl/worksheets/sheet1.xml", Method: zip.Store, CompressedSize64: 1, UncompressedSize64: size})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Write([]byte("<")); err != nil {
		t.Fatal(err)
	}
	if pad > 0 {
		w, err := zw.CreateHeader(&zip.FileHeader{Name: "xl/media/pad.bin", Method: zip.Store})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write(make([]byte, pad)); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestLimitMemory checks the heap limit and the collector's pace a check
// or build sets, and that they are put back: a big package is collected
// only near its limit, a small one, or one claiming more than its bytes
// could hold, each time its heap doubles.
func TestLimitMemory(t *testing.T) {
	t.Setenv("GOGC", "")
	const mb = 1 << 20
	for _, tc := range []struct {
		name  string
		claim uint64
		pad   int
		gc    int
	}{
		{"small", 10 * mb, 0, 100},
		{"at the line", collectAtLimit, 0, 100},
		{"big", 300 * mb, 20 * mb, -1},
		{"big by its claim alone", 300 * mb, 0, 100},
	} {
		path := claiming(t, tc.claim, tc.pad)
		size := int64(tc.claim) + int64(tc.pad)
		limit := 64*mb + size + size/4
		oldGC := debug.SetGCPercent(100)
		oldLimit := debug.SetMemoryLimit(1 << 40)
		undo := packageOf([]string{path}).limitMemory()
		if got := debug.SetMemoryLimit(-1); got != limit {
			t.Errorf("%s: memory limit %d, want %d", tc.name, got, limit)
		}
		got := debug.SetGCPercent(-1)
		debug.SetGCPercent(got)
		if got != tc.gc {
			t.Errorf("%s: GOGC %d, want %d", tc.name, got, tc.gc)
		}
		undo()
		if got := debug.SetMemoryLimit(oldLimit); got != 1<<40 {
			t.Errorf("%s: memory limit %d after undo, want it put back", tc.name, got)
		}
		if got := debug.SetGCPercent(oldGC); got != 100 {
			t.Errorf("%s: GOGC %d after undo, want it put back", tc.name, got)
		}
	}
}

func TestCollectNearLimit(t *testing.T) {
	const mb = 1 << 20
	for _, tc := range []struct {
		size, onDisk int64
		declared     bool
		want         bool
	}{
		{980 * mb, 131 * mb, true, true},  // a million tasks
		{98 * mb, 13 * mb, true, false},   // 100,000: the heap doubles
		{980 * mb, 30 * mb, true, false},  // more than its bytes could hold
		{980 * mb, 98 * mb, false, false}, // encrypted: a guess
	} {
		if got := collectNearLimit(tc.size, tc.onDisk, tc.declared); got != tc.want {
			t.Errorf("collectNearLimit(%d MB, %d MB on disk, declared %v) = %v, want %v", tc.size/mb, tc.onDisk/mb, tc.declared, got, tc.want)
		}
	}
}
