package main

import (
	"archive/zip"
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

func TestSmallBuild(t *testing.T) {
	// A package that unpacks to 2 MB, past what a small build may.
	big := filepath.Join(t.TempDir(), "big.xlsx")
	var b bytes.Buffer
	zw := zip.NewWriter(&b)
	w, err := zw.Create("xl/worksheets/sheet1.xml")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Write(make([]byte, 2<<20)); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(big, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	sample := filepath.Join("..", "..", "samples", "neijiang-2021.xlsx")
	for _, c := range []struct {
		args []string
		want bool
	}{
		{nil, true},              // the built-in sample
		{[]string{sample}, true}, // the same, from a file
		{[]string{big}, false},
		{[]string{"-"}, false}, // standard input: of unknown size
	} {
		if got := packageOf(c.args).small(); got != c.want {
			t.Errorf("packageOf(%q).small() = %v, want %v", c.args, got, c.want)
		}
	}
}
