package updated

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/xuri/excelize/v2"

	"innoreport/report"
)

// source returns a formula referring to the bureau's cell when it holds
// the figure as a plain number, so an edit there flows through.
func (u *updater) source(cell string, n report.Number) (string, bool) {
	sheet := u.res.Sheets[string(report.RoleIndicators)]
	if cell == "" || !n.OK || n.Growth {
		return "", false
	}
	c := u.book.cell(sheet, cell)
	if !c.Number || c.Format == report.FormatPercent {
		return "", false
	}
	v, err := strconv.ParseFloat(strings.TrimSpace(c.Text), 64)
	if err != nil || math.Abs(v-n.Value) > 1e-9 {
		return "", false
	}
	return ref(sheet, cell), true
}

// indicators writes the 指标达成 sheet: each indicator's figures, as
// references to the bureau's cells where they hold plain numbers, its
// attainment and growth as formulas, its status, and a chart.
func (u *updater) indicators() error {
	if len(u.res.Indicators) == 0 {
		return nil
	}
	sh := u.n.indicators
	if _, err := u.f.NewSheet(sh); err != nil {
		return err
	}
	headers := []string{u.L("指标", "Indicator"), u.L("单位", "Unit"), u.L("方向", "Direction"), u.L("基期值", "Baseline"),
		u.L("目标值", "Target"), u.L("完成值", "Actual"), u.L("达成率", "Attainment"), u.L("增长", "Growth"), u.L("状态", "Status")}
	if err := u.header(sh, 1, headers); err != nil {
		return err
	}
	if err := u.widths(sh, 34, 9, 8, 11, 11, 11, 11, 11, 10); err != nil {
		return err
	}
	for i, ind := range u.res.Indicators {
		if err := u.indicatorRow(sh, i+2, ind); err != nil {
			return err
		}
	}
	last := len(u.res.Indicators) + 1
	if err := u.f.SetConditionalFormat(sh, fmt.Sprintf("G2:G%d", last), []excelize.ConditionalFormatOptions{{
		Type: "data_bar", Criteria: "=", MinType: "num", MinValue: "0", MaxType: "num", MaxValue: "1", BarColor: "#5B9BD5", BarSolid: true,
	}}); err != nil {
		return err
	}
	if err := u.f.SetPanes(sh, &excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"}); err != nil {
		return err
	}
	if err := u.printable(sh); err != nil {
		return err
	}
	return u.indicatorChart(sh, last)
}

// indicatorRow writes one indicator at row.
func (u *updater) indicatorRow(sh string, row int, ind report.IndicatorResult) error {
	for c, v := range []string{ind.Name, ind.Unit, ind.Direction.Label(u.lang)} {
		if err := u.set(sh, c+1, row, v, "text"); err != nil {
			return err
		}
	}
	src := ind.Indicator
	figs := []struct {
		cell string
		n    report.Number
		v    *float64
	}{
		{src.Cells.Get("baseline"), src.Baseline, ind.Baseline},
		{src.Cells.Get("target"), src.Target, ind.Target},
		{src.Cells.Get("actual"), src.Actual, ind.Actual},
	}
	for k, fg := range figs {
		if err := u.figure(sh, 4+k, row, fg.cell, fg.n, fg.v); err != nil {
			return err
		}
	}
	att := report.AttainmentFormula(src.Direction, fmt.Sprint("E", row), fmt.Sprint("F", row))
	if err := u.optFormula(sh, 7, row, att, ind.Attainment); err != nil {
		return err
	}
	growth := report.GrowthFormula(fmt.Sprint("D", row), fmt.Sprint("F", row))
	if err := u.optFormula(sh, 8, row, growth, ind.Growth); err != nil {
		return err
	}
	return u.set(sh, 9, row, ind.Status.Label(u.lang), "text")
}

// figure writes one of an indicator's figures, v as read from the
// bureau's cell: a reference to that cell where it holds the number
// plainly, else the number, with a comment saying where from.
func (u *updater) figure(sh string, col, row int, cell string, n report.Number, v *float64) error {
	if v == nil {
		return u.set(sh, col, row, "", "num")
	}
	if f, ok := u.source(cell, n); ok {
		return u.formula(sh, col, row, f, *v, "num")
	}
	// Typed as text in the bureau's sheet ("46个", "增长6%左右").
	if err := u.set(sh, col, row, *v, "num"); err != nil {
		return err
	}
	if len(u.res.Indicators) > commentRows {
		// As annotate does for a big sheet: excelize's AddComment looks
		// at every comment before it, 5 s for 20,000 indicators, and the
		// text stays in the bureau's cell the sheet's figure refers to.
		return nil
	}
	from, raw := u.res.Sheets[string(report.RoleIndicators)], u.book.cell(u.res.Sheets[string(report.RoleIndicators)], cell).Text
	return u.f.AddComment(sh, excelize.Comment{Author: "innoreport", Cell: cellName(col, row),
		Text: commentMark + u.L(fmt.Sprintf("由 %s!%s 的“%s”读出", from, cell, raw),
			fmt.Sprintf("read from %q in %s!%s", raw, from, cell))})
}

// indicatorChart draws attainment by indicator beside the table.
func (u *updater) indicatorChart(sh string, last int) error {
	return u.f.AddChart(sh, "K2", &excelize.Chart{
		Type: excelize.Bar,
		Series: []excelize.ChartSeries{{
			Name:       ref(sh, "$G$1"),
			Categories: ref(sh, fmt.Sprintf("$A$2:$A$%d", last)),
			Values:     ref(sh, fmt.Sprintf("$G$2:$G$%d", last)),
			Fill:       excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"5B9BD5"}},
		}},
		Title:     excelize.ChartTitle{Paragraph: []excelize.RichTextRun{{Text: u.L("指标达成率", "Indicator attainment")}}},
		Legend:    excelize.ChartLegend{Position: "none"},
		Dimension: excelize.ChartDimension{Width: 560, Height: uint(120 + 22*len(u.res.Indicators))},
		XAxis:     excelize.ChartAxis{Font: chartFont},
		YAxis:     excelize.ChartAxis{NumFmt: excelize.ChartNumFmt{CustomNumFmt: "0%"}, Font: chartFont},
	})
}
