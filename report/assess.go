package report

import (
	"fmt"
	"math"
	"slices"
	"time"
)

// Options steer Analyze.
type Options struct {
	AsOf  time.Time // the date to assess at; zero means the workbook's, else Today
	Today time.Time // "today", injected so that runs are reproducible
}

// Round rounds v to digits decimals.
func Round(v float64, digits int) float64 { return round(v, digits) }

func ptr(v float64) *float64 { return &v }

// Analyze reads, checks and aggregates a workbook: the whole of `check`.
func Analyze(wb *Workbook, t *Template, opts Options) *Result {
	data, findings := Extract(wb, t)
	return check(wb, data, findings, ReadReturnStatus(wb), t, opts)
}

// RowStream streams a workbook's sheets a row at a time, each sheet's rows
// in order from the first, calling row with the sheet's index and the
// sheet holding row r (and no other row that may be relied on).
type RowStream func(row func(sheet int, s *Sheet, r int)) error

// AnalyzeStream is Analyze of a workbook that is never held whole: head
// holds each sheet's first HeadRows rows and its merged ranges, enough to
// find the tables, and stream then gives every row once.
func AnalyzeStream(head *Workbook, stream RowStream, t *Template, opts Options) (*Result, error) {
	x := newExtractor(head, t)
	tables := x.locateAll()
	bySheet := map[int]*table{}
	for _, tb := range tables {
		if tb.sheet >= 0 {
			bySheet[tb.sheet] = tb
			tb.styles = newKeptStyles(tb.hm)
		}
	}
	sr := newStatusReader(head)
	err := stream(func(i int, s *Sheet, r int) {
		if tb := bySheet[i]; tb != nil {
			tb.row(s, r)
		}
		if i == sr.sheet {
			sr.row(s, r)
		}
	})
	if err != nil {
		return nil, err
	}
	data, findings := x.finish(tables)
	data.kept = &kept{head: head, tables: tables}
	return check(head, data, findings, sr.out, t, opts), nil
}

// check checks and aggregates what Extract found in wb.
func check(wb *Workbook, data *Data, findings []Finding, status []ReturnStatus, t *Template, opts Options) *Result {
	findings = append(findings, wb.Findings...)
	identify(data, wb.Props)
	data.Identity.fix(t)
	if f, ok := data.Identity.missing(data.Sheets["tasks"]); ok {
		findings = append(findings, f)
	}
	res := &Result{
		Workbook: wb.Name, Template: t.Source, Title: data.Title, Identity: data.Identity, Sheets: data.Sheets, Data: data,
		Cycle: CycleJSON{Day(t.Cycle.Start), Day(t.Cycle.End)},
	}
	switch {
	case !opts.AsOf.IsZero():
		res.AsOf, res.AsOfSource = Day(Day0(opts.AsOf)), "flag"
	case !data.AsOf.IsZero():
		res.AsOf, res.AsOfSource = Day(data.AsOf), "workbook "+Ref(data.Sheets["tasks"], data.AsOfCell)
	default:
		res.AsOf, res.AsOfSource = Day(Day0(opts.Today)), "today"
	}
	c := &checker{t: t, data: data, asOf: time.Time(res.AsOf), res: res}
	c.tasks()
	c.indicators()
	c.counts()
	c.units()
	res.Findings = append(findings, c.findings...)
	res.ReturnStatus = status
	order := []string{data.Sheets["tasks"], data.Sheets["indicators"], data.Sheets["units"]}
	SortFindings(res.Findings, order)
	if res.Findings == nil {
		res.Findings = []Finding{}
	}
	return res
}

// Day0 truncates t to its calendar day at UTC midnight.
func Day0(t time.Time) time.Time {
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
}

type checker struct {
	t        *Template
	data     *Data
	asOf     time.Time
	res      *Result
	findings []Finding
	days     memo[Date, string] // deadlines as the task list writes them
}

func (c *checker) add(sev Severity, rule, role string, cells CellRefs, key, header, value string, msg Text) {
	c.findings = append(c.findings, Finding{
		Severity: sev, Rule: rule, Sheet: c.data.Sheets[role], Cell: cells.Get(key),
		Header: header, Value: value, Message: msg,
	})
}

// header names the column key in role's sheet as the template labels it.
func (c *checker) header(role, key string) string {
	if s := c.t.Sheets[role]; s != nil {
		if col := s.Column(key); col != nil {
			return col.Headers[0]
		}
	}
	return key
}

// Expected returns the time-proportional progress due at asOf (序时进度),
// in points, for work running from start to end inclusive.
func Expected(start, end, asOf time.Time) float64 {
	if !end.After(start) {
		if asOf.Before(start) {
			return 0
		}
		return 100
	}
	total := end.Sub(start).Hours()/24 + 1
	done := asOf.Sub(start).Hours()/24 + 1
	return Round(math.Max(0, math.Min(1, done/total))*100, 1)
}

// assess decides one task's state, and notes where status and progress
// disagree; the status wins.
func (c *checker) assess(t *Task) (State, float64) {
	start := c.t.Cycle.Start
	if t.Start.OK() {
		start = t.Start.Time
	}
	end := c.t.Cycle.End
	if t.Deadline.OK() {
		end = t.Deadline.Time
	}
	exp := Expected(start, end, c.asOf)
	p, hasP := t.Progress.Value, t.Progress.OK
	disagree := func(zh, en string) {
		c.add(Warning, RuleStatusProgress, "tasks", t.Cells, "progress", c.header("tasks", "progress"),
			fmt.Sprintf("%g%%", p), Text{zh + "，以状态为准，请核实", en + "; the status is taken: check them"})
	}
	switch {
	case t.Status == StatusDone:
		if hasP && p < 100 {
			disagree(fmt.Sprintf("状态为“已完成”但进度为 %g%%", p), fmt.Sprintf("status says done but progress is %g%%", p))
		}
		return StateDone, exp
	case t.Status == StatusNone && hasP && p >= 100:
		return StateDone, exp
	}
	if hasP && p >= 100 {
		disagree(fmt.Sprintf("进度为 %g%% 但状态未标记“已完成”", p), fmt.Sprintf("progress is %g%% but the status is not done", p))
	}
	if t.Deadline.OK() && t.Deadline.Time.Before(c.asOf) {
		return StateOverdue, exp
	}
	switch {
	case t.Status == StatusNotStarted:
		if hasP && p > 0 {
			disagree(fmt.Sprintf("状态为“未启动”但进度为 %g%%", p), fmt.Sprintf("status says not started but progress is %g%%", p))
		}
		return StateNotStarted, exp
	case t.Status == StatusNone && hasP && p == 0:
		return StateNotStarted, exp
	case t.Status == StatusLagging:
		if hasP && p >= exp {
			disagree(fmt.Sprintf("状态为“滞后”但进度 %g%% 已达序时进度 %g%%", p, exp),
				fmt.Sprintf("status says lagging but progress %g%% meets the %g%% due", p, exp))
		}
		return StateBehind, exp
	case !hasP:
		return StateOnSchedule, exp
	case p >= exp+10:
		return StateAhead, exp
	case p >= exp:
		return StateOnSchedule, exp
	}
	return StateBehind, exp
}

func (c *checker) tasks() {
	res := c.res
	sections := map[string]*Group{}
	var sectionOrder []string
	actions := map[Action]*ActionGroup{}
	ids := make(map[string]*Task, len(c.data.Tasks))
	if len(c.data.Tasks) > 0 { // none stays nil: JSON's "task_list": null
		res.TaskList = make([]TaskResult, 0, len(c.data.Tasks))
	}
	for i := range c.data.Tasks {
		t := &c.data.Tasks[i]
		st, exp := c.assess(t)
		tr := TaskResult{
			Row: t.Row + 1, ID: t.ID, Section: t.Section, Name: t.Name, Lead: t.Lead,
			Deadline: c.days.get(t.Deadline, Date.String), Expected: exp, State: st, Action: t.Action,
			Hash: TaskHash(t), Task: t,
		}
		if t.Progress.OK {
			tr.Progress = &t.Progress.Value // no copy a task: nothing changes a task once read
		}
		if tr.Name == "" {
			tr.Name = t.Content
		}
		res.TaskList = append(res.TaskList, tr)
		res.Tasks.add(st)

		g := sections[t.Section]
		if g == nil {
			g = &Group{Name: t.Section}
			sections[t.Section] = g
			sectionOrder = append(sectionOrder, t.Section)
		}
		g.add(st)
		a := actions[t.Action]
		if a == nil {
			a = &ActionGroup{Group{Name: t.Action.Label(Zh)}, t.Action}
			actions[t.Action] = a
		}
		a.add(st)

		c.taskFindings(t, st, exp, ids)
	}
	for _, name := range sectionOrder {
		res.Sections = append(res.Sections, *sections[name])
	}
	res.Tasks.Sections = len(sectionOrder)
	for _, a := range Actions {
		if g := actions[a]; g != nil {
			res.Actions = append(res.Actions, *g)
		}
	}
	if res.Sections == nil {
		res.Sections = []Group{}
	}
	if res.Actions == nil {
		res.Actions = []ActionGroup{}
	}
	if res.TaskList == nil {
		res.TaskList = []TaskResult{}
	}
}

// taskFindings notes what is wrong with task t, assessed as st against
// exp due; ids holds where each id was first seen.
func (c *checker) taskFindings(t *Task, st State, exp float64, ids map[string]*Task) {
	// The label is made only for a task with a finding: most have none.
	var made Text
	label := func() Text {
		if made.Zh == "" {
			made = taskLabel(t)
		}
		return made
	}
	switch st {
	case StateOverdue:
		c.add(Warning, RuleOverdue, "tasks", t.Cells, "deadline", c.header("tasks", "deadline"), t.Deadline.String(), Text{
			fmt.Sprintf("%s完成时限为 %s，截至 %s 未完成，已逾期%s", label().Zh, t.Deadline, Day(c.asOf), progressNote(t, Zh)),
			fmt.Sprintf("%s was due %s and is not done at %s: overdue%s", label().En, t.Deadline, Day(c.asOf), progressNote(t, En)),
		})
	case StateBehind:
		c.add(Warning, RuleBehindSchedule, "tasks", t.Cells, "progress", c.header("tasks", "progress"), progressText(t), Text{
			fmt.Sprintf("%s进度 %s 低于序时进度 %g%%", label().Zh, progressText(t), exp),
			fmt.Sprintf("%s progress %s is below the %g%% due by now", label().En, progressText(t), exp),
		})
	}
	if t.Deadline.OK() && t.Deadline.Time.After(c.t.Cycle.End) {
		c.add(Warning, RuleDeadlineAfterCycle, "tasks", t.Cells, "deadline", c.header("tasks", "deadline"), t.Deadline.String(), Text{
			fmt.Sprintf("%s完成时限 %s 晚于创建周期结束日 %s，请核实", label().Zh, t.Deadline, Day(c.t.Cycle.End)),
			fmt.Sprintf("%s deadline %s falls after the cycle's end %s: check it", label().En, t.Deadline, Day(c.t.Cycle.End)),
		})
	}
	if t.ID == "" {
		return
	}
	if f, dup := ids[t.ID]; dup {
		first := Ref(c.data.Sheets["tasks"], f.Cells.Get("id"))
		c.add(Error, RuleDuplicateID, "tasks", t.Cells, "id", c.header("tasks", "id"), t.ID, Text{
			fmt.Sprintf("序号“%s”与 %s 重复，请重新编号", t.ID, first),
			fmt.Sprintf("id %q repeats %s: renumber it", t.ID, first),
		})
	} else {
		ids[t.ID] = t // its place made only for a repeat: most ids are not
	}
}

func taskLabel(t *Task) Text {
	name := t.Name
	if name == "" {
		name = t.Content
	}
	if r := []rune(name); len(r) > 20 {
		name = string(r[:20]) + "…"
	}
	if t.ID != "" {
		return Text{fmt.Sprintf("任务 %s“%s”", t.ID, name), fmt.Sprintf("task %s %q", t.ID, name)}
	}
	return Text{fmt.Sprintf("任务“%s”", name), fmt.Sprintf("task %q", name)}
}

func progressText(t *Task) string {
	if !t.Progress.OK {
		return "—"
	}
	return fmt.Sprintf("%g%%", t.Progress.Value)
}

func progressNote(t *Task, lang Lang) string {
	if !t.Progress.OK {
		return ""
	}
	return Text{fmt.Sprintf("（进度 %g%%）", t.Progress.Value), fmt.Sprintf(" (progress %g%%)", t.Progress.Value)}.In(lang)
}

func (c *checker) indicators() {
	for i := range c.data.Indicators {
		ind := &c.data.Indicators[i]
		ir := IndicatorResult{
			Row: ind.Row + 1, Category: ind.Category, Name: ind.Name, Unit: ind.Unit, Indicator: ind,
			Direction: ind.Direction,
		}
		if ind.Baseline.OK {
			ir.Baseline = ptr(ind.Baseline.Value)
		}
		if ind.Actual.OK {
			ir.Actual = ptr(ind.Actual.Value)
		}
		target, hasTarget := ind.Target.Value, ind.Target.OK
		if ind.Target.Growth {
			ir.TargetText = fmt.Sprintf("增长%g%%", ind.Target.Value)
			if ind.Baseline.OK {
				target = Round(ind.Baseline.Value*(1+ind.Target.Value/100), 4)
			} else {
				hasTarget = false
			}
		} else if ind.Target.Op != "" {
			ir.TargetText = ind.Target.Op + fmt.Sprintf("%g", ind.Target.Value)
		}
		if hasTarget {
			ir.Target = ptr(target)
		}
		if ind.Baseline.OK && ind.Actual.OK {
			if g, ok := Growth(ind.Baseline.Value, ind.Actual.Value); ok {
				ir.Growth = ptr(g)
			}
		}
		switch {
		case ind.Actual.Pending:
			ir.Status = IndicatorPending
		case !ind.Actual.OK:
			ir.Status = IndicatorNoData
		case !hasTarget:
			ir.Status = IndicatorNoTarget
		default:
			att := Attainment(ind.Direction, target, ind.Actual.Value)
			ir.Attainment = ptr(att)
			ir.Status = Met(att)
		}
		c.res.Indicators = append(c.res.Indicators, ir)

		hdr := c.header("indicators", "actual")
		switch ir.Status {
		case IndicatorNoData:
			c.add(Warning, RuleMissingActual, "indicators", ind.Cells, "actual", hdr, "", Text{
				fmt.Sprintf("指标“%s”没有完成值，请填报", ind.Name),
				fmt.Sprintf("indicator %q has no value reached: fill it in", ind.Name),
			})
		case IndicatorPending:
			c.add(Info, RuleMissingActual, "indicators", ind.Cells, "actual", hdr, "待统计", Text{
				fmt.Sprintf("指标“%s”的完成值待统计", ind.Name),
				fmt.Sprintf("indicator %q is still pending", ind.Name),
			})
		}
		if ind.Baseline.OK && ind.Target.OK && !ind.Target.Growth {
			below := ind.Target.Value < ind.Baseline.Value
			if ind.Direction == Negative {
				below = ind.Target.Value > ind.Baseline.Value
			}
			if below {
				c.add(Warning, RuleTargetBelowBase, "indicators", ind.Cells, "target", c.header("indicators", "target"),
					fmt.Sprintf("%g", ind.Target.Value), Text{
						fmt.Sprintf("指标“%s”的目标值 %g 劣于基期值 %g，请核实", ind.Name, ind.Target.Value, ind.Baseline.Value),
						fmt.Sprintf("indicator %q has target %g worse than its baseline %g: check it", ind.Name, ind.Target.Value, ind.Baseline.Value),
					})
			}
		}
	}
	if c.res.Indicators == nil {
		c.res.Indicators = []IndicatorResult{}
	}
}

func (c *checker) counts() {
	found := Counts{Sections: c.res.Tasks.Sections, Tasks: c.res.Tasks.Total}
	sheet := c.data.Sheets["tasks"]
	if sheet == "" {
		return
	}
	mismatch := func(cell, source string, want, got int, what Text) {
		c.findings = append(c.findings, Finding{
			Severity: Warning, Rule: RuleCountMismatch, Sheet: sheet, Cell: cell,
			Value: fmt.Sprint(want), Message: Text{
				fmt.Sprintf("%s声明 %d 个%s，实际读到 %d 个，请核对", source, want, what.Zh, got),
				fmt.Sprintf("%s declares %d %s, %d were found: check them", map[bool]string{true: "the title", false: "the template"}[cell != ""], want, what.En, got),
			},
		})
	}
	sec, task := Text{"板块", "sections"}, Text{"任务", "tasks"}
	d := c.data.Declared
	if d.Sections > 0 && d.Sections != found.Sections {
		mismatch(c.data.DeclaredAt, "标题", d.Sections, found.Sections, sec)
	}
	if d.Tasks > 0 && d.Tasks != found.Tasks {
		mismatch(c.data.DeclaredAt, "标题", d.Tasks, found.Tasks, task)
	}
	e := c.t.Expect
	if e.Sections > 0 && e.Sections != found.Sections && e.Sections != d.Sections {
		mismatch("", "模板", e.Sections, found.Sections, sec)
	}
	if e.Tasks > 0 && e.Tasks != found.Tasks && e.Tasks != d.Tasks {
		mismatch("", "模板", e.Tasks, found.Tasks, task)
	}
	names := make([]string, 0, len(c.data.SectionDeclared))
	for n := range c.data.SectionDeclared {
		names = append(names, n)
	}
	slices.Sort(names)
	for _, name := range names {
		decl := c.data.SectionDeclared[name]
		got := 0
		for _, g := range c.res.Sections {
			if g.Name == name {
				got = g.Total
			}
		}
		if decl.Count != got {
			c.findings = append(c.findings, Finding{
				Severity: Warning, Rule: RuleCountMismatch, Sheet: sheet, Cell: decl.Cell, Value: fmt.Sprint(decl.Count),
				Message: Text{
					fmt.Sprintf("板块“%s”声明 %d 项任务，实际读到 %d 项", name, decl.Count, got),
					fmt.Sprintf("section %q declares %d tasks, %d were found", name, decl.Count, got),
				},
			})
		}
	}
}
