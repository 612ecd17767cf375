package updated

import (
	"github.com/xuri/excelize/v2"

	"innoreport/report"
	"innoreport/report/xlsx"
)

// Book is the workbook as read, as the writer takes it: read whole
// (WholeBook), or streamed and never held (StreamedBook), when the few
// cells the writer cites are those the stream kept (the indicators'
// figures whole, the cells findings are pinned to with their style
// alone), and any other read again from the package.
type Book struct {
	name string           // the workbook's name, for errors
	wb   *report.Workbook // the grid, where it was read whole
	rows map[string]int   // rows read, by sheet, where it was streamed
	read xlsx.Options     // how it was read, to read it again
}

// WholeBook is a workbook read whole.
func WholeBook(wb *report.Workbook) *Book { return &Book{name: wb.Name, wb: wb} }

// StreamedBook is a workbook that was streamed under name with the
// options read: data is the result's (its sheets' rows and header).
func StreamedBook(name string, data *report.Data, read xlsx.Options) *Book {
	return &Book{name: name, rows: data.SheetRows, read: read}
}

// grid reads the workbook whole, from the package src (decrypted), where
// it was not: only rebuild needs it.
func (b *Book) grid(src []byte) (*report.Workbook, error) {
	if b.wb != nil {
		return b.wb, nil
	}
	read := b.read
	read.Password = ""
	wb, err := xlsx.Read(b.name, src, read)
	if err == nil {
		b.wb = wb
	}
	return wb, err
}

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

// bookOf takes what the writer needs of b for res, reading the cited
// cells again from src (the decrypted package) where b was streamed.
func bookOf(b *Book, src []byte, res *report.Result) (*book, error) {
	bk := &book{rows: b.rows, cells: map[citedCell]report.Cell{}}
	if res.Data != nil && res.Sheets[string(report.RoleTasks)] != "" {
		bk.header = res.Data.TaskHeader
	}
	if b.wb != nil {
		bk.rows = map[string]int{}
		for _, s := range b.wb.Sheets {
			bk.rows[s.Name] = len(s.Rows)
		}
	}
	type cited struct {
		key      citedCell
		row, col int
	}
	// Sized once: a million tasks cite some 400,000 cells, and growing
	// by doubling allocated twice that.
	all := make([]cited, 0, len(res.Findings)+3*len(res.Indicators))
	want := map[string]map[[2]int]bool{}
	cite := func(sheet, cell string) {
		col, row, err := excelize.CellNameToCoordinates(cell)
		if _, ok := bk.rows[sheet]; !ok || err != nil {
			return
		}
		if want[sheet] == nil {
			want[sheet] = map[[2]int]bool{}
		}
		want[sheet][[2]int{row - 1, col - 1}] = true
		all = append(all, cited{citedCell{sheet, cell}, row - 1, col - 1})
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
	at := func(sheet string, r, c int) report.Cell { return b.wb.Sheet(sheet).At(r, c) }
	if b.wb == nil {
		var err error
		if at, err = b.kept(src, res.Data, want); err != nil {
			return nil, err
		}
	}
	bk.cells = make(map[citedCell]report.Cell, len(all))
	for _, c := range all {
		bk.cells[c.key] = at(c.key.sheet, c.row, c.col)
	}
	return bk, nil
}

// kept looks up the cells want names in what the streamed workbook kept
// of them (report.Data.KeptCell), reading those it did not keep from the
// package src once more.
func (b *Book) kept(src []byte, data *report.Data, want map[string]map[[2]int]bool) (func(string, int, int) report.Cell, error) {
	missing := map[string]map[[2]int]bool{}
	for sheet, cells := range want {
		for k := range cells {
			if _, ok := data.KeptCell(sheet, k[0], k[1]); !ok {
				if missing[sheet] == nil {
					missing[sheet] = map[[2]int]bool{}
				}
				missing[sheet][k] = true
			}
		}
	}
	var got map[string]map[[2]int]report.Cell
	if len(missing) > 0 {
		read := b.read
		read.Password = ""
		var err error
		if got, err = xlsx.Cells(b.name, src, read, missing); err != nil {
			return nil, err
		}
	}
	return func(sheet string, r, c int) report.Cell {
		if missing[sheet][[2]int{r, c}] {
			return got[sheet][[2]int{r, c}]
		}
		cell, _ := data.KeptCell(sheet, r, c)
		return cell
	}, nil
}

// has says whether the workbook read has a sheet of that name.
func (b *book) has(sheet string) bool {
	_, ok := b.rows[sheet]
	return ok
}

// cell is a cell the writer cites, as read.
func (b *book) cell(sheet, cell string) report.Cell { return b.cells[citedCell{sheet, cell}] }
