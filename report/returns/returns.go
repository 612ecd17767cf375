// Package returns writes and reads the departments' return workbooks: the
// master split into one workbook per lead unit, its marker, and the master
// with the returns merged in. What is matched and how is the domain's
// (report.MatchReturn, report.Collect); this package is the workbooks.
package returns

import (
	"bytes"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"unicode"

	"github.com/xuri/excelize/v2"

	"innoreport/report"
)

// SplitOptions steer Split.
type SplitOptions struct {
	Password string // the sheets' protection password; "" protects without one
	Deadline string // shown in the note row, YYYY-MM-DD or ""
	Lang     report.Lang
}

// Split writes the return of one unit: the master's workbook with only the
// unit's rows, the columns it fills in unlocked and everything else
// locked, and its marker. The master's bytes are only read.
func Split(w io.Writer, master []byte, wb *report.Workbook, d *report.Data, part report.UnitPart, mk report.Marker, opts SplitOptions) error {
	f, err := excelize.OpenReader(bytes.NewReader(master))
	if err != nil {
		return err
	}
	defer f.Close()
	keep := map[string]bool{}
	for _, s := range d.Sheets {
		keep[s] = true
	}
	for _, s := range f.GetSheetList() {
		if !keep[s] {
			if err := f.DeleteSheet(s); err != nil {
				return err
			}
		}
	}
	var taskRows, indRows []int
	for _, t := range part.Tasks {
		taskRows = append(taskRows, t.Row)
	}
	for _, ind := range part.Indicators {
		indRows = append(indRows, ind.Row)
	}
	var allTasks, allInd []int
	for _, t := range d.Tasks {
		allTasks = append(allTasks, t.Row)
	}
	for _, ind := range d.Indicators {
		allInd = append(allInd, ind.Row)
	}
	sp := &splitter{f: f, d: d, wb: wb, opts: opts, styles: map[int]int{}}
	if err := sp.sheet("tasks", allTasks, taskRows); err != nil {
		return err
	}
	if err := sp.sheet("indicators", allInd, indRows); err != nil {
		return err
	}
	if s := d.Sheets["units"]; s != "" {
		if err := protect(f, s, opts.Password); err != nil {
			return err
		}
	}
	if err := writeMarker(f, mk); err != nil {
		return err
	}
	if i, err := f.GetSheetIndex(d.Sheets["tasks"]); err == nil && i >= 0 {
		f.SetActiveSheet(i)
	}
	return f.Write(w)
}

type splitter struct {
	f      *excelize.File
	d      *report.Data
	wb     *report.Workbook
	opts   SplitOptions
	styles map[int]int // a cell's style → the same, unlocked and tinted
}

// sheet keeps the header and the unit's rows of one role's sheet.
func (sp *splitter) sheet(role string, all, mine []int) error {
	name := sp.d.Sheets[role]
	if name == "" {
		return nil
	}
	g := sp.wb.Sheet(name)
	if g == nil {
		return fmt.Errorf("returns: sheet %s not read", name)
	}
	header := sp.d.HeaderRow[role]
	if err := sp.dropComments(name); err != nil {
		return err
	}
	if err := sp.spreadMerges(name, g, header); err != nil {
		return err
	}
	del := rowsToDelete(header, all, mine)
	if len(del) > CompactOver {
		if err := sp.compact(name, g, header, del); err != nil {
			return err
		}
	} else {
		for i := len(del) - 1; i >= 0; i-- {
			if err := sp.f.RemoveRow(name, del[i]+1); err != nil {
				return err
			}
		}
	}
	lastKept, err := sp.openFillable(role, name, header, mine, del)
	if err != nil {
		return err
	}
	if err := sp.note(role, name, lastKept); err != nil {
		return err
	}
	if err := printable(sp.f, name); err != nil {
		return err
	}
	return protect(sp.f, name, sp.opts.Password)
}

// dropComments removes the sheet's comments: they do not move with the
// rows (excelize leaves them where they were), so they would sit on other
// tasks.
func (sp *splitter) dropComments(name string) error {
	comments, err := sp.f.GetComments(name)
	if err != nil {
		return err
	}
	for _, c := range comments {
		if err := sp.f.DeleteComment(name, c.Cell); err != nil {
			return err
		}
	}
	return nil
}

// spreadMerges unmerges the ranges below the header, writing the top
// cell into each of their cells: a section merged down over its tasks
// holds its name in its first cell only, and with rows deleted the name
// would go with the first row.
func (sp *splitter) spreadMerges(name string, g *report.Sheet, header int) error {
	merges, err := sp.f.GetMergeCells(name)
	if err != nil {
		return err
	}
	for _, m := range merges {
		c1, r1, err := excelize.CellNameToCoordinates(m.GetStartAxis())
		if err != nil {
			return err
		}
		c2, r2, err := excelize.CellNameToCoordinates(m.GetEndAxis())
		if err != nil {
			return err
		}
		if r1-1 <= header || r2 == r1 {
			continue
		}
		if err := sp.f.UnmergeCell(name, m.GetStartAxis(), m.GetEndAxis()); err != nil {
			return err
		}
		top := g.At(r1-1, c1-1)
		for r := r1 + 1; r <= r2; r++ {
			for c := c1; c <= c2; c++ {
				if err := setCell(sp.f, name, report.CellName(c-1, r-1), top); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// rowsToDelete lists, sorted, the 0-based rows below header that the
// return drops: the tasks (all) not its own (mine), and the rows that are
// not tasks (section rows, blank rows) unless a kept task follows them
// before the next such row. Notes below the last task stay.
func rowsToDelete(header int, all, mine []int) []int {
	isRow := map[int]bool{}
	for _, r := range all {
		isRow[r] = true
	}
	keep := map[int]bool{}
	for _, r := range mine {
		keep[r] = true
	}
	last := header
	for _, r := range all {
		last = max(last, r)
	}
	var del []int
	for r := header + 1; r <= last; r++ {
		if isRow[r] {
			if !keep[r] {
				del = append(del, r)
			}
			continue
		}
		used := false
		for n := r + 1; n <= last && isRow[n]; n++ {
			used = used || keep[n]
		}
		if !used {
			del = append(del, r)
		}
	}
	slices.Sort(del)
	return del
}

// openFillable unlocks the fillable cells of the kept rows, now that del
// are gone, and validates status and progress; it returns the last kept
// row.
func (sp *splitter) openFillable(role, name string, header int, mine, del []int) (int, error) {
	moved := func(r int) int { // the 0-based row r after the deletions
		n, _ := slices.BinarySearch(del, r)
		return r - n
	}
	lastKept := header
	var fill []string
	for _, r := range mine {
		nr := moved(r)
		lastKept = max(lastKept, nr)
		for _, key := range report.Fillable[role] {
			col, ok := sp.d.Columns[role][key]
			if !ok {
				continue
			}
			cell := report.CellName(col, nr)
			if err := sp.unlock(name, cell); err != nil {
				return 0, err
			}
			if key == "status" || key == "progress" {
				fill = append(fill, key+"\x00"+cell)
			}
		}
	}
	return lastKept, sp.validate(name, fill)
}

// printable prints the sheet landscape, one page wide: a clerk prints the
// return to have it signed.
func printable(f *excelize.File, sheet string) error {
	land, one, zero, fit := "landscape", 1, 0, true
	if err := f.SetPageLayout(sheet, &excelize.PageLayoutOptions{Orientation: &land, FitToWidth: &one, FitToHeight: &zero}); err != nil {
		return err
	}
	return f.SetSheetProps(sheet, &excelize.SheetPropsOptions{FitToPage: &fit})
}

// unlock gives cell its own style, unlocked and tinted so a clerk sees
// what to fill in.
func (sp *splitter) unlock(sheet, cell string) error {
	id, err := sp.f.GetCellStyle(sheet, cell)
	if err != nil {
		return err
	}
	nid, ok := sp.styles[id]
	if !ok {
		st, err := sp.f.GetStyle(id)
		if err != nil {
			return err
		}
		st.Protection = &excelize.Protection{Locked: false}
		st.Fill = excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"FFF2CC"}}
		if nid, err = sp.f.NewStyle(st); err != nil {
			return err
		}
		sp.styles[id] = nid
	}
	return sp.f.SetCellStyle(sheet, cell, cell, nid)
}

// validate adds the status dropdown and the 0–100 limit on progress.
func (sp *splitter) validate(sheet string, cells []string) error {
	var status, progress []string
	for _, c := range cells {
		key, cell, _ := strings.Cut(c, "\x00")
		if key == "status" {
			status = append(status, cell)
		} else {
			progress = append(progress, cell)
		}
	}
	if len(status) > 0 {
		dv := excelize.NewDataValidation(true)
		dv.SetSqref(sqref(status))
		if err := dv.SetDropList(report.StatusChoices); err != nil {
			return err
		}
		dv.SetError(excelize.DataValidationErrorStyleStop, "状态 Status", "请从下拉列表中选择："+strings.Join(report.StatusChoices, "、"))
		if err := sp.f.AddDataValidation(sheet, dv); err != nil {
			return err
		}
	}
	if len(progress) > 0 {
		dv := excelize.NewDataValidation(true)
		dv.SetSqref(sqref(progress))
		if err := dv.SetRange(0, 100, excelize.DataValidationTypeDecimal, excelize.DataValidationOperatorBetween); err != nil {
			return err
		}
		dv.SetError(excelize.DataValidationErrorStyleStop, "完成进度 Progress", "请填写 0 到 100 之间的数字（如 85 表示 85%）")
		dv.SetInput("完成进度", "填 0–100 的数字，已完成填 100")
		if err := sp.f.AddDataValidation(sheet, dv); err != nil {
			return err
		}
	}
	return nil
}

// sqref joins cells of one column, in row order, into ranges: "J5:J20
// J22", rather than a list of hundreds of cells.
func sqref(cells []string) string {
	var out []string
	for i := 0; i < len(cells); {
		col, row, err := excelize.CellNameToCoordinates(cells[i])
		if err != nil {
			return strings.Join(cells, " ")
		}
		j := i + 1
		for ; j < len(cells); j++ {
			c, r, err := excelize.CellNameToCoordinates(cells[j])
			if err != nil || c != col || r != row+j-i {
				break
			}
		}
		if j-i == 1 {
			out = append(out, cells[i])
		} else {
			out = append(out, cells[i]+":"+cells[j-1])
		}
		i = j
	}
	return strings.Join(out, " ")
}

// note inserts, under the unit's last row, what to fill in and by when.
func (sp *splitter) note(role, sheet string, last int) error {
	var heads []string
	for _, key := range report.Fillable[role] {
		if col, ok := sp.d.Columns[role][key]; ok {
			heads = append(heads, "“"+strings.TrimSpace(strings.ReplaceAll(sp.headerText(role, col), "\n", ""))+"”")
		}
	}
	if len(heads) == 0 {
		return nil
	}
	by := ""
	if sp.opts.Deadline != "" {
		by = "，请于" + sp.opts.Deadline + "前报送"
	}
	text := fmt.Sprintf("填报说明：请只填写黄色单元格（%s）%s；其他列已锁定，请勿修改，也请勿删除或增加行。", strings.Join(heads, "、"), by)
	row := last + 2 // 1-based, the row under the last kept one
	if err := sp.f.InsertRows(sheet, row, 1); err != nil {
		return err
	}
	cell := report.CellName(0, row-1)
	if err := sp.f.SetCellStr(sheet, cell, text); err != nil {
		return err
	}
	width := max(sp.d.Width[role], 1)
	end := report.CellName(width-1, row-1)
	if width > 1 {
		if err := sp.f.MergeCell(sheet, cell, end); err != nil {
			return err
		}
	}
	st, err := sp.f.NewStyle(&excelize.Style{
		Font:      &excelize.Font{Bold: true, Color: "C00000"},
		Alignment: &excelize.Alignment{WrapText: true, Vertical: "center"},
	})
	if err != nil {
		return err
	}
	if err := sp.f.SetCellStyle(sheet, cell, end, st); err != nil {
		return err
	}
	return sp.f.SetRowHeight(sheet, row, 32)
}

// headerText is the header over col, the lowest non-blank of the header
// rows ("状态" under "完成情况").
func (sp *splitter) headerText(role string, col int) string {
	g := sp.wb.Sheet(sp.d.Sheets[role])
	for r := sp.d.HeaderRow[role]; r >= sp.d.HeaderTop[role]; r-- {
		if t := g.Text(r, col); t != "" {
			return t
		}
	}
	return ""
}

// protect locks the sheet: cells stay selectable, columns and rows
// resizable; nothing else may change but unlocked cells.
func protect(f *excelize.File, sheet, password string) error {
	return f.ProtectSheet(sheet, &excelize.SheetProtectionOptions{
		Password: password, SelectLockedCells: true, SelectUnlockedCells: true,
		FormatColumns: true, FormatRows: true,
	})
}

// setCell writes a read cell back as what it was: a number or text.
func setCell(f *excelize.File, sheet, cell string, c report.Cell) error {
	if c.Number {
		if v, err := strconv.ParseFloat(strings.TrimSpace(c.Text), 64); err == nil {
			return f.SetCellFloat(sheet, cell, v, -1, 64)
		}
	}
	return f.SetCellStr(sheet, cell, c.Text)
}

// FileName makes a unit's name (workbook text) safe as a file name on
// Windows, macOS and Linux: no separators, reserved characters, control
// characters, leading dots or trailing spaces, and not too long.
func FileName(unit string) string {
	var b strings.Builder
	for _, r := range strings.TrimSpace(unit) {
		switch {
		case unicode.IsSpace(r):
			b.WriteRune(' ')
		case strings.ContainsRune(`/\:*?"<>|`, r), unicode.IsControl(r):
			b.WriteRune('_')
		default:
			b.WriteRune(r)
		}
	}
	s := strings.Trim(b.String(), ". ")
	if r := []rune(s); len(r) > 80 {
		s = string(r[:80])
	}
	switch strings.ToUpper(s) {
	case "", "CON", "PRN", "AUX", "NUL", "COM1", "LPT1":
		s = "_" + s
	}
	return s
}
