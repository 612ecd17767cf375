package updated

import (
	"github.com/xuri/excelize/v2"

	"innoreport/report"
)

// book is what the writer takes of the workbook as read, once, before it
// writes: each sheet's size, the tasks sheet's header rows, and the few
// cells it cites (the indicators' figures, the cells with findings). The
// figures themselves come from the result. Only rebuild, for a package
// excelize cannot open, goes back to the grid.
type book struct {
	rows   map[string]int // sheet → rows read, for every sheet
	header [][]string     // the tasks sheet's header rows, top to bottom
	cells  map[citedCell]report.Cell
}

type citedCell struct{ sheet, cell string }

func bookOf(wb *report.Workbook, res *report.Result) *book {
	b := &book{rows: map[string]int{}, cells: map[citedCell]report.Cell{}}
	for _, s := range wb.Sheets {
		b.rows[s.Name] = len(s.Rows)
	}
	cite := func(sheet, cell string) {
		grid := wb.Sheet(sheet)
		col, row, err := excelize.CellNameToCoordinates(cell)
		if grid != nil && err == nil {
			b.cells[citedCell{sheet, cell}] = grid.At(row-1, col-1)
		}
	}
	if tasks := wb.Sheet(res.Sheets[string(report.RoleTasks)]); tasks != nil && res.Data != nil {
		for r := res.Data.HeaderTop[string(report.RoleTasks)]; r <= res.Data.HeaderRow[string(report.RoleTasks)] && r < len(tasks.Rows); r++ {
			texts := make([]string, len(tasks.Rows[r]))
			for c := range texts {
				texts[c] = tasks.Text(r, c)
			}
			b.header = append(b.header, texts)
		}
	}
	for _, ind := range res.Indicators {
		for _, key := range []string{"baseline", "target", "actual"} {
			cite(res.Sheets[string(report.RoleIndicators)], ind.Indicator.Cells.Get(key))
		}
	}
	for _, f := range res.Findings {
		if f.Cell != "" {
			cite(f.Sheet, f.Cell)
		}
	}
	return b
}

// has says whether the workbook read has a sheet of that name.
func (b *book) has(sheet string) bool {
	_, ok := b.rows[sheet]
	return ok
}

// cell is a cell the writer cites, as read.
func (b *book) cell(sheet, cell string) report.Cell { return b.cells[citedCell{sheet, cell}] }
