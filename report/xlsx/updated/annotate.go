package updated

import (
	"fmt"
	"strings"

	"github.com/xuri/excelize/v2"

	"innoreport/report"
)

// commentRows bounds the sheets that get comments: adding one makes
// excelize load the whole sheet, which a sheet of 100,000 rows cannot
// afford. Larger sheets get the fills; the findings sheet lists all.
const commentRows = 5000

// annotate fills each cell with a finding by its worst severity, keeping
// the rest of its style, and comments it with the messages.
func (u *updater) annotate() error {
	type mark struct {
		sev  report.Severity
		msgs []string
	}
	marks := map[[2]string]*mark{}
	var order [][2]string
	for _, f := range u.res.Findings {
		if f.Cell == "" || !u.book.has(f.Sheet) {
			continue
		}
		k := [2]string{f.Sheet, f.Cell}
		m := marks[k]
		if m == nil {
			m = &mark{sev: f.Severity}
			marks[k] = m
			order = append(order, k)
		}
		m.sev = max(m.sev, f.Severity)
		m.msgs = append(m.msgs, fmt.Sprintf("[%s] %s", f.Severity.Label(u.lang), f.Message.In(u.lang)))
	}
	existing := map[string]map[string]excelize.Comment{}
	for _, k := range order {
		sheet, cell := k[0], k[1]
		m := marks[k]
		col, row, err := excelize.CellNameToCoordinates(cell)
		if err != nil {
			continue
		}
		orig := int(u.book.cell(sheet, cell).Style)
		fill, ok := u.fills[[2]int{orig, int(m.sev)}]
		if !ok {
			fill = len(u.xfs)
			u.xfs = append(u.xfs, fillXf{orig: orig, color: m.sev.Fill()})
			u.fills[[2]int{orig, int(m.sev)}] = fill
		}
		sp := u.patch(sheet)
		if sp.restyle[row] == nil {
			sp.restyle[row] = map[int]int{}
		}
		sp.restyle[row][col] = fill
		if u.big[sheet] {
			continue
		}
		if existing[sheet] == nil {
			existing[sheet] = map[string]excelize.Comment{}
			cs, err := u.f.GetComments(sheet)
			if err != nil {
				return err
			}
			for _, c := range cs {
				existing[sheet][c.Cell] = c
			}
		}
		text := commentMark + strings.Join(m.msgs, "\n")
		if old, ok := existing[sheet][cell]; ok {
			// Keep the bureau's own comment; replace only ours.
			prev := old.Text
			for _, r := range old.Paragraph {
				prev += r.Text
			}
			if i := strings.Index(prev, commentMark); i >= 0 {
				prev = prev[:i]
			}
			if err := u.f.DeleteComment(sheet, cell); err != nil {
				return err
			}
			if prev = strings.TrimSpace(prev); prev != "" {
				text = prev + "\n" + text
			}
		}
		if err := u.f.AddComment(sheet, excelize.Comment{Author: "innoreport", Cell: cell, Text: text, Width: 320, Height: 120}); err != nil {
			return err
		}
	}
	return nil
}
