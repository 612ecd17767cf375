package report

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"innoreport/templates"
)

func builtin(t testing.TB) *Template {
	t.Helper()
	tm, err := ParseTemplate("builtin", templates.Builtin)
	if err != nil {
		t.Fatal(err)
	}
	return tm
}

// grid builds a sheet from rows of text; "=" alone repeats the cell to its
// left as part of a horizontal merge, "^" the cell above as a vertical one.
func grid(name string, rows ...[]string) *Sheet {
	s := &Sheet{Name: name}
	for _, r := range rows {
		row := make([]Cell, len(r))
		for c, v := range r {
			row[c] = Cell{Text: v}
		}
		s.Rows = append(s.Rows, row)
	}
	for r := range s.Rows {
		for c := range s.Rows[r] {
			switch s.Rows[r][c].Text {
			case "=":
				s.Rows[r][c].Text = ""
				s.growMerge(r, c-1, r, c)
			case "^":
				s.Rows[r][c].Text = ""
				s.growMerge(r-1, c, r, c)
			}
		}
	}
	s.FillMerges()
	return s
}

// growMerge extends the merge holding (r0,c0) to cover (r1,c1).
func (s *Sheet) growMerge(r0, c0, r1, c1 int) {
	for i, m := range s.Merges {
		if r0 >= m.R1 && r0 <= m.R2 && c0 >= m.C1 && c0 <= m.C2 {
			s.Merges[i].R2, s.Merges[i].C2 = max(m.R2, r1), max(m.C2, c1)
			return
		}
	}
	s.Merges = append(s.Merges, Range{R1: r0, C1: c0, R2: r1, C2: c1})
}

func analyze(t *testing.T, asOf time.Time, sheets ...*Sheet) *Result {
	t.Helper()
	return Analyze(&Workbook{Name: "test.xlsx", Sheets: sheets}, builtin(t), Options{AsOf: asOf})
}

func findingAt(r *Result, rule, cell string) *Finding {
	for i, f := range r.Findings {
		if f.Rule == rule && (cell == "" || f.Cell == cell) {
			return &r.Findings[i]
		}
	}
	return nil
}

func dump(r *Result) string {
	var b strings.Builder
	for _, f := range r.Findings {
		fmt.Fprintf(&b, "  %s %s %s %s\n", f.Where(), f.Severity, f.Rule, f.Message.Zh)
	}
	return b.String()
}

func TestMergedSectionColumnTwoRowHeader(t *testing.T) {
	tasks := grid("任务清单",
		[]string{"内江市创建省级创新型城市工作任务清单（2大板块3项任务）", "=", "=", "=", "=", "=", "="},
		[]string{"填报单位：市科技局    截至2021年11月30日", "=", "=", "=", "=", "=", "="},
		[]string{"序 号", "板块", "重点任务", "完成时限\n（年月）", "牵头\n单位", "完成情况", "="},
		[]string{"^", "^", "^", "^", "^", "状态", "进度"},
		[]string{"1", "一、优化创新布局", "任务甲", "2021年12月底", "市科技局", "推进中", "95%"},
		[]string{"2", "^", "任务乙", "2021年6月", "市财政局", "推进中", "50"},
		[]string{"3", "二、集聚创新人才", "任务丙", "长期坚持", "市委组织部", "已完成", "100"},
		[]string{"注：进度按百分比填写。", "=", "=", "=", "=", "=", "="},
	)
	r := analyze(t, time.Time{}, tasks)
	if r.Tasks.Total != 3 || r.Tasks.Sections != 2 {
		t.Fatalf("tasks = %+v; findings:\n%s", r.Tasks, dump(r))
	}
	if got := time.Time(r.AsOf); !got.Equal(day(2021, 11, 30)) || r.AsOfSource != "workbook 任务清单!A2" {
		t.Errorf("as of = %v from %q; want the declared 2021-11-30 from A2", got, r.AsOfSource)
	}
	if r.Sections[0].Name != "优化创新布局" || r.Sections[0].Total != 2 || r.Sections[1].Name != "集聚创新人才" {
		t.Errorf("sections = %+v", r.Sections)
	}
	states := map[string]State{}
	for _, tr := range r.TaskList {
		states[tr.Name] = tr.State
	}
	// 95% against ~95.8% due at 2021-11-30 for a 2020-01-01..2021-12-31 run.
	want := map[string]State{"任务甲": StateBehind, "任务乙": StateOverdue, "任务丙": StateDone}
	for k, v := range want {
		if states[k] != v {
			t.Errorf("state of %s = %s, want %s", k, states[k], v)
		}
	}
	if f := findingAt(r, RuleOverdue, "D6"); f == nil {
		t.Errorf("no overdue finding at D6:\n%s", dump(r))
	}
	if f := findingAt(r, RuleBehindSchedule, "G5"); f == nil {
		t.Errorf("no behind-schedule finding at G5:\n%s", dump(r))
	}
	if f := findingAt(r, RuleMissingSheet, ""); f == nil || f.Sheet != "指标体系" {
		t.Errorf("want a missing-sheet finding for the indicators:\n%s", dump(r))
	}
}

func TestSectionRowsAndEnglishHeaders(t *testing.T) {
	tasks := grid("Sheet1",
		[]string{"Innovation city task list", "=", "=", "=", "="},
		[]string{"No.", "Task", "Deadline", "Lead unit", "Status"},
		[]string{"一、优化创新布局（2项）", "=", "=", "=", "="},
		[]string{"1", "Task A", "Dec 2021", "S&T Bureau", "done"},
		[]string{"2", "Task B", "2021-06-30", "Finance", "in progress"},
		[]string{"二、集聚创新人才（1项）", "=", "=", "=", "="},
		[]string{"3", "Task C", "ongoing", "HR", "not started"},
		[]string{"", "", "", "", ""},
	)
	r := analyze(t, day(2021, 12, 31), tasks)
	if r.Tasks.Total != 3 || r.Tasks.Sections != 2 || r.Sheets["tasks"] != "Sheet1" {
		t.Fatalf("tasks = %+v sheets = %v; findings:\n%s", r.Tasks, r.Sheets, dump(r))
	}
	if r.Sections[0].Name != "优化创新布局" || r.Sections[1].Name != "集聚创新人才" {
		t.Errorf("sections = %+v", r.Sections)
	}
	for _, f := range r.Findings {
		if f.Rule == RuleCountMismatch && f.Cell != "" {
			t.Errorf("section rows declare the right counts, yet: %s", f.Message.Zh)
		}
	}
	if r.Tasks.Done != 1 || r.Tasks.Overdue != 1 || r.Tasks.NotStarted != 1 {
		t.Errorf("tally = %+v", r.Tasks)
	}
}

func TestNoLeadColumnFirstUnitLeads(t *testing.T) {
	tasks := grid("责任清单",
		[]string{"序号", "重点领域", "工作任务", "时间节点", "责任单位", "进展状态", "完成比例"},
		[]string{"1", "平台", "建平台", "2021年底", "市科技局、市财政局", "已完成", "100%"},
	)
	r := analyze(t, day(2021, 12, 31), tasks)
	if len(r.TaskList) != 1 || r.TaskList[0].Lead != "市科技局" {
		t.Fatalf("lead = %+v; findings:\n%s", r.TaskList, dump(r))
	}
	if f := findingAt(r, RuleMissingColumn, ""); f != nil {
		t.Errorf("a missing lead column is no finding when units are there: %s", f.Message.Zh)
	}
}

func TestRules(t *testing.T) {
	tasks := grid("任务清单",
		[]string{"工作任务清单（1大板块6项任务）", "=", "=", "=", "=", "=", "=", "=", "="},
		[]string{"序号", "板块", "重点任务", "完成时限", "牵头单位", "责任单位", "动作类型", "状态", "进度"},
		[]string{"1", "甲", "t1", "2021年底", "市科技局", "市财政局", "规定动作", "已完成", "80"},
		[]string{"1", "甲", "t2", "2022年6月", "", "市财政局", "其他动作", "完毕", "120"},
		[]string{"3", "甲", "t3", "下个月", "市科技局", "市大数据局", "自选动作", "推进中", "很多"},
		[]string{"4", "甲", "t4", "2021年6月", "市科技局", "", "自选动作", "推进中", "50"},
		[]string{"5", "甲", "t5", "2021年12月", "市科技局", "", "自选动作", "未启动", "30"},
	)
	inds := grid("指标体系",
		[]string{"序号", "指标名称", "单位", "方向", "基期值", "目标值", "完成值"},
		[]string{"1", "平台", "个", "正向", "31", "40", "46个"},
		[]string{"2", "孵化", "家", "正向", "260", "240", "275"},
		[]string{"3", "能耗", "吨", "逆向", "0.62", "0.70", "0.57"},
		[]string{"4", "科普", "%", "正向", "6.8", "10", ""},
		[]string{"5", "研发", "人", "斜向", "18", "", "待统计"},
	)
	units := grid("单位名单",
		[]string{"序号", "单位名称", "简称"},
		[]string{"1", "内江市科学技术局", "市科技局"},
		[]string{"2", "内江市财政局", "市财政局"},
	)
	r := analyze(t, day(2021, 12, 31), tasks, inds, units)
	want := []struct{ sheet, cell, rule string }{
		{"任务清单", "I3", RuleStatusProgress},
		{"任务清单", "A4", RuleDuplicateID},
		{"任务清单", "D4", RuleDeadlineAfterCycle},
		{"任务清单", "E4", RuleRequired},
		{"任务清单", "G4", RuleEnum},
		{"任务清单", "H4", RuleEnum},
		{"任务清单", "I4", RuleRange},
		{"任务清单", "D5", RuleDate},
		{"任务清单", "I5", RuleType},
		{"任务清单", "F5", RuleUnknownUnit},
		{"任务清单", "D6", RuleOverdue},
		{"任务清单", "I7", RuleStatusProgress},
		{"任务清单", "A1", RuleCountMismatch},
		// The title names no city and no office says who reports.
		{"任务清单", "", RuleIdentity},
		{"指标体系", "F3", RuleTargetBelowBase},
		{"指标体系", "F4", RuleTargetBelowBase},
		{"指标体系", "G5", RuleMissingActual},
		{"指标体系", "G6", RuleMissingActual},
		{"指标体系", "D6", RuleEnum},
		{"指标体系", "F6", RuleRequired},
	}
	expected := map[[3]string]bool{}
	for _, w := range want {
		expected[[3]string{w.sheet, w.cell, w.rule}] = true
		found := false
		for _, f := range r.Findings {
			if f.Sheet == w.sheet && f.Cell == w.cell && f.Rule == w.rule {
				found = true
				if f.Message.Zh == "" || f.Message.En == "" {
					t.Errorf("%s!%s %s: message missing a language: %+v", w.sheet, w.cell, w.rule, f.Message)
				}
			}
		}
		if !found {
			t.Errorf("no %s finding at %s!%s; got:\n%s", w.rule, w.sheet, w.cell, dump(r))
		}
	}
	for _, f := range r.Findings {
		if !expected[[3]string{f.Sheet, f.Cell, f.Rule}] {
			t.Errorf("unexpected %s finding at %s: %s", f.Rule, f.Where(), f.Message.En)
		}
	}
	// Attainment and growth: 46/40, (46−31)/31; 逆向 0.70/0.57.
	ind := r.Indicators[0]
	if *ind.Attainment != 1.15 || *ind.Growth != Round(15.0/31, 4) || ind.Status != IndicatorMet {
		t.Errorf("indicator 1 = att %v growth %v %s", *ind.Attainment, *ind.Growth, ind.Status)
	}
	if got := *r.Indicators[2].Attainment; got != Round(0.70/0.57, 4) {
		t.Errorf("逆向 attainment = %v", got)
	}
	if r.Indicators[4].Status != IndicatorPending {
		t.Errorf("pending indicator status = %s", r.Indicators[4].Status)
	}
}

func TestMissingColumnNamesNearest(t *testing.T) {
	tasks := grid("任务清单",
		[]string{"序号", "板块", "重点任务", "完成时间限", "牵头单位", "状况"},
		[]string{"1", "甲", "t1", "2021年底", "市科技局", "已完成"},
	)
	r := analyze(t, day(2021, 12, 31), tasks)
	f := findingAt(r, RuleMissingColumn, "")
	if f == nil {
		t.Fatalf("no missing-column finding:\n%s", dump(r))
	}
	var cells []string
	for _, f := range r.Findings {
		if f.Rule == RuleMissingColumn {
			cells = append(cells, f.Cell+"="+f.Value)
		}
	}
	if !strings.Contains(strings.Join(cells, " "), "F1=状况") {
		t.Errorf("missing status should name 状况 at F1: %v\n%s", cells, dump(r))
	}
}

func TestFormulaCellsUseCachedValue(t *testing.T) {
	tasks := grid("任务清单",
		[]string{"序号", "板块", "重点任务", "完成时限", "牵头单位", "状态", "进度"},
		[]string{"1", "甲", "t1", "2021年底", "市科技局", "已完成", "100"},
	)
	tasks.Rows[1][6] = Cell{Text: "1", Number: true, Format: FormatPercent, Formula: true}
	r := analyze(t, day(2021, 12, 31), tasks)
	if p := r.TaskList[0].Progress; p == nil || *p != 100 {
		t.Errorf("formula progress = %v, want 100", p)
	}
}

func TestTemplateErrorsNameTheLine(t *testing.T) {
	bad := strings.Replace(string(templates.Builtin), "type: date", "type: dat", 1)
	_, err := ParseTemplate("my.yaml", []byte(bad))
	if err == nil {
		t.Fatal("no error for an unknown type")
	}
	line := 0
	for i, l := range strings.Split(bad, "\n") {
		if strings.Contains(l, "type: dat,") || strings.Contains(l, "type: dat ") {
			line = i + 1
			break
		}
	}
	if !strings.Contains(err.Error(), fmt.Sprintf("my.yaml:%d:", line)) {
		t.Errorf("error %q does not name my.yaml:%d", err, line)
	}
	_, err = ParseTemplate("x.yaml", []byte("cycle: [1\n"))
	if err == nil || !strings.Contains(err.Error(), "line") {
		t.Errorf("syntax error %v should name its line", err)
	}
	_, err = ParseTemplate("x.yaml", []byte("cycle: {start: 2020-01-01, end: 2021-12-31}\nsheets: {}\nfoo: 1\n"))
	if err == nil || !strings.Contains(err.Error(), "line 3") {
		t.Errorf("unknown field error %v should name line 3", err)
	}
}

func FuzzFindHeader(f *testing.F) {
	f.Add("序号\t板块\t重点任务\t完成时限\t牵头单位\t状态", "1\t甲\t任务\t2021年底\t市科技局\t已完成")
	f.Add("No.\tTask\tDeadline\tLead unit\tStatus", "完成情况\t=\t^\t\t")
	f.Fuzz(func(t *testing.T, a, b string) {
		s := grid("任务清单", strings.Split(a, "\t"), strings.Split(b, "\t"))
		tm := builtin(t)
		// A header found has its columns distinct, each under a header
		// cell that is not blank, inside the header's rows.
		if hm, ok := findHeader(s, tm.Sheets["tasks"], new(headerCache)); ok {
			if hm.top < 0 || hm.top > hm.bottom || hm.bottom >= len(s.Rows) {
				t.Fatalf("header rows %d..%d in a sheet of %d rows", hm.top, hm.bottom, len(s.Rows))
			}
			seen := map[int]string{}
			for key, c := range hm.cols {
				if other, dup := seen[c]; dup {
					t.Errorf("columns %s and %s are both column %d", key, other, c)
				}
				seen[c] = key
				inside := false
				for r := hm.top; r <= hm.bottom; r++ {
					inside = inside || (c >= 0 && c < len(s.Rows[r]) && s.Text(r, c) != "")
				}
				if !inside {
					t.Errorf("column %s is %d, outside the header rows %d..%d: %+v", key, c, hm.top, hm.bottom, s.Rows[hm.top:hm.bottom+1])
				}
			}
		}
		Analyze(&Workbook{Name: "f.xlsx", Sheets: []*Sheet{s}}, tm, Options{Today: day(2021, 12, 31)})
	})
}

// TestTaskGrowthStaysNearTheCount holds the task list's room near the
// tasks there are, whether the sheet's row count is right, short (rows
// it did not count) or absent.
func TestTaskGrowthStaysNearTheCount(t *testing.T) {
	for _, c := range []struct {
		tasks, hint int
		most        float64 // room ÷ tasks at most
	}{
		{1_000_000, 1_000_004, 1.0001},
		{1_000_000, 999_830, 1.13},
		{100_000, 50_000, 1.13},
		{1_000_000, 0, 2},
		{39, 43, 64.0 / 39},
	} {
		var room int
		for n := 0; n < c.tasks; n++ {
			if n == room {
				room += taskGrowth(n, c.hint, n+4) // four header rows
			}
		}
		if got := float64(room) / float64(c.tasks); got > c.most {
			t.Errorf("%d tasks, counted %d rows: room for %d, %.2f× (at most %.2f×)", c.tasks, c.hint, room, got, c.most)
		}
	}
}

// TestMemoizedUnitsAreShared holds what the units memo promises: tasks
// typed alike share one list, and an append to one task's list leaves the
// other's alone.
func TestMemoizedUnitsAreShared(t *testing.T) {
	var x extractor
	a, b := x.splitUnits("市科技局、市发改委"), x.splitUnits("市科技局、市发改委")
	if len(a) != 2 || &a[0] != &b[0] {
		t.Fatalf("units %q and %q: not one shared list", a, b)
	}
	a = append(a, "市财政局")
	if len(b) != 2 || b[0] != "市科技局" || b[1] != "市发改委" || &a[0] == &b[0] {
		t.Errorf("an append to one task's units reached another's: %q, %q", a, b)
	}
}
