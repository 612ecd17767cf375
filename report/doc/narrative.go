package doc

// The parts of a 通报 written as prose from the data: a paragraph for each
// section, what is wrong (存在问题) and what comes next (下一步工作). They
// live apart from doc.go so that the tables and the prose can change
// independently.

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"innoreport/report"
)

// Caps on how much prose names one by one, so that a 100,000-task
// workbook still gets a readable paragraph: the rest is counted.
const (
	namedDone  = 3
	namedLag   = 5
	namedItems = 10
	nameRunes  = 30
	noteRunes  = 24
)

// cnNumber writes 1–99 in Chinese numerals, as 公文 headings number: 一, 十二.
func cnNumber(n int) string {
	digits := []string{"", "一", "二", "三", "四", "五", "六", "七", "八", "九"}
	switch {
	case n <= 0 || n > 99:
		return fmt.Sprint(n)
	case n < 10:
		return digits[n]
	case n == 10:
		return "十"
	case n < 20:
		return "十" + digits[n%10]
	}
	return digits[n/10] + "十" + digits[n%10]
}

// subheading numbers the i-th (0-based) heading inside chapter ch (1-based):
// （一） in Chinese, 2.1 in English.
func (b *builder) subheading(ch, i int, text string) string {
	if b.lang == report.En {
		return fmt.Sprintf("%d.%d %s", ch, i+1, text)
	}
	return "（" + cnNumber(i+1) + "）" + text
}

// short cuts s to n characters with an ellipsis.
func short(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	rs := []rune(s)
	if len(rs) <= n {
		return s
	}
	return string(rs[:n]) + "…"
}

// quoted names a task in prose.
func (b *builder) quoted(name string) string {
	if b.lang == report.En {
		return short(name, nameRunes)
	}
	return short(name, nameRunes)
}

// list joins items as the language lists them, naming at most n and
// counting the rest.
func (b *builder) list(items []string, n int, unit string) string {
	return b.listOf(names{items: firstN(items, n), total: len(items), n: n}, unit)
}

// names keeps the first n of a paragraph's items, each made only if it is
// kept, and counts them all: a 通报 names a few tasks and counts the
// rest, and at a million tasks making every item's text was most of the
// document's build.
type names struct {
	items    []string
	total, n int
}

func (ns *names) add(item func() string) {
	if ns.total < ns.n {
		ns.items = append(ns.items, item())
	}
	ns.total++
}

// listOf joins ns's items, saying how many there are in all.
func (b *builder) listOf(ns names, unit string) string {
	if b.lang == report.En {
		s := strings.Join(ns.items, ", ")
		if ns.total > len(ns.items) {
			s += fmt.Sprintf(" and %d more", ns.total-len(ns.items))
		}
		return s
	}
	s := strings.Join(ns.items, "、")
	if ns.total > len(ns.items) {
		s += fmt.Sprintf("等%d%s", ns.total, unit)
	}
	return s
}

// isLagging is what a 通报 counts as lagging: overdue, behind schedule or
// not started.
func isLagging(s report.State) bool {
	return s == report.StateOverdue || s == report.StateBehind || s == report.StateNotStarted
}

func (b *builder) progressText(tr report.TaskResult) string {
	if tr.Progress == nil {
		return b.L("进度未填", "progress not given")
	}
	return fmt.Sprintf(b.L("进度%.0f%%，序时进度%.0f%%", "%.0f%% against %.0f%% due"), *tr.Progress, tr.Expected)
}

// sectionNarratives is a numbered heading and a paragraph for each section.
func (b *builder) sectionNarratives() []Block {
	bySection := map[string][]*report.TaskResult{}
	for i := range b.res.TaskList {
		tr := &b.res.TaskList[i]
		bySection[tr.Section] = append(bySection[tr.Section], tr)
	}
	var out []Block
	for i, g := range b.res.Sections {
		if i >= b.limit {
			out = append(out, Block{Paragraph: b.more(len(b.res.Sections))})
			break
		}
		out = append(out, Block{Heading: b.subheading(2, i, g.Name)}, Block{Paragraph: b.sectionText(g, bySection[g.Name])})
	}
	return out
}

func (b *builder) sectionText(g report.Group, tasks []*report.TaskResult) string {
	var s strings.Builder
	if b.lang == report.En {
		fmt.Fprintf(&s, "The section has %d tasks; %d are done (%s).", g.Total, g.Done, Pct(g.Rate))
	} else {
		fmt.Fprintf(&s, "该板块共%d项任务，已完成%d项，完成率%s。", g.Total, g.Done, Pct(g.Rate))
	}
	done, lag := names{n: namedDone}, names{n: namedLag}
	for _, tr := range tasks {
		switch {
		case tr.State == report.StateDone:
			done.add(func() string {
				item := b.quoted(tr.Name)
				if tr.Task != nil && strings.TrimSpace(tr.Task.Note) != "" {
					item += b.L("（", " (") + short(tr.Task.Note, noteRunes) + b.L("）", ")")
				}
				return item
			})
		case isLagging(tr.State):
			lag.add(func() string {
				item := b.quoted(tr.Name) + b.L("", " is ") + tr.State.Label(b.lang) + b.L("（", " (") + b.progressText(*tr)
				if tr.Task != nil && strings.TrimSpace(tr.Task.Note) != "" {
					item += b.L("；", "; ") + short(tr.Task.Note, noteRunes)
				}
				item += b.L("），", "), ")
				if tr.Lead != "" {
					item += fmt.Sprintf(b.L("由%s牵头", "led by %s"), tr.Lead)
				} else {
					item += b.L("牵头单位未填", "no lead unit given")
				}
				return item
			})
		}
	}
	if done.total > 0 {
		if b.lang == report.En {
			fmt.Fprintf(&s, " Done: %s.", b.listOf(done, ""))
		} else {
			fmt.Fprintf(&s, "已完成%s。", b.listOf(done, "项"))
		}
	}
	if lag.total > 0 {
		if b.lang == report.En {
			fmt.Fprintf(&s, " Lagging: %s.", strings.Join(lag.items, "; "))
		} else {
			fmt.Fprintf(&s, "%s。", strings.Join(lag.items, "；"))
		}
		if lag.total > namedLag {
			fmt.Fprintf(&s, b.L("另有%d项滞后任务见“逾期和欠进度任务”部分。", " %d more lagging tasks are listed under \"Overdue and behind-schedule tasks\"."), lag.total-namedLag)
		}
	}
	if rest := g.Ahead + g.OnSchedule; rest > 0 {
		fmt.Fprintf(&s, b.L("其余%d项按序时推进。", " On or ahead of schedule: %d more."), rest)
	}
	if lag.total == 0 && g.Done == g.Total && g.Total > 0 {
		s.WriteString(b.L("全部任务已完成。", " Every task is done."))
	}
	return s.String()
}

// count writes n and an English noun: 1 error, 2 errors.
func (b *builder) count(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

// unit is a figure's unit as it follows the figure: 0.93%, 1,278 亿元.
func (b *builder) unit(u string) string {
	if b.lang == report.En && u != "" && u != "%" {
		return " " + u
	}
	return u
}

func firstN[T any](s []T, n int) []T {
	if len(s) > n {
		return s[:n]
	}
	return s
}

// counted names the keys with the most items first, as "A（3项）".
func (b *builder) counted(names []string, n int) string {
	count := map[string]int{}
	var order []string
	for _, name := range names {
		if name == "" {
			continue
		}
		if count[name] == 0 {
			order = append(order, name)
		}
		count[name]++
	}
	slices.SortStableFunc(order, func(x, y string) int { return count[y] - count[x] })
	items := make([]string, len(order))
	for i, name := range order {
		items[i] = fmt.Sprintf(b.L("%s（%d项）", "%s (%d)"), name, count[name])
	}
	return b.list(items, n, b.L("个", ""))
}

// problems is the 存在问题 chapter: lagging tasks, indicators short of
// their targets, and what the checks found wrong in the data.
func (b *builder) problems() Chapter {
	ch := Chapter{Title: b.L("存在问题", "Problems")}
	n := 0
	part := func(heading string, blocks ...Block) {
		ch.Blocks = append(ch.Blocks, Block{Heading: b.subheading(6, n, heading)})
		ch.Blocks = append(ch.Blocks, blocks...)
		n++
	}
	part(b.L("部分任务推进滞后", "Tasks behind"), b.laggingProblems()...)
	if text := b.indicatorProblems(); text != "" {
		part(b.L("部分指标尚未达标", "Indicators short of target"), Block{Paragraph: text})
	}
	if text := b.dataProblems(); text != "" {
		part(b.L("数据填报不够规范", "Data not filled in as asked"), Block{Paragraph: text})
	}
	return ch
}

// laggingProblems says how many tasks lag, where, and names the first.
func (b *builder) laggingProblems() []Block {
	r := b.res
	asOf := b.dateText(time.Time(r.AsOf))
	var lag []report.TaskResult
	var sections, leads []string
	for _, tr := range r.TaskList {
		if isLagging(tr.State) {
			lag = append(lag, tr)
			sections = append(sections, tr.Section)
			leads = append(leads, tr.Lead)
		}
	}
	if len(lag) == 0 {
		return []Block{{Paragraph: fmt.Sprintf(b.L("截至%s，没有逾期、欠进度或未启动的任务。", "At %s no task is overdue, behind schedule or not started."), asOf)}}
	}
	t := r.Tasks
	text := fmt.Sprintf(b.L("截至%s，逾期%d项、欠进度%d项、未启动%d项，共%d项任务滞后，占任务总数的%s。滞后任务集中在%s；涉及牵头单位%s。",
		"At %s, %d tasks are overdue, %d behind schedule and %d not started: %d lagging, %s of all tasks. They are in the sections %s, led by %s."),
		asOf, t.Overdue, t.Behind, t.NotStarted, len(lag), Pct(float64(len(lag))/float64(max(t.Total, 1))),
		b.counted(sections, namedLag), b.counted(leads, namedLag))
	blocks := []Block{{Paragraph: text}}
	for i, tr := range firstN(lag, namedItems) {
		lead := tr.Lead
		if lead == "" {
			lead = b.L("牵头单位未填", "no lead unit")
		}
		blocks = append(blocks, Block{Paragraph: fmt.Sprintf(b.L("%d.%s：%s，%s，完成时限%s，%s。", "%d. %s: %s, %s, due %s, %s."),
			i+1, short(tr.Name, nameRunes), tr.State.Label(b.lang), lead, orDash(tr.Deadline), b.progressText(tr))})
	}
	if len(lag) > namedItems {
		blocks = append(blocks, Block{Paragraph: fmt.Sprintf(b.L("另有%d项，详见“逾期和欠进度任务”部分和工作簿。", "%d more: see \"Overdue and behind-schedule tasks\" and the workbook."), len(lag)-namedItems)})
	}
	return blocks
}

// indicatorProblems names the indicators short of their targets and those
// with no value reached; "" where there are none.
func (b *builder) indicatorProblems() string {
	var below, missing []string
	for _, ind := range b.res.Indicators {
		switch ind.Status {
		case report.IndicatorNotMet, report.IndicatorNearlyMet:
			below = append(below, fmt.Sprintf(b.L("%s（完成值%s%s，目标值%s%s，达成率%s）", "%s (%s%s against %s%s, %s)"),
				ind.Name, numOrDash(ind.Actual), b.unit(ind.Unit), numOrDash(ind.Target), b.unit(ind.Unit), pctOrDash(ind.Attainment)))
		case report.IndicatorNoData:
			missing = append(missing, ind.Name)
		}
	}
	var s strings.Builder
	if len(below) > 0 {
		fmt.Fprintf(&s, b.L("%d项指标未达到目标值：%s。", "Short of target (%d): %s. "), len(below), b.list(below, namedItems, "项"))
	}
	if len(missing) > 0 {
		fmt.Fprintf(&s, b.L("%d项指标未填报完成值：%s。", "No value reached (%d): %s."), len(missing), b.list(missing, namedItems, "项"))
	}
	return strings.TrimSpace(s.String())
}

// dataProblems counts what the checks found wrong in the data and quotes
// the first errors; "" where they found nothing.
func (b *builder) dataProblems() string {
	// Overdue and behind-schedule findings repeat the tasks above; the
	// rest say what is wrong with the data itself.
	var quality []report.Finding
	for _, f := range b.res.Findings {
		if f.Rule != report.RuleOverdue && f.Rule != report.RuleBehindSchedule {
			quality = append(quality, f)
		}
	}
	if len(quality) == 0 {
		return ""
	}
	errs, warns, infos := report.CountBySeverity(quality)
	var examples []string
	for _, f := range quality {
		if f.Severity == report.Error {
			examples = append(examples, f.Where()+b.L("：", ": ")+f.Message.In(b.lang))
		}
	}
	text := fmt.Sprintf("数据校验发现错误%d个、警告%d个、提示%d个（不含逾期和欠进度提醒）。", errs, warns, infos)
	if b.lang == report.En {
		text = fmt.Sprintf("The checks found %s, %s and %s in the data (besides overdue and behind-schedule tasks).", b.count(errs, "error"), b.count(warns, "warning"), b.count(infos, "note"))
	}
	if len(examples) > 0 {
		// Messages hold commas and 、 of their own.
		text += fmt.Sprintf(b.L("错误如：%s", " Errors such as: %s"), strings.Join(firstN(examples, namedLag), b.L("；", "; ")))
		if len(examples) > namedLag {
			text += fmt.Sprintf(b.L("等%d个", " and %d more"), len(examples)-namedLag)
		}
		text += b.L("。", ".")
	}
	return text
}

// nextQuarter is the calendar quarter after the one holding day: its
// first and last days and its name.
func (b *builder) nextQuarter(day time.Time) (start, end time.Time, name string) {
	q := (int(day.Month()) - 1) / 3
	start = time.Date(day.Year(), time.Month(q*3+4), 1, 0, 0, 0, 0, time.UTC)
	end = start.AddDate(0, 3, -1)
	qn := (int(start.Month())-1)/3 + 1
	if b.lang == report.En {
		return start, end, fmt.Sprintf("Q%d %d", qn, start.Year())
	}
	return start, end, fmt.Sprintf("%d年第%s季度", start.Year(), cnNumber(qn))
}

// nextSteps is the 下一步工作 chapter: the tasks falling due by the end of
// the next quarter, the open tasks after it, the lagging ones to catch up
// and the data to correct.
func (b *builder) nextSteps() Chapter {
	ch := Chapter{Title: b.L("下一步工作", "Next steps")}
	r := b.res
	asOf := time.Time(r.AsOf)
	_, end, qname := b.nextQuarter(asOf)
	due, later, ongoing := names{n: namedItems}, names{n: namedItems}, names{n: namedItems}
	var lagLeads []string
	lagN := 0
	for _, tr := range r.TaskList {
		if tr.State == report.StateDone {
			continue
		}
		if isLagging(tr.State) {
			lagN++
			lagLeads = append(lagLeads, tr.Lead)
		}
		if tr.Task == nil {
			continue
		}
		dl := tr.Task.Deadline
		item := func() string {
			return fmt.Sprintf(b.L("%s（%s牵头，完成时限%s，%s）", "%s (led by %s, due %s, %s)"), short(tr.Name, nameRunes), orDash(tr.Lead), orDash(tr.Deadline), b.progressText(tr))
		}
		switch {
		case dl.Ongoing:
			ongoing.add(item)
		case dl.OK() && dl.Time.After(asOf) && !dl.Time.After(end):
			due.add(item)
		case dl.OK() && dl.Time.After(end):
			later.add(item)
		}
	}
	n := 0
	add := func(head, text string) {
		ch.Blocks = append(ch.Blocks, Block{Heading: b.subheading(7, n, head)}, Block{Paragraph: text})
		n++
	}
	var text string
	switch {
	case due.total == 0 && b.lang == report.En:
		text = fmt.Sprintf("No task falls due by the end of %s (%s).", qname, b.dateText(end))
	case due.total == 0:
		text = fmt.Sprintf("%s（截至%s）没有到期的任务。", qname, b.dateText(end))
	case b.lang == report.En:
		text = fmt.Sprintf("%s fall due by the end of %s (%s): %s. Their lead units should plan back from the deadline to finish on time.", b.count(due.total, "task"), qname, b.dateText(end), b.listOf(due, ""))
	default:
		text = fmt.Sprintf("%s（截至%s）到期的任务共%d项：%s。请各牵头单位对照目标倒排工期，确保按期完成。", qname, b.dateText(end), due.total, b.listOf(due, "项"))
	}
	if later.total > 0 {
		text += fmt.Sprintf(b.L("此后到期、尚未完成的任务%d项：%s，须按计划持续推进。", " Open tasks falling due later (%d): %s; they continue as planned."), later.total, b.listOf(later, "项"))
	}
	add(b.L("抓好下一季度到期任务", "Tasks due next quarter"), text)
	if lagN > 0 {
		add(b.L("加快推进滞后任务", "Catch up lagging tasks"), fmt.Sprintf(b.L("对逾期、欠进度和未启动的%d项任务，请%s等牵头单位分析原因、制定措施，尽快追上序时进度。", "For the %d overdue, behind or unstarted tasks, the lead units %s should find the causes and catch up with the schedule."),
			lagN, b.counted(lagLeads, namedLag)))
	}
	if ongoing.total > 0 {
		add(b.L("持续推进长期任务", "Keep up the ongoing tasks"), fmt.Sprintf(b.L("长期坚持的任务%d项尚未完成：%s，须常抓不懈。", "%d ongoing tasks are not done: %s."), ongoing.total, b.listOf(ongoing, "项")))
	}
	errs, _, _ := report.CountBySeverity(r.Findings)
	if errs > 0 {
		add(b.L("及时更正数据问题", "Correct the data"), fmt.Sprintf(b.L("对数据校验发现的%d个错误，请相关单位核实更正后重新报送。", "The units concerned should correct the %d errors the checks found and send the workbook again."), errs))
	}
	return ch
}
