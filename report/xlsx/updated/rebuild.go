package updated

import (
	"archive/zip"
	"bytes"
	"strconv"
	"strings"

	"github.com/xuri/excelize/v2"

	"innoreport/report"
)

// rebuild makes a new workbook of the sheets as read: values, merged
// ranges, percentages and dates, but none of the original's formatting,
// comments or other parts. The summary says so. A macro-enabled package
// src keeps its VBA project: the output keeps its .xlsm name, and Excel
// refuses an .xlsm whose workbook is not macro-enabled.
func (u *updater) rebuild(wb *report.Workbook, src []byte) (*excelize.File, error) {
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
	if vba, enabled := macros(src); enabled {
		if vba != nil {
			if err := f.AddVBAProject(vba); err != nil {
				return nil, err
			}
		}
		// excelize makes the workbook macro-enabled as it writes, by the
		// extension of the path it was opened from.
		f.Path = "rebuilt.xlsm"
	}
	return f, nil
}

// macros tells whether package src's workbook is macro-enabled, and gives
// its VBA project where it has one that can be read.
func macros(src []byte) (vba []byte, enabled bool) {
	zr, err := zip.NewReader(bytes.NewReader(src), int64(len(src)))
	if err != nil {
		return nil, false
	}
	var types, project *zip.File
	for _, f := range zr.File {
		switch strings.ToLower(f.Name) {
		case "[content_types].xml":
			types = f
		case "xl/vbaproject.bin":
			project = f
		}
	}
	ct, err := readZipFile(types)
	if err != nil || !bytes.Contains(ct, []byte("macroEnabled.main+xml")) {
		return nil, false
	}
	if project == nil {
		return nil, true
	}
	b, err := readZipFile(project)
	if err != nil {
		return nil, true
	}
	return b, true
}
