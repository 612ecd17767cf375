package xlsx_test

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
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
		f := excelize.NewFile()
		f.WriteTo(&b)
		data := b.Bytes()
		// Rename the workbook part so the package holds no workbook.
		return bytes.ReplaceAll(data, []byte("xl/workbook.xml"), []byte("xl/workbook.xxx"))
	}()
	tests := []struct {
		name, password string
		data           []byte
		sentinel       error
		says           string
	}{
		{"empty.xlsx", "", nil, report.ErrNotWorkbook, "empty"},
		{"csv.xlsx", "", []byte("a,b,c,d\n1,2,3,4\n"), report.ErrNotWorkbook, "CSV"},
		{"old.xls", "", xls, report.ErrLegacyXLS, "save it as .xlsx"},
		{"locked.xlsx", "", enc, report.ErrEncrypted, "-password"},
		{"locked.xlsx", "wrong", enc, report.ErrPassword, "wrong password"},
		{"cut.xlsx", "", book(t, "")[:3000], report.ErrNotWorkbook, "damaged"},
		{"nobook.xlsx", "", zipNoBook, report.ErrNotWorkbook, "no workbook"},
	}
	for _, tt := range tests {
		_, err := xlsx.Read(tt.name, tt.data, xlsx.Options{Password: tt.password})
		var be *report.BilingualError
		if !errors.Is(err, tt.sentinel) || !errors.As(err, &be) || !bytes.Contains([]byte(be.Msg.En), []byte(tt.says)) {
			t.Errorf("%s: err = %v; want %v saying %q", tt.name, err, tt.sentinel, tt.says)
		}
	}
	if _, err := xlsx.Read("locked.xlsx", enc, xlsx.Options{Password: "secret"}); err != nil {
		t.Errorf("right password: %v", err)
	}
	_, err := xlsx.Open(filepath.Join(t.TempDir(), "nope.xlsx"), xlsx.Options{})
	if !errors.Is(err, report.ErrNotWorkbook) {
		t.Errorf("missing file: %v", err)
	}
}

func TestLimits(t *testing.T) {
	_, err := xlsx.Read("s.xlsx", samples.Workbook, xlsx.Options{Limits: xlsx.Limits{UnzipSize: 1000, UnzipXMLSize: 1000, Sheets: 10, Rows: 10, Cols: 10}})
	if !errors.Is(err, report.ErrLimit) {
		t.Errorf("tiny unzip limit: %v", err)
	}
	lim := xlsx.DefaultLimits
	lim.Rows = 10
	_, err = xlsx.Read("s.xlsx", samples.Workbook, xlsx.Options{Limits: lim})
	if !errors.Is(err, report.ErrLimit) || !bytes.Contains([]byte(err.Error()), []byte("-max-rows")) {
		t.Errorf("row limit: %v", err)
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
