package xlsx_test

import (
	"archive/zip"
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"

	"innoreport/report"
	"innoreport/report/xlsx"
	"innoreport/samples"
)

// rewritePart copies the sample package, its tasks sheet's entry changed by
// edit (the data left as it was compressed).
func rewritePart(t *testing.T, edit func(*zip.FileHeader)) []byte {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(samples.Workbook), int64(len(samples.Workbook)))
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	zw := zip.NewWriter(&out)
	for _, f := range zr.File {
		fh := f.FileHeader
		if f.Name == "xl/worksheets/sheet1.xml" {
			edit(&fh)
		}
		w, err := zw.CreateRaw(&fh)
		if err != nil {
			t.Fatal(err)
		}
		r, err := f.OpenRaw()
		if err != nil {
			t.Fatal(err)
		}
		if _, err := io.Copy(w, r); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}

// A small sheet is inflated once and kept for its later passes; a part
// that fails its checksum, or holds more than its header declares, is
// refused as it was when every pass streamed it.
func TestSmallSheetKeptWhole(t *testing.T) {
	if _, err := xlsx.Read("s.xlsx", samples.Workbook, xlsx.Options{}); err != nil {
		t.Fatalf("the sample: %v", err)
	}
	for _, tt := range []struct {
		name string
		edit func(*zip.FileHeader)
		want error
	}{
		{"checksum", func(fh *zip.FileHeader) { fh.CRC32 ^= 1 }, zip.ErrChecksum},
		{"size", func(fh *zip.FileHeader) { fh.UncompressedSize64 /= 2 }, zip.ErrFormat},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := xlsx.Read("s.xlsx", rewritePart(t, tt.edit), xlsx.Options{})
			if !errors.Is(err, report.ErrNotWorkbook) || !strings.Contains(err.Error(), tt.want.Error()) {
				t.Fatalf("err = %v, want the workbook refused as damaged (%v)", err, tt.want)
			}
		})
	}
}
