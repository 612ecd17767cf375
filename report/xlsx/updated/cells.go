package updated

import (
	"strings"

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

// set writes a constant.
func (u *updater) set(sheet string, col, row int, v any, style string) error {
	c := cellName(col, row)
	if err := u.f.SetCellValue(sheet, c, v); err != nil {
		return err
	}
	if style != "" {
		return u.f.SetCellStyle(sheet, c, c, u.styles[style])
	}
	return nil
}

// formula writes a formula with its computed value stored beside it, typed
// as a number, for readers that do not recalculate.
func (u *updater) formula(sheet string, col, row int, formula string, cached float64, style string) error {
	c := cellName(col, row)
	if err := u.f.SetCellValue(sheet, c, cached); err != nil {
		return err
	}
	if err := u.f.SetCellFormula(sheet, c, formula); err != nil {
		return err
	}
	if u.numbers[sheet] == nil {
		u.numbers[sheet] = map[string]bool{}
	}
	u.numbers[sheet][c] = true
	if style != "" {
		return u.f.SetCellStyle(sheet, c, c, u.styles[style])
	}
	return nil
}

// optFormula writes a formula whose result may be blank: no value stored
// where there is none.
func (u *updater) optFormula(sh string, col, row int, formula string, v *float64) error {
	if v != nil {
		return u.formula(sh, col, row, formula, *v, "pct")
	}
	c := cellName(col, row)
	if err := u.f.SetCellFormula(sh, c, formula); err != nil {
		return err
	}
	return u.f.SetCellStyle(sh, c, c, u.styles["pct"])
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
