package xlsx_test

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"innoreport/report"
	"innoreport/report/xlsx"
	"innoreport/samples"
	"innoreport/templates"
)

// FuzzRead feeds whole workbooks to the reader and the checks: whatever
// the bytes, an error or a result, never a panic or a hang. Seeds are the
// sample, small hand-made packages and anything in testdata/seeds.
func FuzzRead(f *testing.F) {
	f.Add(samples.Workbook)
	for _, x := range []string{
		`<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>序号</t></is></c><c r="B1" t="s"><v>0</v></c></row></sheetData>`,
		`<sheetData><row><c><v>1</v></c><c t="b"><v>1</v></c><c t="e"><v>#N/A</v></c><c><f>A1+1</f></c></row></sheetData><mergeCells><mergeCell ref="A1:C3"/></mergeCells>`,
	} {
		f.Add(rawBook(f, x))
	}
	seeds, _ := filepath.Glob(filepath.Join("testdata", "seeds", "*"))
	for _, s := range seeds {
		if b, err := os.ReadFile(s); err == nil {
			f.Add(b)
		}
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
		report.Analyze(wb, tm, report.Options{Today: time.Date(2021, 12, 31, 0, 0, 0, 0, time.UTC)})
	})
}
