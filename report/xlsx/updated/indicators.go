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
	sheet := u.res.Sheets["indicators"]
	if cell == "" || !n.OK || n.Growth {
		return "", false
	}
	grid := u.wb.Sheet(sheet)
	col, row, err := excelize.CellNameToCoordinates(cell)
	if grid == nil || err != nil {
		return "", false
	}
	c := grid.At(row-1, col-1)
	if !c.Number || c.Format == report.FormatPercent {
		return "", false
	}
	v, err := strconv.ParseFloat(strings.TrimSpace(c.Text), 64)
	if err != nil || math.Abs(v-n.Value) > 1e-9 {
		return "", false
	}
	return ref(sheet, cell), true
}

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
		row := i + 2
		dir := u.L("正向", "positive")
		if ind.Direction == "negative" {
			dir = u.L("逆向", "negative")
		}
		for c, v := range []string{ind.Name, ind.Unit, dir} {
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
			col := 4 + k
			if fg.v == nil {
				if err := u.set(sh, col, row, "", "num"); err != nil {
					return err
				}
				continue
			}
			if f, ok := u.source(fg.cell, fg.n); ok {
				if err := u.formula(sh, col, row, f, *fg.v, "num"); err != nil {
					return err
				}
				continue
			}
			// Typed as text in the bureau's sheet ("46个", "增长6%左右"):
			// the figure read from it, with a comment saying so.
			if err := u.set(sh, col, row, *fg.v, "num"); err != nil {
				return err
			}
			raw := ""
			if g := u.wb.Sheet(u.res.Sheets["indicators"]); g != nil {
				if col, row, err := excelize.CellNameToCoordinates(fg.cell); err == nil {
					raw = g.Text(row-1, col-1)
				}
			}
			if err := u.f.AddComment(sh, excelize.Comment{Author: "innoreport", Cell: cellName(col, row),
				Text: commentMark + u.L(fmt.Sprintf("由 %s!%s 的“%s”读出", u.res.Sheets["indicators"], fg.cell, raw),
					fmt.Sprintf("read from %q in %s!%s", raw, u.res.Sheets["indicators"], fg.cell))}); err != nil {
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
		if err := u.set(sh, 9, row, report.IndicatorStatusLabel(ind.Status).In(u.lang), "text"); err != nil {
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
