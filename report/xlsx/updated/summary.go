package updated

import (
	"fmt"
	"time"

	"github.com/xuri/excelize/v2"

	"innoreport/report"
)

// summary writes the 汇总 sheet: the as-of date, the totals, and the
// tallies by section, lead unit and action type, every figure a formula
// over the tasks sheet's assessed columns with the result's value stored.
func (u *updater) summary() error {
	sh := u.n.summary
	if _, err := u.f.NewSheet(sh); err != nil {
		return err
	}
	if err := u.widths(sh, 28, 10, 10, 10, 10, 10, 10, 10, 10, 14, 14); err != nil {
		return err
	}
	if err := u.summaryHead(sh); err != nil {
		return err
	}
	if len(u.res.TaskList) == 0 || u.statusCol == "" {
		return nil
	}
	status := u.rng(u.statusCol)
	headers := []string{u.L("任务总数", "Tasks")}
	for _, s := range report.States {
		headers = append(headers, s.Label(u.lang))
	}
	headers = append(headers, u.L("完成率", "Done"))
	if err := u.totals(sh, 5, headers, status); err != nil {
		return err
	}
	// The tallies' headers: the group's name, then the totals' columns.
	headers = append([]string{"", u.L("任务", "Tasks")}, headers[1:]...)
	row, err := u.bySection(sh, 8, headers, status)
	if err != nil {
		return err
	}
	if row, err = u.byLead(sh, row+2, headers, status); err != nil {
		return err
	}
	if _, err = u.byAction(sh, row+2, headers, status); err != nil {
		return err
	}
	if err := u.printable(sh); err != nil {
		return err
	}
	return u.f.SetPanes(sh, &excelize.Panes{Freeze: true, YSplit: 3, TopLeftCell: "A4", ActivePane: "bottomLeft"})
}

// summaryHead writes the summary's title, as-of date and note.
func (u *updater) summaryHead(sh string) error {
	if err := u.set(sh, 1, 1, u.L("创建工作汇总", "Summary of the creation work"), "title"); err != nil {
		return err
	}
	if err := u.set(sh, 1, 2, u.L("数据截至", "As of"), "label"); err != nil {
		return err
	}
	if err := u.set(sh, 2, 2, time.Time(u.res.AsOf), "date"); err != nil {
		return err
	}
	note := u.L("以下数字为公式，按任务清单右侧的“评估状态”等列计算；修改后自动更新。",
		"The figures below are formulas over the assessed columns of the task sheet: they update when those change.")
	if u.rebuilt {
		note += u.L("原工作簿的文件结构无法按原样保留，各表按读出的数值重建，原有格式、批注等未保留。",
			" The original package could not be kept as it was: its sheets were rebuilt from the values read, without their formatting and comments.")
	}
	return u.set(sh, 1, 3, note, "note")
}

// totals writes the header at row and the totals below it, with the
// previous period's rate beside them where there is one.
func (u *updater) totals(sh string, row int, headers []string, status string) error {
	res, states := u.res, report.States
	if err := u.header(sh, row, headers); err != nil {
		return err
	}
	row++
	if err := u.formula(sh, 1, row, fmt.Sprintf("COUNTA(%s)", status), float64(res.Tasks.Total), "int"); err != nil {
		return err
	}
	for i, s := range states {
		if err := u.formula(sh, 2+i, row, fmt.Sprintf("COUNTIF(%s,%s)", status, criterion(s.Label(u.lang))), float64(res.Tasks.Count(s)), "int"); err != nil {
			return err
		}
	}
	if err := u.formula(sh, 2+len(states), row, report.RateFormula(fmt.Sprint("B", row), fmt.Sprint("A", row)), res.Tasks.Rate, "pct"); err != nil {
		return err
	}
	return u.previous(sh, 3+len(states), row)
}

// bySection writes the table by section from row, its total row and its
// chart, returning the total row.
func (u *updater) bySection(sh string, row int, headers []string, status string) (int, error) {
	headers[0] = u.L("板块", "Section")
	row, err := u.table(sh, row, u.L("分板块", "By section"), headers)
	if err != nil {
		return 0, err
	}
	secHeader, section := row, u.rng(u.sectionCol)
	for _, g := range u.res.Sections {
		row++
		if err := u.groupRow(sh, row, g.Name, g.TaskTotals, section, status); err != nil {
			return 0, err
		}
	}
	secLast := row
	row++
	if err := u.totalRow(sh, row, secHeader+1, secLast); err != nil {
		return 0, err
	}
	return row, u.sectionChart(sh, secHeader, secLast)
}

// totalRow sums the rows from first to last of the table by section.
func (u *updater) totalRow(sh string, row, first, last int) error {
	states, tasks := report.States, u.res.Tasks
	if err := u.set(sh, 1, row, u.L("合计", "Total"), "total"); err != nil {
		return err
	}
	for c := 2; c <= 2+len(states); c++ {
		col, _ := excelize.ColumnNumberToName(c)
		v := float64(tasks.Total)
		if c > 2 {
			v = float64(tasks.Count(states[c-3]))
		}
		if err := u.formula(sh, c, row, fmt.Sprintf("SUM(%s%d:%s%d)", col, first, col, last), v, "total"); err != nil {
			return err
		}
	}
	return u.formula(sh, 3+len(states), row, report.RateFormula(fmt.Sprint("C", row), fmt.Sprint("B", row)), tasks.Rate, "totalp")
}

// byLead writes the lead-unit scoreboard from row, returning its last row.
func (u *updater) byLead(sh string, row int, headers []string, status string) (int, error) {
	headers[0] = u.L("牵头单位", "Lead unit")
	row, err := u.table(sh, row, u.L("牵头单位", "Lead units"), headers)
	if err != nil {
		return 0, err
	}
	lead := u.rng(u.leadCol)
	for _, s := range u.res.Units {
		if s.Lead == 0 {
			continue
		}
		row++
		if err := u.groupRow(sh, row, s.Name, s.TaskTotals, lead, status); err != nil {
			return 0, err
		}
	}
	return row, nil
}

// byAction writes prescribed against self-selected from row, returning
// its last row.
func (u *updater) byAction(sh string, row int, headers []string, status string) (int, error) {
	headers[0] = u.L("动作类型", "Action type")
	row, err := u.table(sh, row, u.L("动作类型", "Action types"), headers)
	if err != nil {
		return 0, err
	}
	action := u.rng(u.actionCol)
	for _, g := range u.res.Actions {
		row++
		if err := u.groupRow(sh, row, u.actionLabel(g.Action), g.TaskTotals, action, status); err != nil {
			return 0, err
		}
	}
	return row, nil
}

// previous writes the 上期 and 较上期 columns beside the totals: the
// previous period's completion rate, from the archive, and the change in
// percentage points as a formula over the rate beside it.
func (u *updater) previous(sh string, col, row int) error {
	c := u.compare
	if c == nil {
		return nil
	}
	prevAt := time.Time(c.Previous.AsOf).Format("2006-01-02")
	if err := u.set(sh, col, row-1, u.L("上期完成率（", "Previous (")+prevAt+u.L("）", ")"), "header"); err != nil {
		return err
	}
	if err := u.set(sh, col+1, row-1, u.L("较上期（百分点）", "Change (points)"), "header"); err != nil {
		return err
	}
	if err := u.set(sh, col, row, c.Previous.Rate, "pct"); err != nil {
		return err
	}
	rate, _ := excelize.ColumnNumberToName(col - 1)
	prev, _ := excelize.ColumnNumberToName(col)
	return u.formula(sh, col+1, row, report.RateDeltaFormula(fmt.Sprint(rate, row), fmt.Sprint(prev, row)), c.Tasks.RateDeltaPoints, "")
}

// groupRow writes one tally row: the name, then counts over key and
// status. The name is compared with "=", not given to COUNTIF as a
// criterion, where "*", "?" and "~" in a unit's name would be wildcards.
func (u *updater) groupRow(sh string, row int, name string, g report.TaskTotals, key, status string) error {
	if err := u.set(sh, 1, row, name, "text"); err != nil {
		return err
	}
	if err := u.formula(sh, 2, row, fmt.Sprintf(`SUMPRODUCT(--(%s=$A%d))`, key, row), float64(g.Total), "int"); err != nil {
		return err
	}
	for i, s := range report.States {
		f := fmt.Sprintf(`SUMPRODUCT((%s=$A%d)*(%s=%s))`, key, row, status, criterion(s.Label(u.lang)))
		if err := u.formula(sh, 3+i, row, f, float64(g.Count(s)), "int"); err != nil {
			return err
		}
	}
	last := 3 + len(report.States)
	return u.formula(sh, last, row, report.RateFormula(fmt.Sprint("C", row), fmt.Sprint("B", row)), g.Rate, "pct")
}

func (u *updater) sectionChart(sh string, header, last int) error {
	if last <= header {
		return nil
	}
	var series []excelize.ChartSeries
	for i, s := range report.States {
		col, _ := excelize.ColumnNumberToName(3 + i)
		series = append(series, excelize.ChartSeries{
			Name:       ref(sh, fmt.Sprintf("$%s$%d", col, header)),
			Categories: ref(sh, fmt.Sprintf("$A$%d:$A$%d", header+1, last)),
			Values:     ref(sh, fmt.Sprintf("$%s$%d:$%s$%d", col, header+1, col, last)),
			Fill:       excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{s.Color()}},
		})
	}
	legend := chartFont // a copy: excelize is handed a pointer, and serve writes workbooks at once
	return u.f.AddChart(sh, "K2", &excelize.Chart{
		Type:      excelize.BarStacked,
		Series:    series,
		Title:     excelize.ChartTitle{Paragraph: []excelize.RichTextRun{{Text: u.L("各板块任务状态", "Task status by section")}}},
		Legend:    excelize.ChartLegend{Position: "bottom", Font: &legend},
		Dimension: excelize.ChartDimension{Width: 640, Height: uint(160 + 28*(last-header))},
		XAxis:     excelize.ChartAxis{Font: chartFont},
		YAxis:     excelize.ChartAxis{Font: chartFont},
	})
}
