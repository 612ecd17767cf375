package updated

import (
	"fmt"
	"html"
	"math"
	"slices"
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
	for i := range u.n.cols {
		p.cols = append(p.cols, colWidth{start + i, widths[i]})
	}
	u.statusCol, _ = excelize.ColumnNumberToName(start)
	u.sectionCol, _ = excelize.ColumnNumberToName(start + 2)
	u.leadCol, _ = excelize.ColumnNumberToName(start + 3)
	u.actionCol, _ = excelize.ColumnNumberToName(start + 4)
	rows := &taskRows{u: u, start: start, top: top, header: top, bottom: bottom,
		text: u.styles["text"], pct: u.styles["pct"], order: make([]int32, len(u.res.TaskList))}
	u.firstRow, u.lastRow = math.MaxInt, 0
	for i, tr := range u.res.TaskList {
		rows.order[i] = int32(i)
		u.firstRow, u.lastRow = min(u.firstRow, tr.Row), max(u.lastRow, tr.Row)
	}
	slices.SortStableFunc(rows.order, func(a, b int32) int { return u.res.TaskList[a].Row - u.res.TaskList[b].Row })
	p.rows = rows
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

// taskRows gives the tasks sheet's added cells as the patch reaches
// their rows: the column names and blank header cells, then each task's
// assessment, computed from the result there and then.
type taskRows struct {
	u              *updater
	start          int     // the first added column
	top            int     // the header row that gets the column names
	header, bottom int     // the next header row to give, and the last
	text, pct      int     // styles
	order          []int32 // the result's tasks, by row
	i              int     // order's next
}

func (t *taskRows) next() int {
	r := 0
	if t.i < len(t.order) {
		r = t.u.res.TaskList[t.order[t.i]].Row
	}
	if t.header <= t.bottom && (r == 0 || t.header < r) {
		r = t.header
	}
	return r
}

func (t *taskRows) take(cells []newCell) ([]newCell, float64) {
	r := t.next()
	if r == t.header && t.header <= t.bottom {
		for i, h := range t.u.n.cols {
			c := newCell{col: t.start + i, style: -1}
			if t.header == t.top {
				c.text = h
			}
			cells = append(cells, c)
		}
		t.header++
	}
	for ; t.i < len(t.order) && t.u.res.TaskList[t.order[t.i]].Row == r; t.i++ {
		tr := &t.u.res.TaskList[t.order[t.i]]
		cells = append(cells,
			newCell{col: t.start, style: t.text, text: tr.State.Label(t.u.lang)},
			newCell{col: t.start + 1, style: t.pct, num: true, number: tr.Expected / 100},
			newCell{col: t.start + 2, style: t.text, text: tr.Section},
			newCell{col: t.start + 3, style: t.text, text: tr.Lead},
			newCell{col: t.start + 4, style: t.text, text: t.u.actionLabel(tr.Task.Action)},
		)
	}
	return cells, 0
}

func (u *updater) actionLabel(a report.Action) string { return a.Label(u.lang) }

func (u *updater) rng(col string) string {
	return ref(u.res.Sheets[string(report.RoleTasks)], fmt.Sprintf("$%s$%d:$%s$%d", col, u.firstRow, col, u.lastRow))
}
