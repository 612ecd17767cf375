package updated_test

import (
	"bytes"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"innoreport/report"
	"innoreport/report/xlsx"
	"innoreport/report/xlsx/updated"
	"innoreport/samples"
	"innoreport/templates"
)

// A workbook streamed, whose grid was never held, is written exactly as
// the same workbook read whole: the cells the writer cites, read again
// from the package, are the grid's, and so is a rebuild's grid.
func TestStreamedBookWritesAsWhole(t *testing.T) {
	var big bytes.Buffer
	if err := samples.Generate(&big, samples.Config{Tasks: 6000, Indicators: 120}); err != nil {
		t.Fatal(err)
	}
	tm, err := report.ParseTemplate("builtin", templates.Builtin)
	if err != nil {
		t.Fatal(err)
	}
	ro := report.Options{Today: time.Date(2021, 12, 31, 0, 0, 0, 0, time.UTC)}
	for name, data := range map[string][]byte{
		"sample":  samples.Workbook,
		"big":     big.Bytes(),
		"rebuilt": renamePart(t, samples.Workbook, "xl/workbook.xml", "xl/WorkBook.xml"),
		"whole":   wideTitle(t), // streaming hands it to the grid
	} {
		t.Run(name, func(t *testing.T) {
			res, wb := analyze(t, name+".xlsx", data)
			whole := update(t, data, res, wb, "zh")
			sres, err := xlsx.Analyze(name+".xlsx", data, xlsx.Options{}, tm, ro)
			if err != nil {
				t.Fatal(err)
			}
			if sres.Data.SheetRows == nil {
				t.Fatal("the result does not say how many rows each sheet has")
			}
			var out bytes.Buffer
			if err := updated.Write(&out, data, updated.StreamedBook(name+".xlsx", sres.Data, xlsx.Options{}), sres, updated.Options{Lang: "zh", Annotate: true}); err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(whole, out.Bytes()) {
				t.Errorf("the streamed workbook's update (%d bytes) differs from the whole one's (%d bytes)", out.Len(), len(whole))
			}
		})
	}
}

// wideTitle is the sample with its title merged across every column,
// which the grid clips to the columns used: the stream reads it whole.
func wideTitle(t *testing.T) []byte {
	f, err := excelize.OpenReader(bytes.NewReader(samples.Workbook))
	if err != nil {
		t.Fatal(err)
	}
	sheet := f.GetSheetList()[0]
	if err := f.MergeCell(sheet, "A1", "XFD1"); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}
