package updated

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/xuri/excelize/v2"

	"innoreport/report"
)

// ref quotes a sheet name for a formula: '任务清单'!$N$5:$N$43.
func ref(sheet, rng string) string {
	return "'" + strings.ReplaceAll(sheet, "'", "''") + "'!" + rng
}

func cellName(col, row int) string { return report.CellName(col-1, row-1) }

// widths sets the widths of columns A, B, … in turn.
func (u *updater) widths(sheet string, ws ...float64) error {
	for i, w := range ws {
		name, _ := excelize.ColumnNumberToName(i + 1)
		if err := u.f.SetColWidth(sheet, name, name, w); err != nil {
			return err
		}
	}
	return nil
}

// set writes a constant: a string, a number or a date.
func (u *updater) set(sheet string, col, row int, v any, style string) error {
	c := newCell{col: col, style: u.styles[style]}
	switch v := v.(type) {
	case string:
		c.text = v
	case float64:
		c.num, c.number = true, v
	case int:
		c.num, c.number = true, float64(v)
	case time.Time:
		c.num, c.number = true, report.TimeToSerial(v, u.date1904)
	default:
		return fmt.Errorf("xlsx: a cell of %T", v)
	}
	u.cells(sheet).put(row, c)
	return nil
}

// formula writes a formula with its computed value stored beside it, typed
// as a number, for readers that do not recalculate.
func (u *updater) formula(sheet string, col, row int, formula string, cached float64, style string) error {
	u.cells(sheet).put(row, newCell{col: col, style: u.styles[style], num: true, number: cached, formula: formula})
	return nil
}

// optFormula writes a formula whose result may be blank: no value stored
// where there is none.
func (u *updater) optFormula(sh string, col, row int, formula string, v *float64) error {
	if v != nil {
		return u.formula(sh, col, row, formula, *v, "pct")
	}
	u.cells(sh).put(row, newCell{col: col, style: u.styles["pct"], formula: formula, noValue: true})
	return nil
}

// cells are the cells set on one of our sheets, made on first use. finish
// writes them into the empty sheet excelize made, as it writes the
// findings' rows (see sheetRows): excelize's cell by cell setting and
// marshalling was a fifth of a small build's updated workbook.
func (u *updater) cells(sheet string) *sheetRows {
	p := u.patch(sheet)
	r, ok := p.rows.(*sheetRows)
	if !ok {
		r = &sheetRows{byRow: map[int][]newCell{}}
		p.rows = r
	}
	return r
}

// sheetRows are cells held by row, given to the patch in order.
type sheetRows struct {
	byRow map[int][]newCell
	order []int // the rows, ascending, once next is first called
	i     int
}

// put sets a cell, replacing what row held at its column.
func (s *sheetRows) put(row int, c newCell) {
	cs := s.byRow[row]
	for i := range cs {
		if cs[i].col == c.col {
			cs[i] = c
			return
		}
	}
	s.byRow[row] = append(cs, c)
}

// dims are the last row and column set.
func (s *sheetRows) dims() (lastRow, maxCol int) {
	for r, cs := range s.byRow {
		lastRow = max(lastRow, r)
		for _, c := range cs {
			maxCol = max(maxCol, c.col)
		}
	}
	return lastRow, maxCol
}

func (s *sheetRows) next() int {
	if s.order == nil {
		s.order = slices.Sorted(maps.Keys(s.byRow))
	}
	if s.i == len(s.order) {
		return 0
	}
	return s.order[s.i]
}

func (s *sheetRows) take(cells []newCell) ([]newCell, float64) {
	cs := s.byRow[s.order[s.i]]
	s.i++
	slices.SortFunc(cs, func(a, b newCell) int { return a.col - b.col })
	return append(cells, cs...), 0
}

// printable lays a sheet of ours out to print landscape, one page wide.
func (u *updater) printable(sh string) error {
	land, one, zero := "landscape", 1, 0
	fit := true
	if err := u.f.SetPageLayout(sh, &excelize.PageLayoutOptions{Orientation: &land, FitToWidth: &one, FitToHeight: &zero}); err != nil {
		return err
	}
	return u.f.SetSheetProps(sh, &excelize.SheetPropsOptions{FitToPage: &fit})
}

// table writes a titled table's label at row and its header below it,
// returning the header's row.
func (u *updater) table(sh string, row int, label string, headers []string) (int, error) {
	if err := u.set(sh, 1, row, label, "label"); err != nil {
		return 0, err
	}
	return row + 1, u.header(sh, row+1, headers)
}

func (u *updater) header(sh string, row int, headers []string) error {
	for i, h := range headers {
		if err := u.set(sh, i+1, row, h, "header"); err != nil {
			return err
		}
	}
	return nil
}

// criterion quotes one of innoreport's own labels (no wildcards) for a
// formula.
func criterion(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }

// chartFont is the charts' text colour: excelize's default is the text
// colour lightened 85%, too pale to read on paper.
var chartFont = excelize.Font{Color: "404040"}
