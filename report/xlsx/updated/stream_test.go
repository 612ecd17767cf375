package updated_test

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"innoreport/report"
	"innoreport/report/xlsx/updated"
	"innoreport/samples"
)

// partText is a part of a package, inflated, which must be there.
func partText(t *testing.T, pkg []byte, name string) string {
	t.Helper()
	b := partOf(t, pkg, name)
	if b == nil {
		t.Fatalf("no part %s", name)
	}
	return string(b)
}

// writeBook writes the updated workbook of data to w, in Chinese,
// annotated: the one call to Write of this file and of BenchmarkWrite.
func writeBook(w io.Writer, data []byte, wb *report.Workbook, res *report.Result) error {
	return updated.Write(w, data, updated.WholeBook(wb), res, updated.Options{Lang: "zh", Annotate: true})
}

var reLegacy = regexp.MustCompile(`<legacyDrawing [^>]*>`)

// The bureau's sheets go to excelize as stand-ins: the legacyDrawing
// excelize adds with the first comment reaches the original once, and a
// second update, whose stand-in carries the first's, neither doubles it
// nor loses the comments.
func TestCommentsReachTheOriginalSheet(t *testing.T) {
	res, wb := analyze(t, "s.xlsx", samples.Workbook)
	once := update(t, samples.Workbook, res, wb, "zh")
	res2, wb2 := analyze(t, "s.xlsx", once)
	twice := update(t, once, res2, wb2, "zh")
	for i, pkg := range [][]byte{once, twice} {
		sheet := partText(t, pkg, "xl/worksheets/sheet1.xml")
		if n := len(reLegacy.FindAllString(sheet, -1)); n != 1 {
			t.Errorf("update %d: the tasks sheet has %d legacyDrawing elements, not 1", i+1, n)
		}
		if strings.Index(sheet, "<legacyDrawing") < strings.Index(sheet, "</sheetData>") {
			t.Errorf("update %d: the legacyDrawing is not after the rows", i+1)
		}
	}
	_, f1 := cells(t, once)
	_, f2 := cells(t, twice)
	c1, err1 := f1.GetComments("任务清单")
	c2, err2 := f2.GetComments("任务清单")
	if err1 != nil || err2 != nil || len(c1) == 0 || len(c1) != len(c2) {
		t.Errorf("comments on the tasks sheet: %d after one update, %d after two (%v, %v)", len(c1), len(c2), err1, err2)
	}
}

// Write streams into a file it is given, and what a failed attempt wrote
// is taken back before the workbook is rebuilt: the file holds one
// package, readable, after what was in it before.
func TestWriteToFile(t *testing.T) {
	res, wb := analyze(t, "s.xlsx", samples.Workbook)
	want := update(t, samples.Workbook, res, wb, "zh")
	f, err := os.Create(filepath.Join(t.TempDir(), "out.xlsx"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := writeBook(f, samples.Workbook, wb, res); err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(f.Name())
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("written to a file: %d bytes, to a buffer: %d, not the same", len(got), len(want))
	}
}
