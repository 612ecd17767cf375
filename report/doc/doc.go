// Package doc turns a checked workbook into a document model — chapters of
// paragraphs, figure tiles, tables and charts — that renderers draw and
// tests hold in golden files. It decides what the report says; the PDF
// renderer only decides how it looks.
package doc

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"text/template"
	"time"

	"innoreport/report"
)

// Document is the whole report.
type Document struct {
	Title    string      `json:"title"`
	Subject  string      `json:"subject"`
	Author   string      `json:"author"`
	Lang     report.Lang `json:"lang"`
	Cover    Cover       `json:"cover"`
	Chapters []Chapter   `json:"chapters"`
	Footer   string      `json:"footer"` // "第 %d 页 / 共 %d 页"
	// ChapterBreak starts each chapter on a new page; otherwise they flow on.
	ChapterBreak bool `json:"chapter_break,omitempty"`
}

// Cover is the first page.
type Cover struct {
	Title  string   `json:"title"`
	Lines  []string `json:"lines"`
	Bureau string   `json:"bureau"`
}

// Chapter is a bookmarked part of the report.
type Chapter struct {
	Title  string  `json:"title"`
	Blocks []Block `json:"blocks"`
}

// Block is one of Paragraph, Tiles, Table or Chart; exactly one is set.
type Block struct {
	Paragraph string `json:"paragraph,omitempty"`
	Heading   string `json:"heading,omitempty"`
	Tiles     []Tile `json:"tiles,omitempty"`
	Table     *Table `json:"table,omitempty"`
	Chart     *Chart `json:"chart,omitempty"`
	Trend     *Trend `json:"trend,omitempty"`
}

// Tile is a headline figure.
type Tile struct {
	Label string `json:"label"`
	Value string `json:"value"`
	Unit  string `json:"unit"`
	Note  string `json:"note"`
}

// Align places text in a cell.
type Align string

const (
	Left   Align = "L"
	Right  Align = "R"
	Center Align = "C"
)

// Column is a table column; Width is a share of the text width.
type Column struct {
	Header string  `json:"header"`
	Width  float64 `json:"width"`
	Align  Align   `json:"align"`
	Bar    bool    `json:"bar,omitempty"` // draw the cell's Value as a bar of 0–100%
}

// Cell is one table cell.
type Cell struct {
	Text  string   `json:"text"`
	Value *float64 `json:"value,omitempty"` // for bar columns: attainment as a fraction
}

// Row is a table row; Mark highlights it (overdue, not met).
type Row struct {
	Cells []Cell `json:"cells"`
	Mark  string `json:"mark,omitempty"` // "bad", "warn", ""
}

// Table is a table whose header repeats on every page it spans.
type Table struct {
	Columns []Column `json:"columns"`
	Rows    []Row    `json:"rows"`
	More    string   `json:"more,omitempty"` // "and N more in the workbook"
}

// Chart is a stacked horizontal bar chart.
type Chart struct {
	Title  string   `json:"title"`
	Labels []string `json:"labels"`
	Series []Series `json:"series"`
}

// Series is one stack layer.
type Series struct {
	Name   string `json:"name"`
	Color  string `json:"color"` // RRGGBB
	Values []int  `json:"values"`
}

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

func (b *builder) dateText(t time.Time) string { return dateText(t, b.lang) }

// dateText writes a date as the report's prose does.
func dateText(t time.Time, lang report.Lang) string {
	if lang == report.En {
		return t.Format("2 January 2006")
	}
	return fmt.Sprintf("%d年%d月%d日", t.Year(), t.Month(), t.Day())
}

// Pct formats a fraction as a percentage with one decimal: 0.7179 → 71.8%.
func Pct(v float64) string { return fmt.Sprintf("%.1f%%", v*100) }

// Num formats a figure without trailing zeros, with thousands separators.
func Num(v float64) string {
	s := fmt.Sprintf("%.2f", v)
	s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	intPart, frac, _ := strings.Cut(s, ".")
	var out []byte
	for i := range intPart {
		if i > 0 && (len(intPart)-i)%3 == 0 {
			out = append(out, ',')
		}
		out = append(out, intPart[i])
	}
	s = string(out)
	if frac != "" {
		s += "." + frac
	}
	if neg {
		s = "-" + s
	}
	return s
}

func numOrDash(p *float64) string {
	if p == nil {
		return "—"
	}
	return Num(*p)
}

func pctOrDash(p *float64) string {
	if p == nil {
		return "—"
	}
	return Pct(*p)
}

// figures is what the template's overview text sees.
type figures struct {
	*report.Result
	AsOfText    string
	ReportTitle string // the report's title, in the language asked for
	Office      string // the reporting office, "" where nobody says
	Met         int
	Rest        int                      // tasks ahead or on schedule: "其余N项按序时推进"
	Headline    []report.IndicatorResult // the indicators shown as tiles
}

// Figure finds an indicator whose name holds name.
func (f figures) Figure(name string) *report.IndicatorResult {
	for i := range f.Indicators {
		if strings.Contains(f.Indicators[i].Name, name) && f.Indicators[i].Actual != nil {
			return &f.Indicators[i]
		}
	}
	return nil
}

// Text renders one of the template's texts (overview, subject) for res.
func Text(res *report.Result, t *report.Template, name string, lang report.Lang) (string, error) {
	src, ok := t.Texts[name]
	if !ok {
		return "", nil
	}
	tm, err := template.New(name).Funcs(template.FuncMap{
		"pct": func(p *float64) string { return pctOrDash(p) },
		// pct0 once rounded prose to whole percents, so the overview said
		// 26% where the tile said 25.5%; it is kept for older templates
		// and now gives every figure the one precision Pct gives.
		"pct0": func(p *float64) string { return pctOrDash(p) },
		"num":  func(p *float64) string { return numOrDash(p) },
		"pctf": Pct,
		// growth words a change on the baseline: 增长25.5% / 下降3.0%,
		// up 25.5% / down 3.0%.
		"growth": func(p *float64) string { return growthWords(p, lang) },
	}).Parse(src.In(lang))
	if err != nil {
		return "", fmt.Errorf("%s: texts.%s: %w", t.Source, name, err)
	}
	f := figures{Result: res, ReportTitle: res.ReportTitle(t, lang), Office: res.Office(t, lang),
		Rest: res.Tasks.Ahead + res.Tasks.OnSchedule, Headline: Headline(res, t)}
	f.AsOfText = dateText(time.Time(res.AsOf), lang)
	f.Met = report.TallyIndicators(res.Indicators)[report.IndicatorMet]
	out, err := execBounded(tm, f, t.Source, name)
	if err != nil {
		return "", err
	}
	return strings.Join(strings.Fields(out), report.Text{Zh: "", En: " "}.In(lang)), nil
}

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

// TilesPerRow is how many tiles a row of the overview holds; the overview
// always fills its rows.
const TilesPerRow = 3

// headlineMost is the most indicators shown as tiles: two rows beneath the
// row of task figures.
const headlineMost = 2 * TilesPerRow

// seedResults are the results a creation report leads with, as the
// province's own article reported them, each matched by words an
// indicator's name holds: R&D platforms, tech-based SMEs, invention
// patents, academicians, skills masters, chief technicians, high-tech
// enterprises.
var seedResults = [][]string{
	{"研发", "平台"}, {"创新平台"}, {"科技型中小企业"}, {"发明专利"}, {"院士"}, {"技能大师"}, {"首席技师"}, {"高新技术企业"},
}

// Headline picks the indicators shown as tiles and named in the overview:
// those the template names, in its order; else those matching the results
// a creation report leads with (seedResults); then the most attained. Only
// indicators with a value reached count, and the number is a whole number
// of tile rows (0, 3 or 6), so no tile stands alone on a row.
func Headline(res *report.Result, t *report.Template) []report.IndicatorResult {
	var out []report.IndicatorResult
	taken := map[int]bool{}
	take := func(i int) {
		if !taken[i] && len(out) < headlineMost {
			taken[i] = true
			out = append(out, res.Indicators[i])
		}
	}
	has := func(i int) bool { return res.Indicators[i].Actual != nil }
	for _, name := range t.Headline {
		for i, ind := range res.Indicators {
			if has(i) && !taken[i] && strings.Contains(ind.Name, name) {
				take(i)
				break
			}
		}
	}
	if len(t.Headline) == 0 {
		for _, words := range seedResults {
			for i, ind := range res.Indicators {
				if has(i) && !taken[i] && containsAll(ind.Name, words) {
					take(i)
					break
				}
			}
		}
	}
	// The most attained, then the workbook's order.
	rest := make([]int, 0, len(res.Indicators))
	for i := range res.Indicators {
		if has(i) && !taken[i] {
			rest = append(rest, i)
		}
	}
	att := func(i int) float64 {
		if a := res.Indicators[i].Attainment; a != nil {
			return *a
		}
		return -1
	}
	slices.SortStableFunc(rest, func(a, b int) int { return cmp.Compare(att(b), att(a)) })
	for _, i := range rest {
		take(i)
	}
	return out[:len(out)/TilesPerRow*TilesPerRow]
}

func containsAll(s string, words []string) bool {
	for _, w := range words {
		if !strings.Contains(s, w) {
			return false
		}
	}
	return true
}

func growthWords(p *float64, lang report.Lang) string {
	switch {
	case p == nil:
		return "—"
	case lang == report.En && *p < 0:
		return "down " + Pct(-*p)
	case lang == report.En:
		return "up " + Pct(*p)
	case *p < 0:
		return "下降" + Pct(-*p)
	}
	return "增长" + Pct(*p)
}

func signedPct(v float64) string {
	if v >= 0 {
		return "+" + Pct(v)
	}
	return Pct(v)
}

// stateLabel names a state as a heading or a column does: "On schedule".
func (b *builder) stateLabel(s report.State) string { return Sentence(s.Label(b.lang)) }

// Sentence capitalises the first letter, for labels that begin a heading,
// a column or a cell: "warning" → "Warning"; Chinese is unchanged.
func Sentence(s string) string {
	if s == "" || s[0] < 'a' || s[0] > 'z' {
		return s
	}
	return string(s[0]-'a'+'A') + s[1:]
}

// Points writes a figure already in percentage points (progress, the
// schedule's share) exactly as the result holds it: 95.4%, 100%.
func Points(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) + "%" }

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
		{Header: b.L("已完成", "Done"), Width: 0.15, Align: Right}, {Header: b.L("逾期", "Overdue"), Width: 0.15, Align: Right},
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
		{Header: b.L("已完成", "Done"), Width: 0.11, Align: Right}, {Header: b.L("欠进度", "Behind"), Width: 0.11, Align: Right},
		{Header: b.L("逾期", "Overdue"), Width: 0.11, Align: Right}, {Header: b.L("参与任务", "Shared"), Width: 0.11, Align: Right},
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

// decimals is how many decimals the row's figures need, at most two, so
// that baseline, target and actual line up: 0.63, 1.00, 0.93.
func decimals(vs ...*float64) int {
	d := 0
	for _, v := range vs {
		if v == nil {
			continue
		}
		for n := 0; n <= 2; n++ {
			if math.Abs(*v*math.Pow(10, float64(n))-math.Round(*v*math.Pow(10, float64(n)))) < 1e-9 {
				d = max(d, n)
				break
			}
			if n == 2 {
				d = 2
			}
		}
	}
	return d
}

// fixed formats v with dec decimals and thousands separators.
func fixed(v *float64, dec int) string {
	if v == nil {
		return "—"
	}
	s := Num(math.Round(*v*math.Pow(10, float64(dec))) / math.Pow(10, float64(dec)))
	if dec == 0 {
		return s
	}
	i := strings.IndexByte(s, '.')
	if i < 0 {
		return s + "." + strings.Repeat("0", dec)
	}
	return s + strings.Repeat("0", dec-(len(s)-i-1))
}

func orDash(s string) string {
	if s == "" {
		return "—"
	}
	return s
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

// MapText applies f to every piece of text in d, in place: renderers use it
// to make sure nothing reaches the page that the font cannot draw.
func (d *Document) MapText(f func(string) string) {
	for _, p := range []*string{&d.Title, &d.Subject, &d.Author, &d.Cover.Title, &d.Cover.Bureau, &d.Footer} {
		*p = f(*p)
	}
	for i := range d.Cover.Lines {
		d.Cover.Lines[i] = f(d.Cover.Lines[i])
	}
	for i := range d.Chapters {
		ch := &d.Chapters[i]
		ch.Title = f(ch.Title)
		for j := range ch.Blocks {
			b := &ch.Blocks[j]
			b.Paragraph, b.Heading = f(b.Paragraph), f(b.Heading)
			for k := range b.Tiles {
				t := &b.Tiles[k]
				t.Label, t.Value, t.Unit, t.Note = f(t.Label), f(t.Value), f(t.Unit), f(t.Note)
			}
			if b.Table != nil {
				b.Table.More = f(b.Table.More)
				for k := range b.Table.Columns {
					b.Table.Columns[k].Header = f(b.Table.Columns[k].Header)
				}
				for _, r := range b.Table.Rows {
					for k := range r.Cells {
						r.Cells[k].Text = f(r.Cells[k].Text)
					}
				}
			}
			if b.Chart != nil {
				b.Chart.Title = f(b.Chart.Title)
				for k := range b.Chart.Labels {
					b.Chart.Labels[k] = f(b.Chart.Labels[k])
				}
				for k := range b.Chart.Series {
					b.Chart.Series[k].Name = f(b.Chart.Series[k].Name)
				}
			}
		}
	}
}

// Clone returns a deep copy of d, for a renderer that adapts the text to
// what it can draw without changing the document others render.
func (d *Document) Clone() *Document {
	c := *d
	c.Cover.Lines = slices.Clone(d.Cover.Lines)
	c.Chapters = make([]Chapter, len(d.Chapters))
	for i, ch := range d.Chapters {
		c.Chapters[i] = Chapter{Title: ch.Title, Blocks: make([]Block, len(ch.Blocks))}
		for j, b := range ch.Blocks {
			nb := b
			nb.Tiles = slices.Clone(b.Tiles)
			if b.Table != nil {
				t := *b.Table
				t.Columns = slices.Clone(b.Table.Columns)
				t.Rows = make([]Row, len(b.Table.Rows))
				for k, r := range b.Table.Rows {
					t.Rows[k] = Row{Cells: slices.Clone(r.Cells), Mark: r.Mark}
				}
				nb.Table = &t
			}
			if b.Chart != nil {
				ct := *b.Chart
				ct.Labels = slices.Clone(b.Chart.Labels)
				ct.Series = slices.Clone(b.Chart.Series)
				nb.Chart = &ct
			}
			c.Chapters[i].Blocks[j] = nb
		}
	}
	return &c
}
