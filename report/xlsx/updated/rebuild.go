package updated

import (
	"strconv"

	"github.com/xuri/excelize/v2"

	"innoreport/report"
)

// rebuild makes a new workbook of the sheets as read: values, merged
// ranges, percentages and dates, but none of the original's formatting,
// comments or other parts. The summary says so.
func (u *updater) rebuild(wb *report.Workbook) (*excelize.File, error) {
	f := excelize.NewFile()
	u.originals, u.rebuilt = nil, true
	pct, err := f.NewStyle(&excelize.Style{NumFmt: 10})
	if err != nil {
		return nil, err
	}
	date, err := f.NewStyle(&excelize.Style{NumFmt: 14})
	if err != nil {
		return nil, err
	}
	for i, sh := range wb.Sheets {
		if i == 0 {
			if err := f.SetSheetName("Sheet1", sh.Name); err != nil {
				return nil, err
			}
		} else if _, err := f.NewSheet(sh.Name); err != nil {
			return nil, err
		}
		for _, m := range sh.Merges {
			if err := f.MergeCell(sh.Name, cellName(m.C1+1, m.R1+1), cellName(m.C2+1, m.R2+1)); err != nil {
				return nil, err
			}
		}
		for r, row := range sh.Rows {
			for c, cell := range row {
				if cell.Merged || cell.Text == "" {
					continue // a merged range's value is written once, in its first cell
				}
				ref := cellName(c+1, r+1)
				v, err := strconv.ParseFloat(cell.Text, 64)
				if !cell.Number || err != nil {
					if err := f.SetCellStr(sh.Name, ref, cell.Text); err != nil {
						return nil, err
					}
					continue
				}
				if err := f.SetCellFloat(sh.Name, ref, v, -1, 64); err != nil {
					return nil, err
				}
				style := map[report.NumFormat]int{report.FormatPercent: pct, report.FormatDate: date}[cell.Format]
				if style > 0 {
					if err := f.SetCellStyle(sh.Name, ref, ref, style); err != nil {
						return nil, err
					}
				}
			}
		}
		if sh.Hidden {
			if err := f.SetSheetVisible(sh.Name, false); err != nil {
				return nil, err
			}
		}
	}
	return f, nil
}
