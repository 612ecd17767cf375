package doc

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"text/template"
	"time"

	"innoreport/report"
)

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
