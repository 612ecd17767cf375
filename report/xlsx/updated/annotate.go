package updated

import (
	"cmp"
	"fmt"
	"slices"
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
	defer u.sortFills()
	existing := map[string]map[string]excelize.Comment{}
	for _, m := range u.marks() {
		sheet, cell := m.at.sheet, m.at.cell
		col, row, err := excelize.CellNameToCoordinates(cell)
		if err != nil {
			continue
		}
		sp := u.patch(sheet)
		sp.restyle = append(sp.restyle, restyleCell{row: row, col: col, xf: u.fillOf(int(u.book.cell(sheet, cell).Style), m.sev)})
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
		old, had := existing[sheet][cell]
		if err := u.comment(sheet, cell, m.findings, old, had); err != nil {
			return err
		}
	}
	return nil
}

// mark is a cell with findings: its worst severity, and for the sheets
// that get comments the findings to quote, as indexes, not copies of the
// messages.
type mark struct {
	at       citedCell
	sev      report.Severity
	findings []int32
}

// marks gathers the findings by the cell of the bureau's sheets they cite,
// in the order the findings first cite them.
func (u *updater) marks() []mark {
	// Sized for a cell a finding, the most there can be: grown by
	// doubling, the two took twice their size again at a million tasks.
	index := make(map[citedCell]int, len(u.res.Findings))
	marks := make([]mark, 0, len(u.res.Findings))
	for i := range u.res.Findings {
		f := &u.res.Findings[i]
		if f.Cell == "" || !u.book.has(f.Sheet) {
			continue
		}
		k := citedCell{f.Sheet, f.Cell}
		j, ok := index[k]
		if !ok {
			j = len(marks)
			index[k] = j
			marks = append(marks, mark{at: k, sev: f.Severity})
		}
		marks[j].sev = max(marks[j].sev, f.Severity)
		if !u.big[f.Sheet] {
			marks[j].findings = append(marks[j].findings, int32(i))
		}
	}
	return marks
}

// fillOf is the index in xfs of cell format orig filled for severity sev,
// made on first use; finish adds those to the styles part.
func (u *updater) fillOf(orig int, sev report.Severity) int {
	key := [2]int{orig, int(sev)}
	fill, ok := u.fills[key]
	if !ok {
		fill = len(u.xfs)
		u.xfs = append(u.xfs, fillXf{orig: orig, color: sev.Fill()})
		u.fills[key] = fill
	}
	return fill
}

// comment writes the messages of findings as the comment of sheet!cell.
// Where the cell had a comment (old), the bureau's own text is kept and
// only innoreport's, after commentMark, replaced.
func (u *updater) comment(sheet, cell string, findings []int32, old excelize.Comment, had bool) error {
	msgs := make([]string, len(findings))
	for i, k := range findings {
		f := &u.res.Findings[k]
		msgs[i] = fmt.Sprintf("[%s] %s", f.Severity.Label(u.lang), f.Message.In(u.lang))
	}
	text := commentMark + strings.Join(msgs, "\n")
	if had {
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
	return u.f.AddComment(sheet, excelize.Comment{Author: "innoreport", Cell: cell, Text: text, Width: 320, Height: 120})
}

// sortFills puts each patch's fills in the order the sheet is written.
func (u *updater) sortFills() {
	for _, sp := range u.patches {
		slices.SortFunc(sp.restyle, func(a, b restyleCell) int { return cmp.Or(a.row-b.row, a.col-b.col) })
	}
}
