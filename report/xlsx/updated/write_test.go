package updated_test

import (
	"archive/zip"
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"innoreport/internal/tooltest"
	"innoreport/report"
	"innoreport/report/xlsx"
	"innoreport/report/xlsx/updated"
	"innoreport/samples"
	"innoreport/templates"
)

func analyze(t *testing.T, name string, data []byte) (*report.Result, *report.Workbook) {
	t.Helper()
	tm, err := report.ParseTemplate("builtin", templates.Builtin)
	if err != nil {
		t.Fatal(err)
	}
	wb, err := xlsx.Read(name, data, xlsx.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return report.Analyze(wb, tm, report.Options{Today: time.Date(2021, 12, 31, 0, 0, 0, 0, time.UTC)}), wb
}

func update(t *testing.T, data []byte, res *report.Result, wb *report.Workbook, lang report.Lang) []byte {
	t.Helper()
	var out bytes.Buffer
	if err := updated.Write(&out, data, updated.WholeBook(wb), res, updated.Options{Lang: lang, Annotate: true}); err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}

// richBook is a workbook with what a bureau's file may carry besides its
// cells: comments, data validation, a hidden sheet, an image, defined
// names, formulas, column widths and merged cells.
func richBook(t *testing.T) []byte {
	t.Helper()
	f, err := excelize.OpenReader(bytes.NewReader(samples.Workbook))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(f.AddComment("任务清单", excelize.Comment{Author: "科技局", Cell: "C5", Text: "请各单位按季度更新"}))
	must(f.AddComment("任务清单", excelize.Comment{Author: "科技局", Cell: "G42", Text: "待确认牵头单位"}))
	dv := excelize.NewDataValidation(true)
	dv.Sqref = "J5:J43"
	must(dv.SetDropList([]string{"已完成", "推进中", "未启动", "滞后"}))
	must(f.AddDataValidation("任务清单", dv))
	_, err = f.NewSheet("内部备注")
	must(err)
	must(f.SetCellValue("内部备注", "A1", "仅供内部"))
	must(f.SetCellFormula("内部备注", "B1", "=COUNTA(任务清单!C5:C43)"))
	must(f.SetSheetVisible("内部备注", false))
	must(f.SetDefinedName(&excelize.DefinedName{Name: "任务区域", RefersTo: "任务清单!$A$5:$M$43"}))
	img := image.NewRGBA(image.Rect(0, 0, 8, 8))
	for i := range 8 {
		img.Set(i, i, color.RGBA{200, 0, 0, 255})
	}
	var pngBuf bytes.Buffer
	must(png.Encode(&pngBuf, img))
	must(f.AddPictureFromBytes("单位名单", "F2", &excelize.Picture{Extension: ".png", File: pngBuf.Bytes()}))
	var buf bytes.Buffer
	must(f.Write(&buf))
	return buf.Bytes()
}

type snapshot map[string][2]string // sheet!cell → value, formula

func cells(t *testing.T, data []byte) (snapshot, *excelize.File) {
	t.Helper()
	f, err := excelize.OpenReader(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	snap := snapshot{}
	for _, sh := range f.GetSheetList() {
		rows, err := f.GetRows(sh, excelize.Options{RawCellValue: true})
		if err != nil {
			t.Fatal(err)
		}
		for r, row := range rows {
			for c, v := range row {
				name, _ := excelize.CoordinatesToCellName(c+1, r+1)
				fm, _ := f.GetCellFormula(sh, name)
				if v != "" || fm != "" {
					snap[sh+"!"+name] = [2]string{v, fm}
				}
			}
		}
	}
	return snap, f
}

func TestRoundTripKeepsEverything(t *testing.T) {
	for _, src := range []struct {
		name string
		data []byte
	}{{"sample.xlsx", samples.Workbook}, {"rich.xlsx", richBook(t)}} {
		t.Run(src.name, func(t *testing.T) {
			res, wb := analyze(t, src.name, src.data)
			out := update(t, src.data, res, wb, "zh")
			before, bf := cells(t, src.data)
			after, af := cells(t, out)
			for k, v := range before {
				if after[k] != v {
					t.Errorf("%s: %s was %q, is %q", src.name, k, v, after[k])
				}
			}
			for _, sh := range bf.GetSheetList() {
				vb, _ := bf.GetSheetVisible(sh)
				va, err := af.GetSheetVisible(sh)
				if err != nil || va != vb {
					t.Errorf("%s: sheet %s visible %v → %v (%v)", src.name, sh, vb, va, err)
				}
				mb, _ := bf.GetMergeCells(sh)
				ma, _ := af.GetMergeCells(sh)
				if len(ma) < len(mb) {
					t.Errorf("%s: sheet %s lost merged cells: %d → %d", src.name, sh, len(mb), len(ma))
				}
				wb, _ := bf.GetColWidth(sh, "C")
				wa, _ := af.GetColWidth(sh, "C")
				if wa != wb {
					t.Errorf("%s: sheet %s column C width %v → %v", src.name, sh, wb, wa)
				}
				cb, _ := bf.GetComments(sh)
				ca, _ := af.GetComments(sh)
				for _, c := range cb {
					found := false
					for _, d := range ca {
						if d.Cell == c.Cell && strings.Contains(commentText(d), commentText(c)) {
							found = true
						}
					}
					if !found {
						t.Errorf("%s: comment at %s!%s lost", src.name, sh, c.Cell)
					}
				}
				db, _ := bf.GetDataValidations(sh)
				da, _ := af.GetDataValidations(sh)
				if len(da) != len(db) {
					t.Errorf("%s: sheet %s data validations %d → %d", src.name, sh, len(db), len(da))
				}
			}
			if len(af.GetDefinedName()) < len(bf.GetDefinedName()) {
				t.Errorf("%s: defined names lost", src.name)
			}
			pb, _ := bf.GetPictureCells("单位名单")
			pa, _ := af.GetPictureCells("单位名单")
			if len(pa) != len(pb) {
				t.Errorf("%s: pictures %v → %v", src.name, pb, pa)
			}
			for _, sh := range []string{"汇总", "指标达成", "校验结果"} {
				if idx, _ := af.GetSheetIndex(sh); idx < 0 {
					t.Errorf("%s: no %s sheet", src.name, sh)
				}
			}
			// The findings sheet links each finding to its cell.
			link, _ := af.GetCellFormula("校验结果", "C2")
			where, _ := af.GetCellValue("校验结果", "C2")
			if !strings.HasPrefix(link, "HYPERLINK(\"#'") || !strings.Contains(link, where) || where == "" {
				t.Errorf("%s: finding C2 has no link to its cell: %q shows %q", src.name, link, where)
			}
			// A second update replaces innoreport's sheets and columns.
			res2, wb2 := analyze(t, src.name, out)
			again := update(t, out, res2, wb2, "zh")
			_, f2 := cells(t, again)
			if n1, n2 := len(af.GetSheetList()), len(f2.GetSheetList()); n1 != n2 {
				t.Errorf("%s: updating twice gives %d sheets, not %d", src.name, n2, n1)
			}
			c1, _ := af.GetCols("任务清单")
			c2, _ := f2.GetCols("任务清单")
			if len(c1) != len(c2) {
				t.Errorf("%s: updating twice gives %d task columns, not %d", src.name, len(c2), len(c1))
			}
		})
	}
}

func commentText(c excelize.Comment) string {
	s := c.Text
	for _, p := range c.Paragraph {
		s += p.Text
	}
	return s
}

func TestUpdatedIsReproducible(t *testing.T) {
	res, wb := analyze(t, "s.xlsx", samples.Workbook)
	if !bytes.Equal(update(t, samples.Workbook, res, wb, "zh"), update(t, samples.Workbook, res, wb, "zh")) {
		t.Error("two updates of the same workbook differ")
	}
}

// sheetsAsCSV opens path in LibreOffice, recalculating on load or not, and
// returns every sheet as CSV rows.
func sheetsAsCSV(t *testing.T, soffice, path string, recalc bool) map[string][][]string {
	t.Helper()
	dir := t.TempDir()
	mode := "1" // never recalculate: what a reader sees by default
	if recalc {
		mode = "0"
	}
	prof := filepath.Join(dir, "profile", "user")
	if err := os.MkdirAll(prof, 0o755); err != nil {
		t.Fatal(err)
	}
	xcu := `<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry" xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="OOXMLRecalcMode" oor:op="fuse"><value>` + mode + `</value></prop></item>
</oor:items>`
	if err := os.WriteFile(filepath.Join(prof, "registrymodifications.xcu"), []byte(xcu), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(soffice, "--headless", "--norestore", "-env:UserInstallation=file://"+filepath.Join(dir, "profile"),
		"--convert-to", "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,false,false,false,-1", "--outdir", dir, path)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("soffice: %v\n%s", err, out)
	}
	base := strings.TrimSuffix(filepath.Base(path), ".xlsx")
	out := map[string][][]string{}
	matches, _ := filepath.Glob(filepath.Join(dir, base+"-*.csv"))
	for _, m := range matches {
		out[strings.TrimSuffix(strings.TrimPrefix(filepath.Base(m), base+"-"), ".csv")] = readCSV(t, m)
	}
	if len(out) == 0 {
		t.Fatal("LibreOffice wrote no CSV")
	}
	return out
}

func num(t *testing.T, rows [][]string, r, c int) float64 {
	t.Helper()
	if r >= len(rows) || c >= len(rows[r]) {
		t.Fatalf("no cell at row %d col %d", r+1, c+1)
	}
	s := rows[r][c]
	v, err := strconv.ParseFloat(strings.TrimSuffix(s, "%"), 64)
	if err != nil {
		t.Fatalf("row %d col %d = %q: %v", r+1, c+1, s, err)
	}
	if strings.HasSuffix(s, "%") {
		v /= 100
	}
	return v
}

// LibreOffice shows the stored values as they are, and computes the same
// figures from the formulas; both equal the JSON's.
func TestLibreOfficeAgreesWithJSON(t *testing.T) {
	soffice := tooltest.Need(t, "soffice", "libreoffice-calc-nogui")
	res, wb := analyze(t, "s.xlsx", samples.Workbook)
	path := filepath.Join(t.TempDir(), "updated.xlsx")
	if err := os.WriteFile(path, update(t, samples.Workbook, res, wb, "zh"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, recalc := range []bool{false, true} {
		sheets := sheetsAsCSV(t, soffice, path, recalc)
		sum := sheets["汇总"]
		if sum == nil {
			t.Fatalf("no 汇总 sheet among %v", keys(sheets))
		}
		// Row 6: total, states, rate.
		want := []float64{float64(res.Tasks.Total)}
		for _, s := range report.States {
			want = append(want, float64(res.Tasks.Count(s)))
		}
		for c, w := range want {
			if got := num(t, sum, 5, c); got != w {
				t.Errorf("recalc=%v: 汇总 row 6 col %d = %v, JSON %v", recalc, c+1, got, w)
			}
		}
		if got := num(t, sum, 5, len(want)); math.Abs(got-res.Tasks.Rate) > 1e-4 {
			t.Errorf("recalc=%v: rate %v, JSON %v", recalc, got, res.Tasks.Rate)
		}
		// Sections from row 10.
		for i, g := range res.Sections {
			row := sum[9+i]
			if row[0] != g.Name {
				t.Errorf("recalc=%v: section row %d is %q, want %q", recalc, 10+i, row[0], g.Name)
				continue
			}
			if got := num(t, sum, 9+i, 1); got != float64(g.Total) {
				t.Errorf("recalc=%v: %s total %v, JSON %d", recalc, g.Name, got, g.Total)
			}
			if got := num(t, sum, 9+i, 2); got != float64(g.Done) {
				t.Errorf("recalc=%v: %s done %v, JSON %d", recalc, g.Name, got, g.Done)
			}
		}
		ind := sheets["指标达成"]
		for i, ir := range res.Indicators {
			for c, v := range map[int]*float64{6: ir.Attainment, 7: ir.Growth} {
				if v == nil {
					if ind[1+i][c] != "" {
						t.Errorf("recalc=%v: %s col %d = %q, want blank", recalc, ir.Name, c+1, ind[1+i][c])
					}
					continue
				}
				if got := num(t, ind, 1+i, c); math.Abs(got-*v) > 1e-4 {
					t.Errorf("recalc=%v: %s col %d = %v, JSON %v", recalc, ir.Name, c+1, got, *v)
				}
			}
		}
	}
}

func keys(m map[string][][]string) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

// Workbooks from other libraries' test suites carry what the sample does
// not: pivot tables, macros, shapes, form buttons, chart sheets, tables,
// rich-data pictures. Every part of their package must survive an update,
// and every cell keep its value and formula.
func TestForeignFeaturesSurvive(t *testing.T) {
	dir := filepath.Join("..", "..", "..", "..", "shared", "corpus", "xlsx")
	if _, err := os.Stat(dir); err != nil {
		t.Skipf("corpus not found at %s: it lives beside the project in shared/corpus", dir)
	}
	for _, name := range []string{
		"calamine__pivots.xlsx", "calamine__vba.xlsm", "closedxml__AllShapes.xlsx",
		"closedxml__CommentAndButton.xlsx", "exceljs__chart-sheet.xlsx", "exceljs__images.xlsx",
		"calamine__table-multiple.xlsx", "calamine__picture_richdata.xlsx", "closedxml__hidden_sheets.xlsx",
		"calamine__hyperlinks.xlsx", "fastexcel__VeryHidden.xlsx",
	} {
		data, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		res, wb := analyze(t, name, data)
		out := update(t, data, res, wb, "zh")
		if lost := lostParts(t, data, out); len(lost) > 0 {
			t.Errorf("%s: parts lost: %v", name, lost)
		}
		before, _ := cells(t, data)
		after, _ := cells(t, out)
		for k, v := range before {
			if after[k] != v {
				t.Errorf("%s: %s was %q, is %q", name, k, v, after[k])
			}
		}
	}
}

// The theme is given back as the bureau's file had it, not as excelize
// writes it again: Excel's own themes, Strict and transitional, and a
// LibreOffice one. The test fails where excelize carries the theme.
func TestThemeKeptAsItWas(t *testing.T) {
	dir := filepath.Join("..", "..", "..", "..", "shared", "corpus", "xlsx")
	if _, err := os.Stat(dir); err != nil {
		t.Skipf("corpus not found at %s: it lives beside the project in shared/corpus", dir)
	}
	compared := 0
	for _, name := range []string{
		"calamine__pivots.xlsx", "closedxml__CommentAndButton.xlsx", "exceljs__images.xlsx",
		"calamine__hyperlinks.xlsx", "poi__SimpleStrict.xlsx", "poi__sample.strict.xlsx",
	} {
		data, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			continue
		}
		in := partOf(t, data, "xl/theme/theme1.xml")
		if in == nil {
			continue
		}
		res, wb := analyze(t, name, data)
		out := partOf(t, update(t, data, res, wb, "zh"), "xl/theme/theme1.xml")
		compared++
		if bytes.Contains(in, []byte("purl.oclc.org/ooxml")) {
			// Strict: its namespaces made transitional, as the package's.
			if bytes.Contains(out, []byte("purl.oclc.org/ooxml")) || len(out) < len(in) {
				t.Errorf("%s: the Strict theme came out as %.200q", name, out)
			}
			continue
		}
		if !bytes.Equal(in, out) {
			t.Errorf("%s: the theme is %d bytes, was %d", name, len(out), len(in))
		}
	}
	if compared < 3 {
		t.Errorf("only %d workbooks with a theme compared", compared)
	}
}

// lostParts lists the package parts of a that b lacks, ignoring case:
// excelize writes xl/SharedStrings.xml back as xl/sharedStrings.xml.
func lostParts(t *testing.T, a, b []byte) []string {
	t.Helper()
	za, err := zip.NewReader(bytes.NewReader(a), int64(len(a)))
	if err != nil {
		t.Fatal(err)
	}
	zb, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatal(err)
	}
	have := map[string]bool{}
	for _, f := range zb.File {
		have[strings.ToLower(f.Name)] = true
	}
	var lost []string
	for _, f := range za.File {
		if !have[strings.ToLower(f.Name)] {
			lost = append(lost, f.Name)
		}
	}
	return lost
}

// A sheet too big for excelize to hold goes around it (stubbed, then put
// back patched): every original cell survives, the assessed columns are
// there, and the cells with findings are filled.
func TestBigSheetRoundTrip(t *testing.T) {
	var buf bytes.Buffer
	if err := samples.Generate(&buf, samples.Config{Tasks: 6000, Indicators: 40}); err != nil {
		t.Fatal(err)
	}
	data := buf.Bytes()
	res, wb := analyze(t, "big.xlsx", data)
	out := update(t, data, res, wb, "zh")
	before, _ := cells(t, data)
	after, af := cells(t, out)
	for k, v := range before {
		if after[k] != v {
			t.Fatalf("%s was %q, is %q", k, v, after[k])
		}
	}
	if v, _ := af.GetCellValue("任务清单", "N3"); v != "评估状态" {
		t.Errorf("N3 = %q, want the added header", v)
	}
	states := 0
	for _, tr := range res.TaskList {
		if v, _ := af.GetCellValue("任务清单", fmt.Sprintf("N%d", tr.Row)); v == tr.State.Label(report.Zh) {
			states++
		}
	}
	if states != len(res.TaskList) {
		t.Errorf("%d of %d assessed states written", states, len(res.TaskList))
	}
	f := res.Findings[0]
	st, _ := af.GetCellStyle(f.Sheet, f.Cell)
	if style, err := af.GetStyle(st); err != nil || len(style.Fill.Color) == 0 {
		t.Errorf("%s!%s not filled: %+v %v", f.Sheet, f.Cell, style, err)
	}
	if sum, _ := af.GetCellValue("汇总", "A6"); sum != fmt.Sprint(res.Tasks.Total) {
		t.Errorf("汇总!A6 = %q, want %d", sum, res.Tasks.Total)
	}
}

// TestManyIndicatorsNoComments holds the indicator sheet of a list longer
// than a big sheet to no comments on figures typed as text (excelize's
// comments cost the square of their number), and a short list to them.
func TestManyIndicatorsNoComments(t *testing.T) {
	for _, c := range []struct {
		indicators int
		comments   bool
	}{{40, true}, {5001, false}} {
		var buf bytes.Buffer
		if err := samples.Generate(&buf, samples.Config{Tasks: 60, Indicators: c.indicators}); err != nil {
			t.Fatal(err)
		}
		data := buf.Bytes()
		res, wb := analyze(t, "many.xlsx", data)
		_, af := cells(t, update(t, data, res, wb, "zh"))
		cs, err := af.GetComments("指标达成")
		if err != nil {
			t.Fatal(err)
		}
		if got := len(cs) > 0; got != c.comments {
			t.Errorf("%d indicators: %d comments on 指标达成, want some: %v", c.indicators, len(cs), c.comments)
		}
	}
}
