package returns_test

import (
	"archive/zip"
	"bytes"
	"io"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"innoreport/report"
	"innoreport/report/returns"
	"innoreport/report/xlsx"
	"innoreport/report/xlsx/updated"
	"innoreport/samples"
	"innoreport/templates"
)

type master struct {
	t   *report.Template
	wb  *report.Workbook
	res *report.Result
}

func sample(t *testing.T) master {
	t.Helper()
	tm, err := report.ParseTemplate(templates.BuiltinName, templates.Builtin)
	if err != nil {
		t.Fatal(err)
	}
	wb, err := xlsx.Read(samples.Name, samples.Workbook, xlsx.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return master{tm, wb, report.Analyze(wb, tm, report.Options{})}
}

func split(t *testing.T, m master, p report.UnitPart, opts returns.SplitOptions) []byte {
	t.Helper()
	var buf bytes.Buffer
	mk := p.Marker("c", "m", opts.Deadline)
	if err := returns.Split(&buf, samples.Workbook, m.wb, m.res.Data, p, mk, opts); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func part(t *testing.T, m master, unit string) report.UnitPart {
	t.Helper()
	for _, p := range report.Parts(m.res.Data) {
		if p.Unit == unit {
			return p
		}
	}
	t.Fatalf("no part for %s", unit)
	return report.UnitPart{}
}

func zipPart(t *testing.T, data []byte, name string) string {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range zr.File {
		if f.Name == name {
			r, err := f.Open()
			if err != nil {
				t.Fatal(err)
			}
			b, err := io.ReadAll(r)
			r.Close()
			if err != nil {
				t.Fatal(err)
			}
			return string(b)
		}
	}
	t.Fatalf("no %s in the package", name)
	return ""
}

// A return holds the unit's rows, the fillable cells unlocked with their
// dropdown and limit, everything else protected, and its marker.
func TestSplitReturnWorkbook(t *testing.T) { bothWays(t, testSplitReturnWorkbook) }

// bothWays runs a test with rows removed one by one and, as for big
// masters, compacted in one pass.
func bothWays(t *testing.T, test func(t *testing.T)) {
	t.Run("remove", test)
	t.Run("compact", func(t *testing.T) {
		defer func(n int) { returns.CompactOver = n }(returns.CompactOver)
		returns.CompactOver = 0
		test(t)
	})
}

func testSplitReturnWorkbook(t *testing.T) {
	m := sample(t)
	p := part(t, m, "内江市科学技术局")
	data := split(t, m, p, returns.SplitOptions{Deadline: "2022-01-10"})
	f, err := excelize.OpenReader(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if got := f.GetSheetList(); !slices.Equal(got, []string{"任务清单", "指标体系", "单位名单", "innoreport"}) {
		t.Errorf("sheets %v", got)
	}
	if !regexp.MustCompile(`<sheet name="innoreport"[^>]*state="veryHidden"`).MatchString(zipPart(t, data, "xl/workbook.xml")) {
		t.Errorf("the marker sheet is not very hidden:\n%s", zipPart(t, data, "xl/workbook.xml"))
	}
	const ts = "任务清单"
	rows, err := f.GetRows(ts)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, r := range rows[4 : 4+len(p.Tasks)] {
		ids = append(ids, r[0])
		if r[1] == "" {
			t.Errorf("task %s lost its section (merged down in the master)", r[0])
		}
	}
	if want := []string{"5", "6", "7", "11", "12", "14", "15", "18", "24", "25", "26", "27", "29", "30", "31", "36"}; !slices.Equal(ids, want) {
		t.Errorf("task ids %v, want %v", ids, want)
	}
	if note := rows[4+len(p.Tasks)][0]; !strings.HasPrefix(note, "填报说明") || !strings.Contains(note, "2022-01-10") {
		t.Errorf("note row %q", note)
	}
	locked := func(cell string) bool {
		id, err := f.GetCellStyle(ts, cell)
		if err != nil {
			t.Fatal(err)
		}
		st, err := f.GetStyle(id)
		if err != nil {
			t.Fatal(err)
		}
		return st.Protection == nil || st.Protection.Locked
	}
	for _, c := range []string{"J5", "K5", "L5", "J20", "K20", "L20"} {
		if locked(c) {
			t.Errorf("%s is locked", c)
		}
	}
	for _, c := range []string{"A5", "C5", "F5", "G5", "M5", "J21"} {
		if !locked(c) {
			t.Errorf("%s is unlocked", c)
		}
	}
	for _, s := range []string{"sheet1.xml", "sheet2.xml", "sheet3.xml"} {
		x := zipPart(t, data, "xl/worksheets/"+s)
		if !strings.Contains(x, "<sheetProtection") || strings.Contains(x, "password") || strings.Contains(x, "hashValue") {
			t.Errorf("%s: not protected, or protected with a password", s)
		}
	}
	dvs, err := f.GetDataValidations(ts)
	if err != nil {
		t.Fatal(err)
	}
	var list, decimal bool
	for _, dv := range dvs {
		switch {
		case dv.Type == "list" && dv.Sqref == "J5:J20" && strings.Contains(dv.Formula1, "已完成"):
			list = true
		case dv.Type == "decimal" && dv.Sqref == "K5:K20" && dv.Operator == "between":
			decimal = true
		}
	}
	if !list || !decimal {
		t.Errorf("validations: status list %v, progress 0–100 %v: %+v", list, decimal, dvs)
	}
	mk, err := returns.ReadMarker(data, "")
	if err != nil || mk == nil || mk.Unit != "内江市科学技术局" || len(mk.Tasks) != 16 || len(mk.Indicators) != len(p.Indicators) || mk.Deadline != "2022-01-10" {
		t.Errorf("marker %+v, %v", mk, err)
	}

	// A password in the template protects with it.
	data = split(t, m, p, returns.SplitOptions{Password: "kjj"})
	if !strings.Contains(zipPart(t, data, "xl/worksheets/sheet1.xml"), "password=") {
		t.Errorf("no password on the protection")
	}
}

// Every unit's untouched return matches the master exactly: nothing to
// take, no return-* finding.
func TestUntouchedReturnsMatch(t *testing.T) { bothWays(t, testUntouchedReturnsMatch) }

func testUntouchedReturnsMatch(t *testing.T) {
	m := sample(t)
	for _, p := range report.Parts(m.res.Data) {
		data := split(t, m, p, returns.SplitOptions{})
		wb, err := xlsx.Read(p.Unit+".xlsx", data, xlsx.Options{})
		if err != nil {
			t.Fatal(err)
		}
		mk, err := returns.ReadMarker(data, "")
		if err != nil {
			t.Fatal(err)
		}
		res := report.Analyze(wb, m.t, report.Options{})
		o, err := report.MatchReturn(report.ReturnInput{Master: m.res, MasterWB: m.wb, Campaign: "c", MasterID: "m",
			Return: res, ReturnWB: wb, Marker: mk, File: p.Unit + ".xlsx"})
		if err != nil {
			t.Fatalf("%s: %v", p.Unit, err)
		}
		if len(o.Updates) != 0 || o.Unit != p.Unit {
			t.Errorf("%s: unit %q, updates %+v", p.Unit, o.Unit, o.Updates)
		}
		for _, f := range o.Findings {
			if strings.HasPrefix(f.Rule, "return-") {
				t.Errorf("%s: %s %s %s", p.Unit, f.Rule, f.Where(), f.Message.Zh)
			}
		}
	}
}

func TestFileName(t *testing.T) {
	for in, want := range map[string]string{
		"内江市科学技术局":          "内江市科学技术局",
		"市/县 科技局":           "市_县 科技局",
		`a\b:c*d?e"f<g>h|i`: "a_b_c_d_e_f_g_h_i",
		"..隐藏. ":            "隐藏",
		"CON":               "_CON",
		"":                  "_",
		"行一\n行二":            "行一 行二",
	} {
		t.Run(in, func(t *testing.T) {
			if got := returns.FileName(in); got != want {
				t.Errorf("FileName(%q) = %q, want %q", in, got, want)
			}
		})
	}
}

// The bureau may keep working in build's updated workbook: split from it
// gives returns without its summary sheets or its comments (which would
// sit on the wrong rows), and they match it exactly.
func TestSplitUpdatedWorkbook(t *testing.T) {
	s := sample(t)
	var upd bytes.Buffer
	if err := updated.Write(&upd, samples.Workbook, updated.WholeBook(s.wb), s.res, updated.Options{Lang: "zh", Annotate: true}); err != nil {
		t.Fatal(err)
	}
	wb, err := xlsx.Read("updated.xlsx", upd.Bytes(), xlsx.Options{})
	if err != nil {
		t.Fatal(err)
	}
	m := master{s.t, wb, report.Analyze(wb, s.t, report.Options{})}
	for _, p := range report.Parts(m.res.Data) {
		var buf bytes.Buffer
		if err := returns.Split(&buf, upd.Bytes(), m.wb, m.res.Data, p, p.Marker("c", "m", ""), returns.SplitOptions{}); err != nil {
			t.Fatal(err)
		}
		f, err := excelize.OpenReader(bytes.NewReader(buf.Bytes()))
		if err != nil {
			t.Fatal(err)
		}
		if got := f.GetSheetList(); !slices.Equal(got, []string{"任务清单", "指标体系", "单位名单", "innoreport"}) {
			t.Errorf("%s: sheets %v", p.Unit, got)
		}
		for _, sh := range []string{"任务清单", "指标体系"} {
			if cs, err := f.GetComments(sh); err != nil || len(cs) != 0 {
				t.Errorf("%s: %d comments on %s (%v)", p.Unit, len(cs), sh, err)
			}
		}
		f.Close()
		rwb, err := xlsx.Read(p.Unit+".xlsx", buf.Bytes(), xlsx.Options{})
		if err != nil {
			t.Fatal(err)
		}
		mk, err := returns.ReadMarker(buf.Bytes(), "")
		if err != nil {
			t.Fatal(err)
		}
		o, err := report.MatchReturn(report.ReturnInput{Master: m.res, MasterWB: m.wb, Campaign: "c", MasterID: "m",
			Return: report.Analyze(rwb, m.t, report.Options{}), ReturnWB: rwb, Marker: mk, File: p.Unit + ".xlsx"})
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range o.Findings {
			if strings.HasPrefix(f.Rule, "return-") {
				t.Errorf("%s: %s %s", p.Unit, f.Rule, f.Where())
			}
		}
		if len(o.Updates) != 0 {
			t.Errorf("%s: updates %+v", p.Unit, o.Updates)
		}
	}
}
