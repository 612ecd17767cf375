package updated

import (
	"fmt"
	"html"
	"math"
	"strconv"
	"strings"

	"github.com/xuri/excelize/v2"

	"innoreport/report"
)

// tasks appends the assessed columns right of the bureau's own, by
// patching the sheet's XML (see sheetPatch).
func (u *updater) tasks() error {
	sheet := u.res.Sheets[string(report.RoleTasks)]
	if sheet == "" || !u.book.has(sheet) || len(u.res.TaskList) == 0 {
		return nil
	}
	d := u.res.Data
	top, bottom := d.HeaderTop[string(report.RoleTasks)]+1, d.HeaderRow[string(report.RoleTasks)]+1
	start := d.Width[string(report.RoleTasks)] + 1
	// A workbook updated before keeps its columns where they are.
	for _, texts := range u.book.header {
		for c, text := range texts {
			if text == u.n.cols[0] {
				start = c + 1
			}
		}
	}
	p := u.patch(sheet)
	p.drop = [2]int{start, start + len(u.n.cols) - 1}
	p.maxCol = start + len(u.n.cols) - 1
	p.headerStyle.row, p.headerStyle.fromCol = top, max(start-1, 1)
	widths := []float64{10, 9, 16, 20, 11}
	for i, h := range u.n.cols {
		p.cells[top] = append(p.cells[top], newCell{col: start + i, style: -1, text: h})
		for r := top + 1; r <= bottom; r++ {
			p.cells[r] = append(p.cells[r], newCell{col: start + i, style: -1})
		}
		p.cols = append(p.cols, colWidth{start + i, widths[i]})
	}
	u.statusCol, _ = excelize.ColumnNumberToName(start)
	u.sectionCol, _ = excelize.ColumnNumberToName(start + 2)
	u.leadCol, _ = excelize.ColumnNumberToName(start + 3)
	u.actionCol, _ = excelize.ColumnNumberToName(start + 4)
	u.firstRow, u.lastRow = math.MaxInt, 0
	text, pct := u.styles["text"], u.styles["pct"]
	for _, tr := range u.res.TaskList {
		r := tr.Row
		u.firstRow, u.lastRow = min(u.firstRow, r), max(u.lastRow, r)
		p.cells[r] = append(p.cells[r],
			newCell{col: start, style: text, text: tr.State.Label(u.lang)},
			newCell{col: start + 1, style: pct, num: true, number: tr.Expected / 100},
			newCell{col: start + 2, style: text, text: tr.Section},
			newCell{col: start + 3, style: text, text: tr.Lead},
			newCell{col: start + 4, style: text, text: u.actionLabel(tr.Task.Action)},
		)
	}
	// Colour the assessed status by its state.
	p.cfSqref = fmt.Sprintf("%s%d:%s%d", u.statusCol, u.firstRow, u.statusCol, u.lastRow)
	var cf strings.Builder
	fmt.Fprintf(&cf, `<conditionalFormatting sqref="%s">`, p.cfSqref)
	for i, s := range report.States {
		id, err := u.f.NewConditionalStyle(&excelize.Style{Fill: excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{s.Fill()}}})
		if err != nil {
			return err
		}
		fmt.Fprintf(&cf, `<cfRule type="cellIs" dxfId="%d" priority="%d" operator="equal"><formula>%s</formula></cfRule>`,
			id, 1001+i, html.EscapeString(strconv.Quote(s.Label(u.lang))))
	}
	cf.WriteString(`</conditionalFormatting>`)
	p.cf = cf.String()
	return nil
}

func (u *updater) actionLabel(a report.Action) string { return a.Label(u.lang) }

func (u *updater) rng(col string) string {
	return ref(u.res.Sheets[string(report.RoleTasks)], fmt.Sprintf("$%s$%d:$%s$%d", col, u.firstRow, col, u.lastRow))
}
