package returns

import (
	"strings"

	"github.com/xuri/excelize/v2"

	"innoreport/report"
)

// CompactOver is how many rows to remove before split stops removing them
// one by one: excelize's RemoveRow keeps merges, validations and
// conditional formats right but walks the whole sheet for every row, so a
// 2,000-task master took minutes. Above it the kept rows are moved up in
// one pass instead.
var CompactOver = 300

// compact moves the kept rows up over the removed ones, cell by cell
// (values, styles, heights, merges across a row), and empties the rows
// left at the bottom; a formula moved becomes its value. Unlike RemoveRow
// it does not carry the master's own
// data validations (they are removed; split adds its own), conditional
// formats, comments or links on those rows to their new places.
func (sp *splitter) compact(name string, g *report.Sheet, header int, del []int) error {
	width, last := 0, len(g.Rows)-1
	for _, r := range g.Rows {
		width = max(width, len(r))
	}
	across, err := sp.unmergeBelow(name, header)
	if err != nil {
		return err
	}
	if err := sp.f.DeleteDataValidation(name); err != nil {
		return err
	}
	gone := map[int]bool{}
	for _, r := range del {
		gone[r] = true
	}
	dst := header + 1
	for src := header + 1; src <= last; src++ {
		if gone[src] {
			continue
		}
		if src != dst {
			if err := sp.moveRow(name, g, src, dst, width); err != nil {
				return err
			}
		}
		for _, span := range across[src] {
			if err := sp.f.MergeCell(name, report.CellName(span[0], dst), report.CellName(span[1], dst)); err != nil {
				return err
			}
		}
		dst++
	}
	for r := dst; r <= last; r++ {
		for c := range width {
			cell := report.CellName(c, r)
			if err := sp.f.SetCellValue(name, cell, nil); err != nil {
				return err
			}
			if err := sp.f.SetCellStyle(name, cell, cell, 0); err != nil {
				return err
			}
		}
	}
	return nil
}

// unmergeBelow unmerges the ranges below header and returns, by 0-based
// row, the column spans that were merged across it, to merge again where
// the row goes.
func (sp *splitter) unmergeBelow(name string, header int) (map[int][][2]int, error) {
	merges, err := sp.f.GetMergeCells(name)
	if err != nil {
		return nil, err
	}
	across := map[int][][2]int{}
	for _, m := range merges {
		c1, r1, err := excelize.CellNameToCoordinates(m.GetStartAxis())
		if err != nil {
			return nil, err
		}
		c2, _, err := excelize.CellNameToCoordinates(m.GetEndAxis())
		if err != nil {
			return nil, err
		}
		if r1-1 <= header {
			continue
		}
		across[r1-1] = append(across[r1-1], [2]int{c1 - 1, c2 - 1})
		if err := sp.f.UnmergeCell(name, m.GetStartAxis(), m.GetEndAxis()); err != nil {
			return nil, err
		}
	}
	return across, nil
}

// moveRow copies row src to row dst (0-based): values, styles, height.
func (sp *splitter) moveRow(name string, g *report.Sheet, src, dst, width int) error {
	for c := range width {
		from, to := report.CellName(c, src), report.CellName(c, dst)
		cell := g.At(src, c)
		var err error
		if strings.TrimSpace(cell.Text) == "" {
			err = sp.f.SetCellValue(name, to, nil)
		} else {
			err = setCell(sp.f, name, to, cell)
		}
		if err != nil {
			return err
		}
		st, err := sp.f.GetCellStyle(name, from)
		if err != nil {
			return err
		}
		if err := sp.f.SetCellStyle(name, to, to, st); err != nil {
			return err
		}
	}
	ht, err := sp.f.GetRowHeight(name, src+1)
	if err != nil {
		return err
	}
	return sp.f.SetRowHeight(name, dst+1, ht)
}
