package xlsx_test

import (
	"archive/zip"
	"bytes"
	"errors"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"innoreport/report"
	"innoreport/report/xlsx"
	"innoreport/samples"
	"innoreport/templates"
)

// book writes a small workbook the way Excel would: a merged title, a
// two-row header, formulas with cached results, dates and percentages
// stored as numbers with formats.
func book(t *testing.T, password string) []byte {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	sh := "Sheet1"
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(f.SetSheetName(sh, "任务"))
	sh = "任务"
	rows := [][]any{
		{"任务清单（1大板块2项任务）"},
		{"序号", "板块", "重点任务", "完成时限", "牵头单位", "完成情况", ""},
		{"", "", "", "", "", "状态", "进度"},
		{1, "一、平台", "任务甲", 44561, "市科技局", "推进中", 0.5},
		{2, "", "任务乙", "2021年6月", "市财政局", "已完成", nil},
	}
	for i, r := range rows {
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		must(f.SetSheetRow(sh, cell, &r))
	}
	for _, m := range [][2]string{{"A1", "G1"}, {"F2", "G2"}, {"A2", "A3"}, {"B2", "B3"}, {"C2", "C3"}, {"D2", "D3"}, {"E2", "E3"}, {"B4", "B5"}} {
		must(f.MergeCell(sh, m[0], m[1]))
	}
	date, _ := f.NewStyle(&excelize.Style{NumFmt: 14})
	pct, _ := f.NewStyle(&excelize.Style{NumFmt: 9})
	must(f.SetCellStyle(sh, "D4", "D4", date))
	must(f.SetCellStyle(sh, "G4", "G5", pct))
	// A formula with its cached value, as Excel saves it.
	must(f.SetCellFormula(sh, "G5", "=G4*2"))
	must(f.SetCellValue(sh, "G5", 1))
	_, err := f.NewSheet("隐藏")
	must(err)
	must(f.SetSheetVisible("隐藏", false))
	var buf bytes.Buffer
	if password != "" {
		must(f.Write(&buf, excelize.Options{Password: password}))
	} else {
		must(f.Write(&buf))
	}
	return buf.Bytes()
}

func TestReadTypesMergesAndFormulas(t *testing.T) {
	wb, err := xlsx.Read("t.xlsx", book(t, ""), xlsx.Options{})
	if err != nil {
		t.Fatal(err)
	}
	s := wb.Sheet("任务")
	if s == nil || wb.Sheet("隐藏") == nil || !wb.Sheet("隐藏").Hidden {
		t.Fatalf("sheets = %v", wb.Sheets)
	}
	if c := s.At(3, 3); !c.Number || c.Format != report.FormatDate {
		t.Errorf("D4 = %+v, want a number formatted as a date", c)
	}
	if c := s.At(3, 6); !c.Number || c.Format != report.FormatPercent || c.Text != "0.5" {
		t.Errorf("G4 = %+v, want 0.5 formatted as a percentage", c)
	}
	if c := s.At(4, 1); c.Text != "一、平台" || !c.Merged {
		t.Errorf("B5 = %+v, want the merged section", c)
	}
	tm, err := report.ParseTemplate("builtin", templates.Builtin)
	if err != nil {
		t.Fatal(err)
	}
	res := report.Analyze(wb, tm, report.Options{AsOf: mustDate(t, "2021-12-31").Time})
	if res.Tasks.Total != 2 || res.Tasks.Sections != 1 {
		t.Fatalf("tasks = %+v", res.Tasks)
	}
	if d := res.TaskList[0].Deadline; d != "2021-12-31" {
		t.Errorf("serial deadline = %s", d)
	}
	if p := res.TaskList[0].Progress; p == nil || *p != 50 {
		t.Errorf("percent progress = %v", p)
	}
	if p := res.TaskList[1].Progress; p == nil || *p != 100 {
		t.Errorf("formula progress = %v, want the cached 100%%", p)
	}
}

func mustDate(t *testing.T, s string) (d report.Date) {
	t.Helper()
	d, err := report.ParseDate(s)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func TestUnreadableInputs(t *testing.T) {
	xls := append([]byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1}, make([]byte, 512)...)
	enc := book(t, "secret")
	zipNoBook := func() []byte {
		var b bytes.Buffer
		if _, err := excelize.NewFile().WriteTo(&b); err != nil {
			t.Fatal(err)
		}
		data := b.Bytes()
		// Rename the workbook part so the package holds no workbook.
		return bytes.ReplaceAll(data, []byte("xl/workbook.xml"), []byte("xl/workbook.xxx"))
	}()
	noise := make([]byte, 4096)
	if _, err := rand.NewChaCha8([32]byte{1}).Read(noise); err != nil {
		t.Fatal(err)
	}
	noise[100], noise[200], noise[300] = ',', ',', ',' // 512 random bytes hold two on average
	tests := []struct {
		name, password string
		data           []byte
		sentinel       error
		says           string
	}{
		{"empty.xlsx", "", nil, report.ErrNotWorkbook, "empty"},
		{"csv.xlsx", "", []byte("a,b,c,d\n1,2,3,4\n"), report.ErrNotWorkbook, "CSV"},
		// 序号,任务,牵头单位 in GBK, as Excel saves a Chinese CSV.
		{"gbk.xlsx", "", []byte("\xd0\xf2\xba\xc5,\xc8\xce\xce\xf1,\xc7\xa3\xcd\xb7\xb5\xa5\xce\xbb\r\n1,2,3\r\n"), report.ErrNotWorkbook, "CSV"},
		{"page.xlsx", "", []byte("<!DOCTYPE html><html><table><tr><td>1</td></tr></table>"), report.ErrNotWorkbook, "HTML"},
		{"report.xlsx", "", []byte("%PDF-1.4\n%\xe2\xe3\xcf\xd3\n"), report.ErrNotWorkbook, "PDF"},
		// Random bytes hold as many commas as a short CSV: not text.
		{"noise.xlsx", "", noise, report.ErrNotWorkbook, "unknown format"},
		{"old.xls", "", xls, report.ErrLegacyXLS, "save it as .xlsx"},
		{"locked.xlsx", "", enc, report.ErrEncrypted, "-password"},
		{"locked.xlsx", "wrong", enc, report.ErrPassword, "wrong password"},
		{"cut.xlsx", "", book(t, "")[:3000], report.ErrNotWorkbook, "damaged"},
		{"nobook.xlsx", "", zipNoBook, report.ErrNotWorkbook, "no workbook"},
	}
	for _, tt := range tests {
		t.Run(tt.name+"/"+tt.says, func(t *testing.T) {
			_, err := xlsx.Read(tt.name, tt.data, xlsx.Options{Password: tt.password})
			var be *report.BilingualError
			if !errors.Is(err, tt.sentinel) || !errors.As(err, &be) || !bytes.Contains([]byte(be.Msg.En), []byte(tt.says)) {
				t.Errorf("err = %v; want %v saying %q", err, tt.sentinel, tt.says)
			}
		})
	}
	if _, err := xlsx.Read("locked.xlsx", enc, xlsx.Options{Password: "secret"}); err != nil {
		t.Errorf("right password: %v", err)
	}
	_, err := xlsx.Open(filepath.Join(t.TempDir(), "nope.xlsx"), xlsx.Options{})
	if !errors.Is(err, report.ErrMissingFile) || !strings.Contains(err.Error(), "no such file") {
		t.Errorf("missing file: %v", err)
	}
	// An empty argument names no file: the message must not read ": no such file".
	_, err = xlsx.Open("", xlsx.Options{})
	var be *report.BilingualError
	if !errors.Is(err, report.ErrMissingFile) || !errors.As(err, &be) || strings.HasPrefix(be.Msg.En, ":") || !strings.Contains(be.Msg.En, "empty") {
		t.Errorf("empty file name: %v", err)
	}
}

func TestLimits(t *testing.T) {
	for _, tt := range []struct {
		name  string
		lim   func(*xlsx.Limits)
		want  report.LimitError
		where string
	}{
		{"unzip", func(l *xlsx.Limits) { l.UnzipSize = 1000 }, report.LimitError{What: report.MeasureUnzipMB, Flag: "-max-unzip-mb"}, ""},
		{"rows", func(l *xlsx.Limits) { l.Rows = 10 }, report.LimitError{What: report.MeasureRows, Limit: 10, Flag: "-max-rows"}, "任务清单"},
		{"columns", func(l *xlsx.Limits) { l.Cols = 3 }, report.LimitError{What: report.MeasureColumns, Limit: 3, Flag: "-max-cols"}, "任务清单"},
		{"sheets", func(l *xlsx.Limits) { l.Sheets = 1 }, report.LimitError{What: report.MeasureSheets, Limit: 1, Flag: "-max-sheets"}, ""},
		{"cell", func(l *xlsx.Limits) { l.CellChars = 5 }, report.LimitError{What: report.MeasureCellChars, Limit: 5, Flag: "-max-cell-chars"}, ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			lim := xlsx.DefaultLimits
			tt.lim(&lim)
			_, err := xlsx.Read("s.xlsx", samples.Workbook, xlsx.Options{Limits: lim})
			var le *report.LimitError
			var be *report.BilingualError
			if !errors.Is(err, report.ErrLimit) || !errors.As(err, &le) || !errors.As(err, &be) {
				t.Fatalf("err = %v, want a LimitError the edges can print", err)
			}
			if le.Name != "s.xlsx" || le.What != tt.want.What || le.Limit != tt.want.Limit || le.Flag != tt.want.Flag ||
				tt.where != "" && !strings.HasPrefix(le.Where, tt.where) {
				t.Errorf("got %+v, want %+v at %q", *le, tt.want, tt.where)
			}
			if !strings.Contains(be.Msg.Zh, tt.want.Flag) || !strings.Contains(be.Msg.En, tt.want.Flag) {
				t.Errorf("message %q does not name %s", be.Msg, tt.want.Flag)
			}
		})
	}
}

func TestOpenNeverWrites(t *testing.T) {
	p := filepath.Join(t.TempDir(), "in.xlsx")
	if err := os.WriteFile(p, samples.Workbook, 0o444); err != nil {
		t.Fatal(err)
	}
	before, _ := os.Stat(p)
	if _, err := xlsx.Open(p, xlsx.Options{}); err != nil {
		t.Fatal(err)
	}
	after, _ := os.Stat(p)
	got, _ := os.ReadFile(p)
	if !bytes.Equal(got, samples.Workbook) || !after.ModTime().Equal(before.ModTime()) {
		t.Error("Open changed its input")
	}
}

// A formula saved without its result (as scripts write them) is computed;
// one that cannot be is reported at its cell.
func TestFormulaWithoutStoredResult(t *testing.T) {
	f := excelize.NewFile()
	defer f.Close()
	f.SetSheetRow("Sheet1", "A1", &[]any{"序号", "板块", "重点任务", "完成时限", "牵头单位", "状态", "进度"})
	f.SetSheetRow("Sheet1", "A2", &[]any{1, "甲", "t1", "2021年底", "市科技局", "推进中", nil})
	f.SetCellValue("Sheet1", "H2", 40)
	if err := f.SetCellFormula("Sheet1", "G2", "H2*2"); err != nil {
		t.Fatal(err)
	}
	if err := f.SetCellFormula("Sheet1", "I2", "NOSUCHFUNCTION(1)"); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		t.Fatal(err)
	}
	wb, err := xlsx.Read("f.xlsx", buf.Bytes(), xlsx.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if c := wb.Sheets[0].At(1, 6); c.Text != "80" || !c.Formula || !c.Number {
		t.Errorf("G2 = %+v, want the computed 80", c)
	}
	found := false
	for _, fd := range wb.Findings {
		found = found || (fd.Cell == "I2" && fd.Rule == report.RuleFormulaUncached && strings.Contains(fd.Message.Zh, "用 Excel 或 WPS 打开并保存后重试"))
	}
	if !found {
		t.Errorf("no finding for the uncomputable I2: %+v", wb.Findings)
	}
}

// rawBook writes a minimal package around one sheet's XML, for shapes
// excelize itself cannot make without expanding them.
func rawBook(t testing.TB, sheetXML string) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	parts := map[string]string{
		"[Content_Types].xml":        `<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>`,
		"_rels/.rels":                `<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>`,
		"xl/workbook.xml":            `<?xml version="1.0"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>`,
		"xl/_rels/workbook.xml.rels": `<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>`,
		"xl/worksheets/sheet1.xml":   `<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">` + sheetXML + `</worksheet>`,
	}
	for _, name := range []string{"[Content_Types].xml", "_rels/.rels", "xl/workbook.xml", "xl/_rels/workbook.xml.rels", "xl/worksheets/sheet1.xml"} {
		w, err := zw.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := io.WriteString(w, parts[name]); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// Hostile shapes: a cell at the last coordinates, a merge over the whole
// sheet. Each reads quickly into a small grid.
func TestHostileShapes(t *testing.T) {
	data := rawBook(t, `<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>序号</t></is></c></row>`+
		`<row r="1048576"><c r="XFD1048576" t="inlineStr"><is><t>far</t></is></c></row></sheetData>`+
		`<mergeCells count="1"><mergeCell ref="A2:XFD1048575"/></mergeCells>`)
	wb, err := xlsx.Read("h.xlsx", data, xlsx.Options{})
	if err != nil {
		t.Fatal(err)
	}
	s := wb.Sheets[0]
	if got := s.Text(1048575, 16383); got != "far" {
		t.Errorf("XFD1048576 = %q", got)
	}
	cells := 0
	for _, r := range s.Rows {
		cells += len(r)
	}
	if cells > 1<<23 {
		t.Errorf("%d cells in the grid: the whole-sheet merge was filled", cells)
	}
	lim := xlsx.DefaultLimits
	lim.Cols = 100
	if _, err := xlsx.Read("h.xlsx", data, xlsx.Options{Limits: lim}); !errors.Is(err, report.ErrLimit) || !strings.Contains(err.Error(), "-max-cols") {
		t.Errorf("column limit: %v", err)
	}
	long := rawBook(t, `<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>`+strings.Repeat("长", 40000)+`</t></is></c></row></sheetData>`)
	if _, err := xlsx.Read("l.xlsx", long, xlsx.Options{}); !errors.Is(err, report.ErrLimit) || !strings.Contains(err.Error(), "-max-cell-chars") {
		t.Errorf("cell length limit: %v", err)
	}
}

// Each form of formula a bureau's script writes without a stored result is
// computed, and said so at its cell; one that cannot be is reported there
// and left out.
func TestFormulaFormsWithoutStoredResult(t *testing.T) {
	f := excelize.NewFile()
	defer f.Close()
	if _, err := f.NewSheet("数据"); err != nil {
		t.Fatal(err)
	}
	f.SetSheetRow("数据", "A1", &[]any{10, 20, 30.5})
	f.SetSheetRow("Sheet1", "A1", &[]any{3, 4})
	forms := []struct{ cell, formula, want string }{
		{"C1", "A1*B1+2", "14"},
		{"D1", "SUM(A1:B1)", "7"},
		{"E1", "ROUND(2/3,2)", "0.67"},
		{"F1", "AVERAGE(A1:B1)", "3.5"},
		{"G1", `IF(A1>B1,"多","少")`, "少"},
		{"H1", "数据!C1-数据!A1", "20.5"},
		{"I1", "SUM(数据!A1:C1)/ROUND(A1,0)", "20.1666666666667"},
		{"J1", "NOSUCHFUNCTION(1)", ""},
	}
	for _, fm := range forms {
		if err := f.SetCellFormula("Sheet1", fm.cell, fm.formula); err != nil {
			t.Fatal(err)
		}
	}
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		t.Fatal(err)
	}
	wb, err := xlsx.Read("f.xlsx", buf.Bytes(), xlsx.Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, fm := range forms {
		t.Run(fm.formula, func(t *testing.T) {
			col, row, _ := excelize.CellNameToCoordinates(fm.cell)
			c := wb.Sheets[0].At(row-1, col-1)
			var fd *report.Finding
			for i := range wb.Findings {
				if wb.Findings[i].Cell == fm.cell && wb.Findings[i].Sheet == "Sheet1" {
					fd = &wb.Findings[i]
				}
			}
			if fm.want == "" {
				if c.Text != "" || fd == nil || fd.Rule != report.RuleFormulaUncached || fd.Severity != report.Warning {
					t.Errorf("%s = %q, finding %+v; want it left out with a formula-uncached warning", fm.cell, c.Text, fd)
				}
				return
			}
			if !strings.HasPrefix(c.Text, fm.want) {
				t.Errorf("%s = %q, want %s", fm.cell, c.Text, fm.want)
			}
			if fd == nil || fd.Rule != report.RuleFormulaComputed || fd.Severity != report.Info {
				t.Errorf("%s: finding %+v, want an info formula-computed", fm.cell, fd)
			}
		})
	}
}

// openpyxl writes an empty <v></v> beside each formula; a shared formula
// names its text once. Both are computed, not read as blank.
func TestFormulaEmptyValueAndShared(t *testing.T) {
	data := rawBook(t, `<sheetData>`+
		`<row r="1"><c r="A1"><v>40</v></c><c r="B1"><f>A1*2</f><v></v></c><c r="C1"><f t="shared" ref="C1:C2" si="0">A1+1</f><v></v></c></row>`+
		`<row r="2"><c r="A2"><v>7</v></c><c r="C2"><f t="shared" si="0"/></c><c r="D2" t="str"><f>""</f><v></v></c></row>`+
		`</sheetData>`)
	wb, err := xlsx.Read("openpyxl.xlsx", data, xlsx.Options{})
	if err != nil {
		t.Fatal(err)
	}
	s := wb.Sheets[0]
	for _, w := range []struct {
		r, c int
		want string
	}{{0, 1, "80"}, {0, 2, "41"}, {1, 2, "8"}} {
		if got := s.At(w.r, w.c); got.Text != w.want || !got.Number {
			t.Errorf("%s = %+v, want %s", report.CellName(w.c, w.r), got, w.want)
		}
	}
	for _, fd := range wb.Findings {
		if fd.Cell == "D2" {
			t.Errorf("a text formula that cached an empty result is reported: %+v", fd)
		}
	}
}

// Strings keep what OOXML escapes as _xHHHH_ (a carriage return, say) as
// the character itself, as Excel shows it.
func TestEscapedCharacters(t *testing.T) {
	for _, tt := range []struct{ name, stored, want string }{
		{"carriage return", "ABC_x000D_\nDEF", "ABC\r\nDEF"},
		{"lower-case hex", "a_x000d_b", "a\rb"},
		{"escaped underscore", "_x005F_x000D_", "_x000D_"},
		{"no escape", "_x00G0_ and _x", "_x00G0_ and _x"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			wb, err := xlsx.Read("e.xlsx", rawBook(t, `<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>`+tt.stored+`</t></is></c></row></sheetData>`), xlsx.Options{})
			if err != nil {
				t.Fatal(err)
			}
			if got := wb.Sheets[0].At(0, 0).Text; got != tt.want {
				t.Errorf("A1 = %q, want %q", got, tt.want)
			}
		})
	}
}
