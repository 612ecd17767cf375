package xlsx_test

import (
	"bytes"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
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
	return streamAgreesWithin(t, name, data, xlsx.Options{})
}

func streamAgreesWithin(t *testing.T, name string, data []byte, opts xlsx.Options) (streamed bool) {
	t.Helper()
	tmpl, err := report.ParseTemplate(templates.BuiltinName, templates.Builtin)
	if err != nil {
		t.Fatal(err)
	}
	ro := report.Options{Today: time.Date(2021, 12, 31, 0, 0, 0, 0, time.UTC)}
	wb, rerr := xlsx.Read(name, data, opts)
	got, serr := xlsx.Analyze(name, data, opts, tmpl, ro)
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
	if f, ok := sameExported(*want.Data, *got.Data); !ok {
		t.Errorf("streamed data differs from the whole grid's in %s", f)
	}
	for _, s := range wb.Sheets {
		if n, ok := rows[s.Name]; !ok || n != len(s.Rows) {
			t.Errorf("sheet %s: %d rows streamed, %d read whole", s.Name, rows[s.Name], len(s.Rows))
		}
		for r, row := range s.Rows {
			for c, g := range row {
				k, ok := got.Data.KeptCell(s.Name, r, c)
				if ok && (k.Style != g.Style || (k.Text != "" && k != g)) {
					t.Errorf("%s!%s kept as %+v, read whole as %+v", s.Name, report.CellName(c, r), k, g)
				}
			}
		}
		// Only a streamed workbook keeps its cells apart from the grid.
		if _, kept := got.Data.KeptCell(s.Name, 0, 0); kept && len(s.Rows) > 0 {
			streamed = true
		}
	}
	return streamed
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

// inline is a row of inline strings, from column A.
func inline(r int, texts ...string) string {
	var b strings.Builder
	fmt.Fprintf(&b, `<row r="%d">`, r)
	for c, t := range texts {
		if t != "" {
			fmt.Fprintf(&b, `<c r="%s" t="inlineStr"><is><t>%s</t></is></c>`, report.CellName(c, r-1), t)
		}
	}
	b.WriteString(`</row>`)
	return b.String()
}

// tableXML is a small task table: a title, a header, a section row and
// three tasks, then after sheetData whatever tail holds.
func tableXML(rows []string, tail string) string {
	return `<sheetData>` + strings.Join(rows, "") + `</sheetData>` + tail
}

var tableRows = []string{
	inline(1, "某某市创建省级创新型城市工作任务清单（1大板块3项任务）"),
	inline(2, "序号", "重点任务", "牵头单位", "完成时限", "完成进度"),
	inline(3, "一、优化创新布局（3项）"),
	inline(4, "1", "建设科创走廊", "市科技局", "2021年12月底", "已完成"),
	inline(5, "2", "培育高新技术企业", "市经信局", "2022-06-30", "推进中"),
	inline(6, "3", "引进院士团队", "市人社局", "2021-06-30", "滞后"),
}

// Workbooks the stream reads exactly as the grid, or hands to the grid.
func TestStreamEdgeCases(t *testing.T) {
	swapped := slices.Clone(tableRows)
	swapped[4], swapped[5] = swapped[5], swapped[4]
	for _, c := range []struct {
		name     string
		xml      string
		streamed bool
	}{
		{"merged section and title", tableXML(tableRows, `<mergeCells><mergeCell ref="A1:E1"/><mergeCell ref="A3:E3"/><mergeCell ref="C4:C6"/></mergeCells>`), true},
		{"merge below the last row", tableXML(tableRows, `<mergeCells><mergeCell ref="A9:E12"/></mergeCells>`), true},
		{"prefixed merges", tableXML(tableRows, `<x:mergeCells><x:mergeCell ref="A1:E1"/></x:mergeCells>`), true},
		{"title across every column", tableXML(tableRows, `<mergeCells><mergeCell ref="A1:XFD1"/></mergeCells>`), false},
		{"merge in a comment", tableXML(tableRows, `<!-- <mergeCell ref="A4:B4"/> -->`), false},
		{"rows out of order", tableXML(swapped, ``), false},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := streamAgrees(t, "edge.xlsx", rawBook(t, c.xml)); got != c.streamed {
				t.Errorf("streamed %v, want %v", got, c.streamed)
			}
		})
	}
}

// FuzzStream holds the stream to the grid whatever the bytes: the same
// result, or the same error.
func FuzzStream(f *testing.F) {
	for _, name := range slices.Sorted(maps.Keys(seedBooks(f))) {
		f.Add(seedBooks(f)[name])
	}
	f.Add(rawBook(f, tableXML(tableRows, `<mergeCells><mergeCell ref="A1:E1"/><mergeCell ref="A3:E3"/><mergeCell ref="C4:C6"/></mergeCells>`)))
	lim := xlsx.Limits{UnzipSize: 16 << 20, Rows: 10_000, Cols: 1000, Time: 5 * time.Second}
	f.Fuzz(func(t *testing.T, data []byte) {
		streamAgreesWithin(t, "fuzz.xlsx", data, xlsx.Options{Limits: lim})
	})
}

// sameExported compares two structs' exported fields, naming the first
// that differs.
func sameExported(a, b any) (string, bool) {
	va, vb := reflect.ValueOf(a), reflect.ValueOf(b)
	for i := range va.NumField() {
		if f := va.Type().Field(i); f.IsExported() && !reflect.DeepEqual(va.Field(i).Interface(), vb.Field(i).Interface()) {
			return f.Name, false
		}
	}
	return "", true
}
