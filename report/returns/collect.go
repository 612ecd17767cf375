package returns

import (
	"bytes"
	"io"
	"strings"

	"github.com/xuri/excelize/v2"

	"innoreport/report"
)

// WriteCollected writes the master with the returns' cells in it and a
// 报送情况 sheet, everything else in the master kept. Only the cells that
// change are written, each as its column reads it: a progress of 85 goes
// into a percentage-formatted cell as 0.85.
func WriteCollected(w io.Writer, master []byte, password string, updates []report.CellUpdate, status []report.ReturnStatus, lang report.Lang) error {
	f, err := excelize.OpenReader(bytes.NewReader(master), excelize.Options{Password: password})
	if err != nil {
		return err
	}
	defer f.Close()
	for _, u := range updates {
		if err := setUpdate(f, u); err != nil {
			return err
		}
	}
	name := report.StatusSheet.In(lang)
	for _, s := range []string{report.StatusSheet.Zh, report.StatusSheet.En} {
		if i, err := f.GetSheetIndex(s); err == nil && i >= 0 {
			if err := f.DeleteSheet(s); err != nil {
				return err
			}
		}
	}
	if _, err := f.NewSheet(name); err != nil {
		return err
	}
	head, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}, Fill: excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"D9E1F2"}}})
	if err != nil {
		return err
	}
	for i, h := range report.StatusHeaders {
		cell := report.CellName(i, 0)
		if err := f.SetCellStr(name, cell, h.In(lang)); err != nil {
			return err
		}
		if err := f.SetCellStyle(name, cell, cell, head); err != nil {
			return err
		}
	}
	styles := map[report.ReturnState]int{}
	for _, st := range report.ReturnStates { // in order: style ids stay put
		if styles[st], err = f.NewStyle(&excelize.Style{Fill: excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{st.Color()}}}); err != nil {
			return err
		}
	}
	for r, s := range status {
		row := []any{s.Unit, s.State.Label(lang), s.File, s.Received, s.SHA256, s.RowsUpdated, s.Findings}
		if s.State == report.ReturnMissing {
			row = []any{s.Unit, s.State.Label(lang)}
		}
		cell := report.CellName(0, r+1)
		if err := f.SetSheetRow(name, cell, &row); err != nil {
			return err
		}
		st := report.CellName(1, r+1)
		if err := f.SetCellStyle(name, st, st, styles[s.State]); err != nil {
			return err
		}
	}
	for i, wd := range []float64{34, 10, 30, 26, 66, 10, 8} {
		col := report.ColumnName(i)
		if err := f.SetColWidth(name, col, col, wd); err != nil {
			return err
		}
	}
	return f.Write(w)
}

func setUpdate(f *excelize.File, u report.CellUpdate) error {
	if u.Number != nil && u.Number.OK && u.Number.Op == "" {
		v := u.Number.Value
		if u.MasterFormat == report.FormatPercent {
			v /= 100
		}
		return f.SetCellFloat(u.Sheet, u.Cell, v, -1, 64)
	}
	return f.SetCellStr(u.Sheet, u.Cell, strings.TrimSpace(u.Value.Text))
}
