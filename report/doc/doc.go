// Package doc turns a checked workbook into a document model — chapters of
// paragraphs, figure tiles, tables and charts — that renderers draw and
// tests hold in golden files. It decides what the report says; the PDF
// renderer only decides how it looks.
package doc

import (
	"fmt"
	"time"

	"innoreport/report"
)

const (
	Left   Align = "L"
	Right  Align = "R"
	Center Align = "C"
)

// Options steer Build.
type Options struct {
	Lang  report.Lang
	Made  time.Time // the date the report was made, shown on the cover
	Limit int       // most rows in a list before "and N more"; 0 means 60
	// Compare, where set, is the change since the previous period: the
	// overview opens with it and a chapter lists it. Trend holds every
	// archived period, oldest first, this one included, for its chart.
	Compare *report.Comparison
	Trend   []report.Snapshot
}

// Build writes the report for res as the template words it.
func Build(res *report.Result, t *report.Template, opts Options) (*Document, error) {
	lang := opts.Lang
	if opts.Limit <= 0 {
		opts.Limit = 60
	}
	b := builder{res: res, t: t, lang: lang, limit: opts.Limit}
	L := b.L
	title := res.ReportTitle(t, lang)
	office := res.Office(t, lang)
	asOf := b.dateText(time.Time(res.AsOf))
	d := &Document{
		Title: title, Author: office, Lang: lang,
		Subject: L("创建工作成效报告（截至", "Creation results as of ") + asOf + L("）", ""),
		Footer:  L("第 %d 页 / 共 %d 页", "Page %d of %d"),
		Cover: Cover{
			Title:  title,
			Bureau: office,
			Lines: []string{
				L("数据截至：", "As of: ") + asOf,
				L("报告生成：", "Made: ") + b.dateText(opts.Made),
				L("数据来源：", "Source: ") + res.Workbook,
			},
		},
	}
	if campaign := res.Identity.Title.Value; campaign != "" && campaign != title {
		d.Cover.Lines = append(d.Cover.Lines, L("工作清单：", "Campaign: ")+campaign)
	}
	overview, err := b.overview()
	if err != nil {
		return nil, err
	}
	d.Chapters = append(d.Chapters, overview)
	if opts.Compare != nil {
		d.Chapters[0].Blocks = append([]Block{{Paragraph: b.change(opts.Compare)}}, d.Chapters[0].Blocks...)
		d.Chapters = append(d.Chapters, b.progress(opts.Compare, opts.Trend))
	}
	d.Chapters = append(d.Chapters, b.sections(), b.units(), b.lagging(), b.indicators(), b.problems(), b.nextSteps())
	if ch, ok := b.returns(); ok {
		d.Chapters = append(d.Chapters, ch)
	}
	d.Chapters = append(d.Chapters, b.findings())
	number(d.Chapters, lang)
	d.ChapterBreak = t.ChapterBreak
	return d, nil
}

type builder struct {
	res   *report.Result
	t     *report.Template
	lang  report.Lang
	limit int
}

func (b *builder) L(zh, en string) string { return report.Text{Zh: zh, En: en}.In(b.lang) }

func (b *builder) overview() (Chapter, error) {
	ch := Chapter{Title: b.L("总体情况", "Overview")}
	text, err := Text(b.res, b.t, "overview", b.lang)
	if err != nil {
		return ch, err
	}
	ch.Blocks = append(ch.Blocks, Block{Paragraph: text})
	r := b.res
	met := report.TallyIndicators(r.Indicators)[report.IndicatorMet]
	tiles := []Tile{
		{Label: b.L("任务完成率", "Tasks done"), Value: Pct(r.Tasks.Rate), Note: fmt.Sprintf(b.L("%d/%d 项", "%d of %d"), r.Tasks.Done, r.Tasks.Total)},
		{Label: b.L("逾期任务", "Overdue tasks"), Value: fmt.Sprint(r.Tasks.Overdue), Unit: b.L("项", ""), Note: fmt.Sprintf(b.L("欠进度 %d 项", "%d behind schedule"), r.Tasks.Behind)},
		{Label: b.L("指标达标", "Indicators met"), Value: fmt.Sprint(met), Unit: b.L("项", ""), Note: fmt.Sprintf(b.L("共 %d 项指标", "of %d indicators"), len(r.Indicators))},
	}
	for _, ind := range Headline(r, b.t) {
		t := Tile{Label: ind.Name, Value: Num(*ind.Actual), Unit: ind.Unit}
		switch {
		case ind.Growth != nil:
			t.Note = b.L("较基期 ", "vs baseline ") + signedPct(*ind.Growth)
		case ind.Attainment != nil:
			t.Note = b.L("目标达成 ", "of target ") + Pct(*ind.Attainment)
		}
		tiles = append(tiles, t)
	}
	ch.Blocks = append(ch.Blocks, Block{Tiles: tiles})
	return ch, nil
}

// stateLabel names a state as a heading or a column does: "On schedule".
func (b *builder) stateLabel(s report.State) string { return Sentence(s.Label(b.lang)) }

func (b *builder) sections() Chapter {
	ch := Chapter{Title: b.L("分板块任务推进情况", "Tasks by section")}
	cols := []Column{{Header: b.L("板块", "Section"), Width: 0.26, Align: Left}, {Header: b.L("任务", "Tasks"), Width: 0.08, Align: Right}}
	for _, s := range report.States {
		cols = append(cols, Column{Header: b.stateLabel(s), Width: 0.09, Align: Right})
	}
	cols = append(cols, Column{Header: b.L("完成率", "Rate"), Width: 0.12, Align: Right})
	tb := &Table{Columns: cols}
	chart := &Chart{Title: b.L("各板块任务状态", "Task status by section")}
	for _, s := range report.States {
		chart.Series = append(chart.Series, Series{Name: b.stateLabel(s), Color: s.Color()})
	}
	add := func(name string, g report.TaskTotals, mark string) {
		cells := []Cell{{Text: name}, {Text: fmt.Sprint(g.Total)}}
		for _, s := range report.States {
			cells = append(cells, Cell{Text: fmt.Sprint(g.Count(s))})
		}
		cells = append(cells, Cell{Text: Pct(g.Rate)})
		tb.Rows = append(tb.Rows, Row{Cells: cells, Mark: mark})
	}
	for i, g := range b.res.Sections {
		if i >= b.limit {
			break
		}
		add(g.Name, g.TaskTotals, "")
		// A chart of more bars than fit a page says nothing.
		if i < min(b.limit, 24) {
			chart.Labels = append(chart.Labels, g.Name)
			for i, s := range report.States {
				chart.Series[i].Values = append(chart.Series[i].Values, g.Count(s))
			}
		}
	}
	tb.More = b.more(len(b.res.Sections))
	add(b.L("合计", "Total"), b.res.Tasks.TaskTotals, "total")
	ch.Blocks = append(ch.Blocks, Block{Table: tb}, Block{Chart: chart})
	ch.Blocks = append(ch.Blocks, b.sectionNarratives()...)

	at := &Table{Columns: []Column{
		{Header: b.L("动作类型", "Action type"), Width: 0.4, Align: Left}, {Header: b.L("任务", "Tasks"), Width: 0.15, Align: Right},
		{Header: b.stateLabel(report.StateDone), Width: 0.15, Align: Right}, {Header: b.stateLabel(report.StateOverdue), Width: 0.15, Align: Right},
		{Header: b.L("完成率", "Rate"), Width: 0.15, Align: Right},
	}}
	for _, g := range b.res.Actions {
		at.Rows = append(at.Rows, Row{Cells: []Cell{{Text: Sentence(g.Action.Label(b.lang))}, {Text: fmt.Sprint(g.Total)}, {Text: fmt.Sprint(g.Done)}, {Text: fmt.Sprint(g.Overdue)}, {Text: Pct(g.Rate)}}})
	}
	ch.Blocks = append(ch.Blocks, Block{Heading: b.L("规定动作与自选动作", "Prescribed and self-selected tasks")}, Block{Table: at})
	return ch
}

func (b *builder) more(n int) string {
	if n <= b.limit {
		return ""
	}
	return fmt.Sprintf(b.L("……另有 %d 项，详见工作簿", "… and %d more in the workbook"), n-b.limit)
}

func (b *builder) units() Chapter {
	ch := Chapter{Title: b.L("牵头单位推进情况", "Lead units")}
	tb := &Table{Columns: []Column{
		{Header: b.L("牵头单位", "Lead unit"), Width: 0.34, Align: Left}, {Header: b.L("牵头任务", "Led"), Width: 0.11, Align: Right},
		{Header: b.stateLabel(report.StateDone), Width: 0.11, Align: Right}, {Header: b.stateLabel(report.StateBehind), Width: 0.11, Align: Right},
		{Header: b.stateLabel(report.StateOverdue), Width: 0.11, Align: Right}, {Header: b.L("参与任务", "Shared"), Width: 0.11, Align: Right},
		{Header: b.L("完成率", "Rate"), Width: 0.11, Align: Right},
	}}
	n := 0
	for _, u := range b.res.Units {
		if u.Lead == 0 {
			continue
		}
		n++
		if n > b.limit {
			continue
		}
		mark := ""
		if u.Overdue > 0 {
			mark = "bad"
		}
		tb.Rows = append(tb.Rows, Row{Mark: mark, Cells: []Cell{{Text: u.Name}, {Text: fmt.Sprint(u.Lead)}, {Text: fmt.Sprint(u.Done)},
			{Text: fmt.Sprint(u.Behind)}, {Text: fmt.Sprint(u.Overdue)}, {Text: fmt.Sprint(u.Involved)}, {Text: Pct(u.Rate)}}})
	}
	tb.More = b.more(n)
	ch.Blocks = append(ch.Blocks, Block{Table: tb})
	return ch
}

func (b *builder) lagging() Chapter {
	ch := Chapter{Title: b.L("逾期和欠进度任务", "Overdue and behind-schedule tasks")}
	tb := &Table{Columns: []Column{
		{Header: b.L("序号", "No."), Width: 0.06, Align: Center}, {Header: b.L("任务", "Task"), Width: 0.30, Align: Left},
		{Header: b.L("完成时限", "Deadline"), Width: 0.12, Align: Center}, {Header: b.L("牵头单位", "Lead unit"), Width: 0.17, Align: Left},
		{Header: b.L("进度", "Progress"), Width: 0.09, Align: Right}, {Header: b.L("序时进度", "Due"), Width: 0.10, Align: Right},
		{Header: b.L("状态", "State"), Width: 0.16, Align: Center},
	}}
	n := 0
	for _, tr := range b.res.TaskList {
		if tr.State != report.StateOverdue && tr.State != report.StateBehind {
			continue
		}
		n++
		if n > b.limit {
			continue
		}
		mark := "warn"
		if tr.State == report.StateOverdue {
			mark = "bad"
		}
		prog := "—"
		if tr.Progress != nil {
			prog = Points(*tr.Progress)
		}
		tb.Rows = append(tb.Rows, Row{Mark: mark, Cells: []Cell{{Text: tr.ID}, {Text: tr.Name}, {Text: orDash(tr.Deadline)},
			{Text: orDash(tr.Lead)}, {Text: prog}, {Text: Points(tr.Expected)}, {Text: b.stateLabel(tr.State)}}})
	}
	tb.More = b.more(n)
	if n == 0 {
		ch.Blocks = append(ch.Blocks, Block{Paragraph: b.L("没有逾期或欠进度的任务。", "No task is overdue or behind schedule.")})
		return ch
	}
	ch.Blocks = append(ch.Blocks, Block{Table: tb})
	return ch
}

func (b *builder) indicators() Chapter {
	ch := Chapter{Title: b.L("指标完成情况", "Indicators")}
	tb := &Table{Columns: []Column{
		{Header: b.L("指标", "Indicator"), Width: 0.27, Align: Left}, {Header: b.L("单位", "Unit"), Width: 0.07, Align: Center},
		{Header: b.L("基期值", "Baseline"), Width: 0.09, Align: Right}, {Header: b.L("目标值", "Target"), Width: 0.09, Align: Right},
		{Header: b.L("完成值", "Actual"), Width: 0.09, Align: Right}, {Header: b.L("增长", "Growth"), Width: 0.09, Align: Right},
		{Header: b.L("达成率", "Attainment"), Width: 0.18, Align: Left, Bar: true}, {Header: b.L("状态", "Status"), Width: 0.12, Align: Center},
	}}
	for i, ind := range b.res.Indicators {
		if i >= b.limit {
			break
		}
		mark := ind.Status.Mark()
		growth := "—"
		if ind.Growth != nil {
			growth = signedPct(*ind.Growth)
		}
		target := numOrDash(ind.Target)
		if ind.TargetText != "" && ind.Target == nil {
			target = ind.TargetText
		}
		dec := decimals(ind.Baseline, ind.Target, ind.Actual)
		if ind.TargetText == "" || ind.Target != nil {
			target = fixed(ind.Target, dec)
		}
		tb.Rows = append(tb.Rows, Row{Mark: mark, Cells: []Cell{{Text: ind.Name}, {Text: ind.Unit}, {Text: fixed(ind.Baseline, dec)},
			{Text: target}, {Text: fixed(ind.Actual, dec)}, {Text: growth},
			{Text: pctOrDash(ind.Attainment), Value: ind.Attainment}, {Text: Sentence(ind.Status.Label(b.lang))}}})
	}
	tb.More = b.more(len(b.res.Indicators))
	ch.Blocks = append(ch.Blocks, Block{Table: tb})
	return ch
}

func (b *builder) findings() Chapter {
	ch := Chapter{Title: b.L("附录：数据校验结果", "Appendix: findings")}
	if len(b.res.Findings) == 0 {
		ch.Blocks = append(ch.Blocks, Block{Paragraph: b.L("未发现问题。", "No findings.")})
		return ch
	}
	for _, sev := range []report.Severity{report.Error, report.Warning, report.Info} {
		var rows []Row
		n := 0
		for _, f := range b.res.Findings {
			if f.Severity != sev {
				continue
			}
			n++
			if n > b.limit {
				continue
			}
			rows = append(rows, Row{Cells: []Cell{{Text: f.Where()}, {Text: f.Rule}, {Text: Sentence(f.Message.In(b.lang))}}})
		}
		if n == 0 {
			continue
		}
		ch.Blocks = append(ch.Blocks, Block{Heading: fmt.Sprintf(b.L("%s（%d）", "%s (%d)"), Sentence(sev.Label(b.lang)), n)}, Block{Table: &Table{
			Columns: []Column{{Header: b.L("位置", "Cell"), Width: 0.17, Align: Left}, {Header: b.L("规则", "Rule"), Width: 0.2, Align: Left},
				{Header: b.L("说明", "Message"), Width: 0.63, Align: Left}},
			Rows: rows, More: b.more(n),
		}})
	}
	return ch
}
