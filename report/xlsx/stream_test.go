package xlsx_test

import (
	"bytes"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"innoreport/report"
	"innoreport/report/xlsx"
	"innoreport/samples"
	"innoreport/templates"
)

// streamAgrees checks that a workbook streamed (Analyze) is read and
// checked exactly as the grid reads it (Read, then report.Analyze), and
// reports whether it was streamed rather than read whole.
func streamAgrees(t *testing.T, name string, data []byte) (streamed bool) {
	t.Helper()
	tmpl, err := report.ParseTemplate(templates.BuiltinName, templates.Builtin)
	if err != nil {
		t.Fatal(err)
	}
	ro := report.Options{Today: time.Date(2021, 12, 31, 0, 0, 0, 0, time.UTC)}
	wb, rerr := xlsx.Read(name, data, xlsx.Options{})
	got, serr := xlsx.Analyze(name, data, xlsx.Options{}, tmpl, ro)
	if rerr != nil || serr != nil {
		if rerr == nil || serr == nil || rerr.Error() != serr.Error() {
			t.Fatalf("errors differ: whole %v, streamed %v", rerr, serr)
		}
		return false
	}
	want := report.Analyze(wb, tmpl, ro)
	wj, err := want.JSON(report.Zh)
	if err != nil {
		t.Fatal(err)
	}
	gj, err := got.JSON(report.Zh)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(wj, gj) {
		t.Errorf("streamed result differs from the whole grid's:\nwhole:    %.2000s\nstreamed: %.2000s", wj, gj)
	}
	rows := got.Data.SheetRows
	got.Data.SheetRows = nil
	if !reflect.DeepEqual(want.Data, got.Data) {
		t.Errorf("streamed data differs from the whole grid's")
	}
	if rows == nil {
		return false
	}
	for _, s := range wb.Sheets {
		if rows[s.Name] != len(s.Rows) {
			t.Errorf("sheet %s: %d rows streamed, %d read whole", s.Name, rows[s.Name], len(s.Rows))
		}
	}
	return true
}

func TestStreamAgreesWithGrid(t *testing.T) {
	if !streamAgrees(t, samples.Name, samples.Workbook) {
		t.Error("the sample was read whole, not streamed")
	}
	var buf bytes.Buffer
	if err := samples.Generate(&buf, samples.Config{Tasks: 3000, Indicators: 60}); err != nil {
		t.Fatal(err)
	}
	if !streamAgrees(t, "big.xlsx", buf.Bytes()) {
		t.Error("a generated workbook was read whole, not streamed")
	}
}

// TestStreamAgreesWithGridOnCorpus holds streaming to the grid on every
// workbook of shared/corpus, and says how many had to be read whole.
func TestStreamAgreesWithGridOnCorpus(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join("..", "..", "..", "shared", "corpus", "xlsx", "*"))
	if len(files) == 0 {
		t.Skip("corpus not found: it lives beside the project in shared/corpus")
	}
	if testing.Short() {
		t.Skip("the corpus takes a while: not in -short")
	}
	streamed := 0
	for _, path := range files {
		t.Run(filepath.Base(path), func(t *testing.T) {
			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if streamAgrees(t, filepath.Base(path), data) {
				streamed++
			}
		})
	}
	t.Logf("%d of %d workbooks streamed, the rest read whole", streamed, len(files))
}
