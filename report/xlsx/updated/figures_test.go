package updated_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"innoreport/internal/tooltest"
	"innoreport/report"
)

// edgeBook is a workbook of the cases where a formula and the domain rule
// could part: less-is-better with an actual of 0, no baseline, a target
// equal to its baseline, figures typed as text, a growth target, a target
// or baseline of 0, a pending figure, a third that does not round evenly,
// a negative baseline.
func edgeBook(t *testing.T) []byte {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(f.SetSheetName("Sheet1", "任务清单"))
	rows := [][]any{
		{"示例市创建省级创新型城市工作任务清单"},
		{"填报单位：示例市科学技术局 截至2021年12月31日"},
		{"序号", "板块", "重点任务", "完成时限", "牵头单位", "状态", "进度"},
		// A section named with a wildcard character counts only itself.
		{1, "创新*平台", "任务一", "2021年12月底", "市科技局", "已完成", 100},
		{2, "创新*平台", "任务二", "2021年12月底", "市科技局", "推进中", 50},
		{3, "创新新平台", "任务三", "2021年12月底", "市财政局", "推进中", 100.0 / 3},
		{4, "创新?台", "任务四", "2021年12月底", "市财政局", "已完成", 100},
	}
	for i, r := range rows {
		must(f.SetSheetRow("任务清单", fmt.Sprintf("A%d", i+1), &r))
	}
	_, err := f.NewSheet("指标体系")
	must(err)
	inds := [][]any{
		{"指标名称", "单位", "指标方向", "基期值", "目标值", "完成值"},
		{"逆向且完成值为零", "起", "逆向", 5, 2, 0},
		{"逆向常规", "起", "逆向", 5, 2, 2.5},
		{"没有基期值", "个", "正向", nil, 10, 8},
		{"目标等于基期", "个", "正向", 10, 10, 10},
		{"文本完成值", "家", "正向", 40, 50, "46家"},
		{"增长目标", "亿元", "正向", 100, "增长6%", 105},
		{"目标和基期为零", "个", "正向", 0, 0, 3},
		{"待统计", "个", "正向", 1, 2, "待统计"},
		{"三分之一", "个", "正向", 3, 3, 1},
		{"负的基期", "亿元", "正向", -2, 1, 0.5},
		{"逆向文本目标", "%", "逆向", 8, "≤6", "5"},
		{"完成值为零", "个", "正向", 4, 8, 0},
	}
	for i, r := range inds {
		must(f.SetSheetRow("指标体系", fmt.Sprintf("A%d", i+1), &r))
	}
	var buf bytes.Buffer
	must(f.Write(&buf))
	return buf.Bytes()
}

// recalculated has LibreOffice open path with every formula recalculated
// and save it again as xlsx, so the values stored are LibreOffice's own.
func recalculated(t *testing.T, soffice, path string) *excelize.File {
	t.Helper()
	dir := t.TempDir()
	prof := filepath.Join(dir, "profile", "user")
	if err := os.MkdirAll(prof, 0o755); err != nil {
		t.Fatal(err)
	}
	// OOXMLRecalcMode 0: always recalculate on load.
	xcu := `<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry" xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="OOXMLRecalcMode" oor:op="fuse"><value>0</value></prop></item>
</oor:items>`
	if err := os.WriteFile(filepath.Join(prof, "registrymodifications.xcu"), []byte(xcu), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "out")
	cmd := exec.Command(soffice, "--headless", "--norestore", "-env:UserInstallation=file://"+filepath.Join(dir, "profile"),
		"--convert-to", "xlsx:Calc MS Excel 2007 XML", "--outdir", out, path)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("soffice: %v\n%s", err, b)
	}
	f, err := excelize.OpenFile(filepath.Join(out, filepath.Base(path)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

// TestLibreOfficeEdgeCases recalculates the updated workbook of the edge
// cases in LibreOffice and finds, in every formula of 指标达成 and in the
// summary's rates, the JSON's figure to the last digit it keeps.
func TestLibreOfficeEdgeCases(t *testing.T) {
	soffice := tooltest.Need(t, "soffice", "libreoffice-calc-nogui")
	data := edgeBook(t)
	res, wb := analyze(t, "edge.xlsx", data)
	js, err := res.JSON("zh")
	if err != nil {
		t.Fatal(err)
	}
	var got struct {
		Tasks    struct{ Rate float64 }
		Sections []struct {
			Name  string
			Total float64
			Rate  float64
		}
		Indicators []struct {
			Name               string
			Attainment, Growth *float64
		}
	}
	if err := json.Unmarshal(js, &got); err != nil {
		t.Fatal(err)
	}
	if len(got.Indicators) != 12 {
		t.Fatalf("read %d indicators, want 12", len(got.Indicators))
	}
	path := filepath.Join(t.TempDir(), "edge-updated.xlsx")
	if err := os.WriteFile(path, update(t, data, res, wb, "zh"), 0o644); err != nil {
		t.Fatal(err)
	}
	f := recalculated(t, soffice, path)
	value := func(sheet, cell string) string {
		t.Helper()
		v, err := f.GetCellValue(sheet, cell, excelize.Options{RawCellValue: true})
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	same := func(what, cell string, v string, want *float64) {
		t.Helper()
		if want == nil {
			if v != "" {
				t.Errorf("%s (%s) = %q recalculated, JSON null", what, cell, v)
			}
			return
		}
		n, err := strconv.ParseFloat(v, 64)
		if err != nil || math.Abs(n-*want) > 1e-12 {
			t.Errorf("%s (%s) = %q recalculated, JSON %v", what, cell, v, *want)
		}
	}
	for i, ind := range got.Indicators {
		row := i + 2
		if name := value("指标达成", fmt.Sprint("A", row)); name != ind.Name {
			t.Fatalf("指标达成!A%d is %q, want %q", row, name, ind.Name)
		}
		same(ind.Name+" attainment", fmt.Sprint("G", row), value("指标达成", fmt.Sprint("G", row)), ind.Attainment)
		same(ind.Name+" growth", fmt.Sprint("H", row), value("指标达成", fmt.Sprint("H", row)), ind.Growth)
	}
	same("task rate", "H6", value("汇总", "H6"), &got.Tasks.Rate)
	for i, s := range got.Sections {
		row := 10 + i
		cells, err := f.GetRows("汇总", excelize.Options{RawCellValue: true})
		if err != nil || len(cells) < row {
			t.Fatalf("汇总 has %d rows: %v", len(cells), err)
		}
		r := cells[row-1]
		if r[0] != s.Name {
			t.Fatalf("汇总 row %d is %q, want %q", row, r[0], s.Name)
		}
		same(fmt.Sprint("section total ", r[0]), fmt.Sprintf("row %d", row), r[1], &s.Total)
		same(fmt.Sprint("section rate ", r[0]), fmt.Sprintf("row %d", row), r[len(r)-1], &s.Rate)
	}
}

// A character the PDF cannot draw stays itself in the updated workbook:
// its summary columns (and the COUNTIF over them) see the real text.
func TestWorkbookKeepsUnprintableText(t *testing.T) {
	f := excelize.NewFile()
	rows := [][]any{
		{"序号", "板块", "重点任务", "完成时限", "牵头单位", "状态"},
		{1, "𠀀平台", "任务一", "2021年12月底", "市科技局", "已完成"},
	}
	for i, r := range rows {
		if err := f.SetSheetRow("Sheet1", fmt.Sprintf("A%d", i+1), &r); err != nil {
			t.Fatal(err)
		}
	}
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		t.Fatal(err)
	}
	f.Close()
	res, wb := analyze(t, "u.xlsx", buf.Bytes())
	report.FlagUnprintable(res, nil)
	out, err := excelize.OpenReader(bytes.NewReader(update(t, buf.Bytes(), res, wb, "zh")))
	if err != nil {
		t.Fatal(err)
	}
	defer out.Close()
	got, err := out.GetRows("Sheet1")
	if err != nil {
		t.Fatal(err)
	}
	added := got[1][6:]
	if !slices.Contains(added, "𠀀平台") || slices.ContainsFunc(added, func(s string) bool { return strings.Contains(s, "?") }) {
		t.Errorf("the added columns hold %q, want the section as written", added)
	}
}
