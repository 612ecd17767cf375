package xlsx_test

import (
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"innoreport/report"
	"innoreport/report/xlsx"
	"innoreport/samples"
	"innoreport/templates"
)

// seedBooks are the workbooks FuzzRead starts from: the sample, small
// hand-made packages and anything in testdata/seeds.
func seedBooks(tb testing.TB) map[string][]byte {
	books := map[string][]byte{"sample": samples.Workbook}
	for i, x := range []string{
		`<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>序号</t></is></c><c r="B1" t="s"><v>0</v></c></row></sheetData>`,
		`<sheetData><row><c><v>1</v></c><c t="b"><v>1</v></c><c t="e"><v>#N/A</v></c><c><f>A1+1</f></c></row></sheetData><mergeCells><mergeCell ref="A1:C3"/></mergeCells>`,
	} {
		books[fmt.Sprintf("raw%d", i+1)] = rawBook(tb, x)
	}
	seeds, _ := filepath.Glob(filepath.Join("testdata", "seeds", "*"))
	for _, s := range seeds {
		b, err := os.ReadFile(s)
		if err != nil {
			tb.Fatal(err)
		}
		books[filepath.Base(s)] = b
	}
	return books
}

// FuzzRead feeds whole workbooks to the reader and the checks: whatever
// the bytes, an error or a result, never a panic or a hang; and where
// the reader reads a workbook that excelize opens too, both read the same
// value in every cell (see disagreements).
func FuzzRead(f *testing.F) {
	for _, name := range slices.Sorted(maps.Keys(seedBooks(f))) {
		f.Add(seedBooks(f)[name])
	}
	tm, err := report.ParseTemplate("builtin", templates.Builtin)
	if err != nil {
		f.Fatal(err)
	}
	lim := xlsx.Limits{UnzipSize: 16 << 20, Rows: 10_000, Cols: 1000, Time: 5 * time.Second}
	f.Fuzz(func(t *testing.T, data []byte) {
		wb, err := xlsx.Read("fuzz.xlsx", data, xlsx.Options{Limits: lim})
		if err != nil {
			return
		}
		if d := disagreements(wb, data); len(d) > 0 {
			t.Errorf("the reader and excelize disagree on %d cells:\n%s", len(d), strings.Join(d[:min(len(d), 20)], "\n"))
		}
		report.Analyze(wb, tm, report.Options{Today: time.Date(2021, 12, 31, 0, 0, 0, 0, time.UTC)})
	})
}
