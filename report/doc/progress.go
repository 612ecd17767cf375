package doc

import (
	"fmt"
	"strings"
	"time"

	"innoreport/report"
)

// Trend is a line chart of figures over periods, each a share (1 = 100%).
type Trend struct {
	Title  string        `json:"title"`
	Labels []string      `json:"labels"` // one a period, oldest first
	Series []TrendSeries `json:"series"`
}

// TrendSeries is one line; a nil value is a period without the figure.
type TrendSeries struct {
	Name   string     `json:"name"`
	Color  string     `json:"color"`
	Values []*float64 `json:"values"`
}

// trendColors are the lines' colours: the completion rate first, in the
// done colour, then the headline indicators.
var trendColors = []string{report.StateDone.Color(), "1565C0", "EF6C00", "6A1B9A", "00838F", "AD1457", "5D4037"}

// change is the sentence the overview opens with when there is a previous
// period: "较上期（2021年9月30日）新增完成5项，完成率提高12.8个百分点，新增逾期2项。"
func (b *builder) change(c *report.Comparison) string {
	t := c.Tasks
	prev := b.dateText(time.Time(c.Previous.AsOf))
	// One sentence in either language; only the first clause differs in
	// shape (English counts "1 task" and "2 tasks").
	first := fmt.Sprintf("较上期（%s）新增完成%d项", prev, len(t.NewlyDone))
	if b.lang == report.En {
		first = fmt.Sprintf("Since the previous report (%s), %s newly done", prev, plural(len(t.NewlyDone), "task", "tasks"))
	}
	parts := []string{first}
	switch {
	case t.RateDeltaPoints > 0:
		parts = append(parts, fmt.Sprintf(b.L("完成率提高%.1f个百分点", "the completion rate up %.1f points"), t.RateDeltaPoints))
	case t.RateDeltaPoints < 0:
		parts = append(parts, fmt.Sprintf(b.L("完成率下降%.1f个百分点", "the completion rate down %.1f points"), -t.RateDeltaPoints))
	default:
		parts = append(parts, b.L("完成率持平", "the completion rate unchanged"))
	}
	parts = append(parts, fmt.Sprintf(b.L("新增逾期%d项", "%d newly overdue"), len(t.NewlyOverdue)))
	if n := len(t.Regressed); n > 0 {
		parts = append(parts, fmt.Sprintf(b.L("进度回退%d项", "%d fell back"), n))
	}
	return strings.Join(parts, b.L("，", ", ")) + b.L("。", ".")
}

func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}

// progress is the chapter 本期进展: what changed since the previous period,
// task by task, and the trend over every archived period.
func (b *builder) progress(c *report.Comparison, trend []report.Snapshot) Chapter {
	ch := Chapter{Title: b.L("本期进展", "Progress this period")}
	ch.Blocks = append(ch.Blocks, Block{Paragraph: b.change(c)})
	byID := map[string]report.TaskResult{}
	for _, t := range b.res.TaskList {
		byID[t.ID] = t
	}
	for _, list := range []struct {
		zh, en string
		ids    []string
		mark   string
	}{
		{"本期新增完成", "Newly done", c.Tasks.NewlyDone, ""},
		{"本期新增逾期", "Newly overdue", c.Tasks.NewlyOverdue, "bad"},
		{"进度回退", "Fell back", c.Tasks.Regressed, "warn"},
		{"新增或调整的任务", "Added or reworded", c.Tasks.Added, ""},
	} {
		if len(list.ids) == 0 {
			continue
		}
		ch.Blocks = append(ch.Blocks, Block{Heading: fmt.Sprintf("%s（%d）", b.L(list.zh, list.en), len(list.ids))})
		if b.lang == report.En {
			ch.Blocks[len(ch.Blocks)-1].Heading = fmt.Sprintf("%s (%d)", list.en, len(list.ids))
		}
		tb := &Table{Columns: []Column{
			{Header: b.L("序号", "No."), Width: 0.08, Align: Center},
			{Header: b.L("任务", "Task"), Width: 0.46, Align: Left},
			{Header: b.L("牵头单位", "Lead unit"), Width: 0.22, Align: Left},
			{Header: b.L("当前状态", "Now"), Width: 0.12, Align: Center},
			{Header: b.L("完成时限", "Deadline"), Width: 0.12, Align: Center},
		}}
		for _, id := range list.ids {
			t, ok := byID[id]
			if !ok {
				continue
			}
			tb.Rows = append(tb.Rows, Row{Mark: list.mark, Cells: []Cell{
				{Text: t.ID}, {Text: t.Name}, {Text: t.Lead}, {Text: b.stateLabel(t.State)}, {Text: t.Deadline},
			}})
		}
		b.cap(tb)
		ch.Blocks = append(ch.Blocks, Block{Table: tb})
	}
	if len(c.Tasks.Removed) > 0 {
		ch.Blocks = append(ch.Blocks, Block{Paragraph: b.L("上期有、本期没有的任务：", "Tasks in the previous period only: ") +
			strings.Join(c.Tasks.Removed, b.L("、", ", "))})
	}
	if tr := b.trend(trend); tr != nil {
		ch.Blocks = append(ch.Blocks, Block{Trend: tr})
	}
	return ch
}

// cap keeps a table to the list limit, saying how many more there are.
func (b *builder) cap(t *Table) {
	if n := len(t.Rows) - b.limit; n > 0 {
		t.Rows = t.Rows[:b.limit]
		t.More = fmt.Sprintf(b.L("另有 %d 项，详见工作簿", "%d more in the workbook"), n)
	}
}

// trend draws the completion rate and the headline indicators' attainment
// over every archived period; nil with fewer than two periods.
func (b *builder) trend(periods []report.Snapshot) *Trend {
	if len(periods) < 2 {
		return nil
	}
	tr := &Trend{Title: b.L("完成率和主要指标目标达成率走势", "Completion rate and headline indicators' attainment over time")}
	rate := TrendSeries{Name: b.L("任务完成率", "Tasks done"), Color: trendColors[0]}
	for _, p := range periods {
		t := time.Time(p.AsOf)
		tr.Labels = append(tr.Labels, t.Format("2006-01-02"))
		v := p.Tasks.Rate
		rate.Values = append(rate.Values, &v)
	}
	tr.Series = append(tr.Series, rate)
	for i, ind := range Headline(b.res, b.t) {
		if i+1 >= len(trendColors) {
			break
		}
		s := TrendSeries{Name: ind.Name, Color: trendColors[i+1]}
		for _, p := range periods {
			var v *float64
			for _, pi := range p.Indicators {
				if pi.Name == ind.Name && pi.Unit == ind.Unit {
					v = pi.Attainment
				}
			}
			s.Values = append(s.Values, v)
		}
		tr.Series = append(tr.Series, s)
	}
	return tr
}

var zhNumerals = []string{"一", "二", "三", "四", "五", "六", "七", "八", "九", "十", "十一", "十二"}

// number numbers the chapters in order, as 一、 or 1., the appendix aside,
// so a chapter added or left out never leaves a gap.
func number(chs []Chapter, lang report.Lang) {
	n := 0
	for i := range chs {
		if strings.HasPrefix(chs[i].Title, "附录") || strings.HasPrefix(chs[i].Title, "Appendix") {
			continue
		}
		if lang == report.En {
			chs[i].Title = fmt.Sprintf("%d. %s", n+1, chs[i].Title)
		} else if n < len(zhNumerals) {
			chs[i].Title = zhNumerals[n] + "、" + chs[i].Title
		}
		n++
	}
}
