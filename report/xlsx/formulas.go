package xlsx

import (
	"bytes"
	"strconv"

	"github.com/xuri/excelize/v2"

	"innoreport/report"
)

// computeFormulas asks excelize to compute the formulas saved without a
// result, which scripts and openpyxl write: each one computed is an info
// finding at its cell, so the figure can be checked against the source;
// each one that cannot be is a warning, and its cell stays empty rather
// than pretending to be blank.
func computeFormulas(wb *report.Workbook, data []byte, refs []formulaRef) {
	const most = 1000
	f, err := excelize.OpenReader(bytes.NewReader(data))
	if f != nil {
		defer f.Close()
	}
	for i, fr := range refs {
		s := wb.Sheets[fr.sheetIndex]
		ref := report.CellName(fr.col, fr.row)
		cell := s.At(fr.row, fr.col)
		formula := ""
		if err == nil && i < most {
			formula, _ = f.GetCellFormula(fr.sheet, ref)
			if v, cerr := f.CalcCellValue(fr.sheet, ref, excelize.Options{RawCellValue: true}); cerr == nil && v != "" {
				cell.Text = v
				_, perr := strconv.ParseFloat(v, 64)
				cell.Number = perr == nil
				setCell(s, fr.row, fr.col, cell)
				wb.Findings = append(wb.Findings, report.Finding{
					Severity: report.Info, Rule: report.RuleFormulaComputed, Sheet: fr.sheet, Cell: ref, Value: v,
					Message: report.Text{
						Zh: "公式 =" + formula + " 没有保存计算结果，已按公式算得 " + v + "；如有出入，请用 Excel 或 WPS 打开并保存后重试",
						En: "formula =" + formula + " had no stored result and was computed as " + v + "; if that is wrong, open and save it in Excel or WPS, then try again",
					},
				})
				continue
			}
		}
		cell.Text, cell.Number = "", false
		setCell(s, fr.row, fr.col, cell)
		wb.Findings = append(wb.Findings, report.Finding{
			Severity: report.Warning, Rule: report.RuleFormulaUncached, Sheet: fr.sheet, Cell: ref, Value: "=" + formula,
			Message: report.Text{
				Zh: "公式 =" + formula + " 没有保存计算结果，也无法计算，其值未计入；请用 Excel 或 WPS 打开并保存后重试",
				En: "formula =" + formula + " has no stored result and cannot be computed, so its value is left out: open and save it in Excel or WPS, then try again",
			},
		})
	}
}

func setCell(s *report.Sheet, r, c int, cell report.Cell) {
	for len(s.Rows) <= r {
		s.Rows = append(s.Rows, nil)
	}
	for len(s.Rows[r]) <= c {
		s.Rows[r] = append(s.Rows[r], report.Cell{})
	}
	s.Rows[r][c] = cell
}
