package main

import (
	"archive/zip"
	"os"
	"path/filepath"
	"runtime/debug"
	"testing"
)

// claiming writes a package whose directory says it unpacks to size
// bytes: limitMemory sizes itself from that, before anything is read.
func claiming(t *testing.T, size uint64) string {
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
// only near its limit, a small one each time its heap doubles.
func TestLimitMemory(t *testing.T) {
	t.Setenv("GOGC", "")
	for _, tc := range []struct {
		size  uint64
		limit int64
		gc    int
	}{
		{10 << 20, 64<<20 + 10<<20 + 10<<20/4, 100},
		{collectAtLimit, 64<<20 + collectAtLimit + collectAtLimit/4, 100},
		{collectAtLimit + 1<<20, 64<<20 + collectAtLimit + 1<<20 + (collectAtLimit+1<<20)/4, -1},
	} {
		path := claiming(t, tc.size)
		oldGC := debug.SetGCPercent(100)
		oldLimit := debug.SetMemoryLimit(1 << 40)
		undo := limitMemory([]string{path})
		if got := debug.SetMemoryLimit(-1); got != tc.limit {
			t.Errorf("%d MB: memory limit %d, want %d", tc.size>>20, got, tc.limit)
		}
		got := debug.SetGCPercent(-1)
		debug.SetGCPercent(got)
		if got != tc.gc {
			t.Errorf("%d MB: GOGC %d, want %d", tc.size>>20, got, tc.gc)
		}
		undo()
		if got := debug.SetMemoryLimit(oldLimit); got != 1<<40 {
			t.Errorf("%d MB: memory limit %d after undo, want it put back", tc.size>>20, got)
		}
		if got := debug.SetGCPercent(oldGC); got != 100 {
			t.Errorf("%d MB: GOGC %d after undo, want it put back", tc.size>>20, got)
		}
	}
}
