package xlsx

import (
	"archive/zip"
	"bytes"
	"errors"
	"fmt"
	"html"
	"io"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/xuri/excelize/v2"

	"innoreport/report"
)

// WriteOptions steer the updated workbook.
type WriteOptions struct {
	Lang     report.Lang // zh or en: sheet names, headers, labels
	Annotate bool        // fill and comment the cells with findings in the source sheets
	Password string      // the input's password; the output is encrypted with it too
	// UnzipSize bounds what excelize may unpack when it reopens the
	// package (0: DefaultLimits'); Read has already checked the input.
	UnzipSize int64
	// Compare, where set, adds the previous period's completion rate and
	// the change to the summary's totals.
	Compare *report.Comparison
}

// Names of what innoreport adds, by language. A workbook updated before
// has them already: they are replaced, not added twice.
type names struct {
	summary, indicators, findings string
	cols                          []string
}

func namesFor(lang report.Lang) names {
	if lang == "en" {
		return names{"Summary", "Indicators attained", "Findings",
			[]string{"Assessed status", "Due by now", "Section (summary)", "Lead unit (summary)", "Action type (summary)"}}
	}
	return names{"汇总", "指标达成", "校验结果",
		[]string{"评估状态", "序时进度", "所属板块", "牵头单位（汇总）", "动作类型（汇总）"}}
}

// commentMark starts every comment innoreport writes, so a rebuild can
// find and replace its own.
const commentMark = "innoreport: "

// WriteUpdated writes the bureau's workbook src with the results of res
// written into it: assessed columns on the tasks sheet, and summary,
// indicator and findings sheets whose figures are live formulas with
// their computed values stored beside them.
func WriteUpdated(w io.Writer, src []byte, wb *report.Workbook, res *report.Result, opts WriteOptions) (err error) {
	// excelize panics on some packages it reads without complaint; the
	// user gets one line naming the file, not a crash.
	defer func() {
		if r := recover(); r != nil {
			err = writeError(wb.Name, fmt.Sprint(r))
		}
	}()
	if err := writeUpdated(w, src, wb, res, opts); err != nil {
		var be *report.BilingualError
		if errors.As(err, &be) {
			return err
		}
		return writeError(wb.Name, err.Error())
	}
	return nil
}

// ErrWrite is a failure to write the updated workbook of a workbook that
// was read.
var ErrWrite = errors.New("xlsx: cannot write the updated workbook")

func writeError(name, detail string) error {
	detail = strings.Join(strings.Fields(detail), " ")
	return &report.BilingualError{Err: ErrWrite, Msg: report.Text{
		Zh: name + ": 无法写出更新后的工作簿（" + detail + "），请在 Excel 或 WPS 中打开并另存为 .xlsx 后重试",
		En: name + ": cannot write the updated workbook (" + detail + "): open it in Excel or WPS, save it as .xlsx and try again",
	}}
}

func writeUpdated(w io.Writer, src []byte, wb *report.Workbook, res *report.Result, opts WriteOptions) (err error) {
	unzip := opts.UnzipSize
	if unzip <= 0 {
		unzip = DefaultLimits.UnzipSize
	}
	if opts.Password != "" && !bytes.HasPrefix(src, []byte("PK")) {
		// Decrypted first, so that what follows sees the package itself.
		if src, err = excelize.Decrypt(src, &excelize.Options{Password: opts.Password}); err != nil {
			return fmt.Errorf("xlsx: decrypting the workbook: %w", err)
		}
	}
	if src, err = prepareInput(src); err != nil {
		return fmt.Errorf("xlsx: preparing the workbook: %w", err)
	}
	u := newUpdater(wb, res, opts)
	if src, err = u.stubBig(src); err != nil {
		return err
	}
	patched, err := u.write(func() (*excelize.File, error) {
		return excelize.OpenReader(bytes.NewReader(src), excelize.Options{UnzipSizeLimit: unzip})
	}, opts.Annotate)
	if err != nil {
		// A package the reader got through and excelize cannot update
		// (part names in the wrong case, beta-Office namespaces, a
		// truncated part, an entity bomb in the shared strings): the
		// workbook is rebuilt from what was read.
		u = newUpdater(wb, res, opts)
		if patched, err = u.write(u.rebuild, opts.Annotate); err != nil {
			return err
		}
	}
	if opts.Password == "" {
		return SortZip(w, patched)
	}
	var sorted bytes.Buffer
	if err := SortZip(&sorted, patched); err != nil {
		return err
	}
	enc, err := excelize.Encrypt(sorted.Bytes(), &excelize.Options{Password: opts.Password})
	if err != nil {
		return err
	}
	_, err = w.Write(enc)
	return err
}

func newUpdater(wb *report.Workbook, res *report.Result, opts WriteOptions) *updater {
	u := &updater{wb: wb, res: res, lang: opts.Lang, compare: opts.Compare, n: namesFor(opts.Lang), fills: map[[2]int]int{},
		patches: map[string]*sheetPatch{}, numbers: map[string]map[string]bool{}, big: map[string]bool{}}
	for _, s := range wb.Sheets {
		u.big[s.Name] = len(s.Rows) > commentRows
	}
	return u
}

// write adds innoreport's sheets and columns to the workbook open gives,
// returning the finished package.
func (u *updater) write(open func() (*excelize.File, error), annotate bool) (out []byte, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("excelize: %v", r)
		}
	}()
	f, err := open()
	if err != nil {
		return nil, fmt.Errorf("xlsx: reopening the workbook: %w", err)
	}
	defer f.Close()
	u.f = f
	for _, step := range []func() error{u.prepare, u.tasks, u.summary, u.indicators, u.findings} {
		if err := step(); err != nil {
			return nil, err
		}
	}
	if annotate {
		if err := u.annotate(); err != nil {
			return nil, err
		}
	}
	full := true
	if err := f.SetCalcProps(&excelize.CalcPropsOptions{FullCalcOnLoad: &full}); err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		return nil, err
	}
	return u.finish(buf.Bytes())
}

// rebuild makes a new workbook of the sheets as read: values, merged
// ranges, percentages and dates, but none of the original's formatting,
// comments or other parts. The summary says so.
func (u *updater) rebuild() (*excelize.File, error) {
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
	for i, sh := range u.wb.Sheets {
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

// stubBig hands excelize an empty sheet in place of each sheet too large
// for it to hold (more than commentRows rows): excelize only needs to
// carry such a sheet through, and would read its whole XML into memory to
// do so. applyPatches puts the original back, patched.
func (u *updater) stubBig(src []byte) ([]byte, error) {
	big := u.big
	if !slices.Contains(slices.Collect(maps.Values(big)), true) {
		return src, nil
	}
	zr, err := zip.NewReader(bytes.NewReader(src), int64(len(src)))
	if err != nil {
		return nil, err
	}
	p := &pkg{name: "input", lim: DefaultLimits, files: map[string]*zip.File{}, deadline: time.Now().Add(time.Hour)}
	p.lim.UnzipSize = math.MaxInt64
	for _, f := range zr.File {
		p.files[strings.ToLower(f.Name)] = f
	}
	sheets, _, err := p.workbook()
	if err != nil {
		return nil, err
	}
	rels := p.rels("xl/_rels/workbook.xml.rels", "xl")
	u.originals = map[string]*zip.File{}
	for _, se := range sheets {
		if part := strings.ToLower(rels.byID[se.part]); big[se.name] && p.files[part] != nil {
			u.originals[part] = p.files[part]
		}
	}
	var out bytes.Buffer
	zw := zip.NewWriter(&out)
	for _, f := range zr.File {
		if u.originals[strings.ToLower(f.Name)] == nil {
			if err := zw.Copy(f); err != nil {
				return nil, err
			}
			continue
		}
		fw, err := zw.Create(f.Name)
		if err != nil {
			return nil, err
		}
		if _, err := io.WriteString(fw, `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>`+
			`<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData/></worksheet>`); err != nil {
			return nil, err
		}
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return out.Bytes(), nil
}

// patch returns the patch of a source sheet, making it on first use.
func (u *updater) patch(sheet string) *sheetPatch {
	p := u.patches[sheet]
	if p == nil {
		p = &sheetPatch{cells: map[int][]newCell{}, restyle: map[int]map[int]int{}}
		u.patches[sheet] = p
	}
	return p
}

// finish rewrites the package excelize wrote, part by part: the cell
// formats for findings are added to the styles, the source sheets are
// patched (see sheetPatch), and the stored values of our formulas typed.
func (u *updater) finish(data []byte) ([]byte, error) {
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return nil, err
	}
	p := &pkg{name: "updated", lim: DefaultLimits.withDefaults(), files: map[string]*zip.File{}}
	p.lim.UnzipSize = math.MaxInt64
	p.deadline = time.Now().Add(time.Hour)
	for _, f := range zr.File {
		p.files[strings.ToLower(f.Name)] = f
	}
	sheets, _, err := p.workbook()
	if err != nil {
		return nil, err
	}
	rels := p.rels("xl/_rels/workbook.xml.rels", "xl")
	parts := map[string]*sheetPatch{}
	numbers := map[string]map[string]bool{}
	for _, se := range sheets {
		part := strings.ToLower(rels.byID[se.part])
		if sp := u.patches[se.name]; sp != nil {
			parts[part] = sp
		}
		if n := u.numbers[se.name]; n != nil {
			numbers[part] = n
		}
	}
	// The styles first: the sheets' patches refer to the formats added.
	stylesPart := strings.ToLower(rels.byType["styles"])
	var styles []byte
	if len(u.xfs) > 0 {
		b, err := readZipFile(p.files[stylesPart])
		if err != nil {
			return nil, err
		}
		var base int
		if styles, base, err = addFillXfs(b, u.xfs); err != nil {
			return nil, err
		}
		for _, sp := range u.patches {
			for _, cols := range sp.restyle {
				for c, k := range cols {
					cols[c] = base + k
				}
			}
		}
	}
	var out bytes.Buffer
	zw := zip.NewWriter(&out)
	for _, f := range zr.File {
		name := strings.ToLower(f.Name)
		sp := parts[name]
		switch {
		case sp == nil && u.originals[name] == nil && (prunable(f) || name == stylesPart || numbers[name] != nil):
			b, err := readZipFile(f)
			if err != nil {
				return nil, err
			}
			if name == stylesPart {
				if styles != nil {
					b = styles
				}
				b = normaliseColours(b)
			}
			if numbers[name] != nil {
				b = typeNumbers(b, numbers[name])
			}
			if prunable(f) {
				b = pruneNamespaces(b)
			}
			if err := writePart(zw, f.Name, b); err != nil {
				return nil, err
			}
			continue
		}
		if orig := u.originals[name]; orig != nil {
			// The stub excelize carried: the original goes back.
			if sp == nil {
				if err := zw.Copy(orig); err != nil {
					return nil, err
				}
				continue
			}
			f = orig
		} else if sp == nil {
			if err := zw.Copy(f); err != nil {
				return nil, err
			}
			continue
		}
		rc, err := f.Open()
		if err != nil {
			return nil, err
		}
		fw, err := zw.CreateHeader(&zip.FileHeader{Name: f.Name, Method: zip.Deflate})
		if err != nil {
			rc.Close()
			return nil, err
		}
		if prunable(f) {
			var b bytes.Buffer
			if err = sp.apply(&b, rc); err == nil {
				_, err = fw.Write(pruneNamespaces(b.Bytes()))
			}
		} else {
			err = sp.apply(fw, rc)
		}
		rc.Close()
		if err != nil {
			return nil, fmt.Errorf("xlsx: updating %s: %w", f.Name, err)
		}
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return out.Bytes(), nil
}

// prunable says whether a part is one whose unused namespace
// declarations finish drops: the worksheets and styles excelize wrote,
// when small enough to hold (a findings sheet of 100,000 tasks is not
// read back into memory for this).
func prunable(f *zip.File) bool {
	name := strings.ToLower(f.Name)
	return (name == "xl/styles.xml" || strings.HasPrefix(name, "xl/worksheets/sheet")) &&
		strings.HasSuffix(name, ".xml") && f.UncompressedSize64 < 16<<20
}

func writePart(zw *zip.Writer, name string, b []byte) error {
	w, err := zw.CreateHeader(&zip.FileHeader{Name: name, Method: zip.Deflate})
	if err != nil {
		return err
	}
	_, err = w.Write(b)
	return err
}

type updater struct {
	f       *excelize.File
	wb      *report.Workbook
	res     *report.Result
	patches map[string]*sheetPatch // source sheet → what changes in it
	// originals are the big sheets' parts in the input, stubbed for
	// excelize (see stubBig), by lower-case part name.
	originals map[string]*zip.File
	big       map[string]bool // sheets of more than commentRows rows
	rebuilt   bool            // excelize could not open the input: see rebuild
	lang      report.Lang
	n         names
	compare   *report.Comparison

	statusCol, sectionCol, leadCol, actionCol string // column letters on the tasks sheet
	firstRow, lastRow                         int    // task rows, 1-based
	styles                                    map[string]int
	fontSize                                  float64 // the workbook's default, in points
	// fills maps a cell's original format and a severity to the index in
	// xfs of its filled copy; finish adds those to the styles part.
	fills map[[2]int]int
	xfs   []fillXf
	// numbers are the cells of our sheets whose formulas store numbers,
	// by sheet: finish types their values.
	numbers map[string]map[string]bool
}

func (u *updater) L(zh, en string) string {
	if u.lang == "en" {
		return en
	}
	return zh
}

// ref quotes a sheet name for a formula: '任务清单'!$N$5:$N$43.
func ref(sheet, rng string) string {
	return "'" + strings.ReplaceAll(sheet, "'", "''") + "'!" + rng
}

func cellName(col, row int) string { return report.CellName(col-1, row-1) }

func (u *updater) prepare() error {
	for _, name := range []string{u.n.summary, u.n.indicators, u.n.findings} {
		if idx, _ := u.f.GetSheetIndex(name); idx >= 0 {
			if err := u.f.DeleteSheet(name); err != nil {
				return err
			}
		}
	}
	u.styles = map[string]int{}
	border := []excelize.Border{
		{Type: "left", Color: "BFBFBF", Style: 1}, {Type: "right", Color: "BFBFBF", Style: 1},
		{Type: "top", Color: "BFBFBF", Style: 1}, {Type: "bottom", Color: "BFBFBF", Style: 1},
	}
	pct := "0.0%"
	// Every font of ours names the workbook's own family and size: a font
	// with no name falls back to a serif one in LibreOffice and WPS.
	// (GetDefaultFont panics on a default font with no name.)
	family, size := "", 11.0
	if st, err := u.f.GetStyle(0); err == nil && st.Font != nil {
		family = st.Font.Family
		if st.Font.Size > 0 {
			size = st.Font.Size
		}
	}
	u.fontSize = size
	font := func(f excelize.Font) *excelize.Font {
		f.Family = family
		if f.Size == 0 {
			f.Size = size
		}
		return &f
	}
	defs := map[string]*excelize.Style{
		"title":  {Font: font(excelize.Font{Size: size + 3, Bold: true})},
		"label":  {Font: font(excelize.Font{Bold: true})},
		"header": {Font: font(excelize.Font{Bold: true, Color: "FFFFFF"}), Fill: excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"1F5091"}}, Alignment: &excelize.Alignment{Horizontal: "center", Vertical: "center", WrapText: true}, Border: border},
		"text":   {Border: border, Alignment: &excelize.Alignment{Vertical: "center", WrapText: true}},
		"int":    {Border: border, NumFmt: 1},
		"num":    {Border: border, CustomNumFmt: strPtr("#,##0.##")},
		"pct":    {Border: border, CustomNumFmt: &pct},
		"date":   {CustomNumFmt: strPtr("yyyy-mm-dd")},
		"note":   {Font: font(excelize.Font{Italic: true, Color: "666666"})},
		"link":   {Border: border, Font: font(excelize.Font{Color: "0563C1", Underline: "single"}), Alignment: &excelize.Alignment{Vertical: "center", WrapText: true}},
		"total":  {Border: border, Font: font(excelize.Font{Bold: true}), NumFmt: 1, Fill: excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"E2EAF4"}}},
		"totalp": {Border: border, Font: font(excelize.Font{Bold: true}), CustomNumFmt: &pct, Fill: excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"E2EAF4"}}},
	}
	// In a fixed order: style ids end up in the file.
	for _, k := range slices.Sorted(maps.Keys(defs)) {
		d := defs[k]
		id, err := u.f.NewStyle(d)
		if err != nil {
			return err
		}
		u.styles[k] = id
	}
	return nil
}

func strPtr(s string) *string { return &s }

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

// tasks appends the assessed columns right of the bureau's own, by
// patching the sheet's XML (see sheetPatch).
func (u *updater) tasks() error {
	sheet := u.res.Sheets["tasks"]
	grid := u.wb.Sheet(sheet)
	if sheet == "" || grid == nil || len(u.res.TaskList) == 0 {
		return nil
	}
	d := u.res.Data
	top, bottom := d.HeaderTop["tasks"]+1, d.HeaderRow["tasks"]+1
	start := d.Width["tasks"] + 1
	// A workbook updated before keeps its columns where they are.
	for r := top; r <= bottom; r++ {
		for c := range grid.Rows[r-1] {
			if grid.Text(r-1, c) == u.n.cols[0] {
				start = c + 1
			}
		}
	}
	p := u.patch(sheet)
	p.drop = [2]int{start, start + len(u.n.cols) - 1}
	p.maxCol = start + len(u.n.cols) - 1
	p.headerStyle.row, p.headerStyle.fromCol = top, max(start-1, 1)
	widths := []float64{10, 9, 16, 20, 11}
	for i, h := range u.n.cols {
		p.cells[top] = append(p.cells[top], newCell{col: start + i, style: -1, text: h})
		for r := top + 1; r <= bottom; r++ {
			p.cells[r] = append(p.cells[r], newCell{col: start + i, style: -1})
		}
		p.cols = append(p.cols, colWidth{start + i, widths[i]})
	}
	u.statusCol, _ = excelize.ColumnNumberToName(start)
	u.sectionCol, _ = excelize.ColumnNumberToName(start + 2)
	u.leadCol, _ = excelize.ColumnNumberToName(start + 3)
	u.actionCol, _ = excelize.ColumnNumberToName(start + 4)
	u.firstRow, u.lastRow = math.MaxInt, 0
	text, pct := u.styles["text"], u.styles["pct"]
	for _, tr := range u.res.TaskList {
		r := tr.Row
		u.firstRow, u.lastRow = min(u.firstRow, r), max(u.lastRow, r)
		p.cells[r] = append(p.cells[r],
			newCell{col: start, style: text, text: tr.State.Label(u.lang)},
			newCell{col: start + 1, style: pct, num: true, number: tr.Expected / 100},
			newCell{col: start + 2, style: text, text: tr.Section},
			newCell{col: start + 3, style: text, text: tr.Lead},
			newCell{col: start + 4, style: text, text: u.actionLabel(tr.Task.Action)},
		)
	}
	// Colour the assessed status as the PDF does.
	colors := map[report.State]string{
		report.StateDone: "C6EFCE", report.StateAhead: "E2F0D9", report.StateOnSchedule: "DDEBF7",
		report.StateBehind: "FFEB9C", report.StateOverdue: "FFC7CE", report.StateNotStarted: "E7E6E6",
	}
	p.cfSqref = fmt.Sprintf("%s%d:%s%d", u.statusCol, u.firstRow, u.statusCol, u.lastRow)
	var cf strings.Builder
	fmt.Fprintf(&cf, `<conditionalFormatting sqref="%s">`, p.cfSqref)
	for i, s := range report.States {
		id, err := u.f.NewConditionalStyle(&excelize.Style{Fill: excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{colors[s]}}})
		if err != nil {
			return err
		}
		fmt.Fprintf(&cf, `<cfRule type="cellIs" dxfId="%d" priority="%d" operator="equal"><formula>%s</formula></cfRule>`,
			id, 1001+i, html.EscapeString(strconv.Quote(s.Label(u.lang))))
	}
	cf.WriteString(`</conditionalFormatting>`)
	p.cf = cf.String()
	return nil
}

func (u *updater) actionLabel(a report.Action) string { return a.Label(u.lang) }

func (u *updater) rng(col string) string {
	return ref(u.res.Sheets["tasks"], fmt.Sprintf("$%s$%d:$%s$%d", col, u.firstRow, col, u.lastRow))
}

// criterion quotes one of innoreport's own labels (no wildcards) for a
// formula.
func criterion(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }

func (u *updater) summary() error {
	sh := u.n.summary
	if _, err := u.f.NewSheet(sh); err != nil {
		return err
	}
	if err := u.widths(sh, 28, 10, 10, 10, 10, 10, 10, 10, 10, 14, 14); err != nil {
		return err
	}
	res := u.res
	if err := u.set(sh, 1, 1, u.L("创建工作汇总", "Summary of the creation work"), "title"); err != nil {
		return err
	}
	if err := u.set(sh, 1, 2, u.L("数据截至", "As of"), "label"); err != nil {
		return err
	}
	if err := u.set(sh, 2, 2, time.Time(res.AsOf), "date"); err != nil {
		return err
	}
	note := u.L("以下数字为公式，按任务清单右侧的“评估状态”等列计算；修改后自动更新。",
		"The figures below are formulas over the assessed columns of the task sheet: they update when those change.")
	if u.rebuilt {
		note += u.L("原工作簿的文件结构无法按原样保留，各表按读出的数值重建，原有格式、批注等未保留。",
			" The original package could not be kept as it was: its sheets were rebuilt from the values read, without their formatting and comments.")
	}
	if err := u.set(sh, 1, 3, note, "note"); err != nil {
		return err
	}
	if len(res.TaskList) == 0 || u.statusCol == "" {
		return nil
	}
	status, section, lead, action := u.rng(u.statusCol), u.rng(u.sectionCol), u.rng(u.leadCol), u.rng(u.actionCol)
	stateCols := report.States

	// Totals.
	row := 5
	headers := []string{u.L("任务总数", "Tasks")}
	for _, s := range stateCols {
		headers = append(headers, s.Label(u.lang))
	}
	headers = append(headers, u.L("完成率", "Done"))
	if err := u.header(sh, row, headers); err != nil {
		return err
	}
	row++
	if err := u.formula(sh, 1, row, fmt.Sprintf("COUNTA(%s)", status), float64(res.Tasks.Total), "int"); err != nil {
		return err
	}
	for i, s := range stateCols {
		if err := u.formula(sh, 2+i, row, fmt.Sprintf("COUNTIF(%s,%s)", status, criterion(s.Label(u.lang))), float64(res.Tasks.Count(s)), "int"); err != nil {
			return err
		}
	}
	if err := u.formula(sh, 2+len(stateCols), row, report.RateFormula(fmt.Sprint("B", row), fmt.Sprint("A", row)), res.Tasks.Rate, "pct"); err != nil {
		return err
	}
	if err := u.previous(sh, 3+len(stateCols), row); err != nil {
		return err
	}

	// By section.
	headers[0] = u.L("板块", "Section")
	headers = append(headers[:1], append([]string{u.L("任务", "Tasks")}, headers[1:]...)...)
	row, err := u.table(sh, row+2, u.L("分板块", "By section"), headers)
	if err != nil {
		return err
	}
	secHeader := row
	for _, g := range res.Sections {
		row++
		if err := u.groupRow(sh, row, g.Name, g.TaskTotals, section, status); err != nil {
			return err
		}
	}
	secLast := row
	row++
	if err := u.set(sh, 1, row, u.L("合计", "Total"), "total"); err != nil {
		return err
	}
	for c := 2; c <= 2+len(stateCols); c++ {
		col, _ := excelize.ColumnNumberToName(c)
		v := float64(res.Tasks.Total)
		if c > 2 {
			v = float64(res.Tasks.Count(stateCols[c-3]))
		}
		if err := u.formula(sh, c, row, fmt.Sprintf("SUM(%s%d:%s%d)", col, secHeader+1, col, secLast), v, "total"); err != nil {
			return err
		}
	}
	if err := u.formula(sh, 3+len(stateCols), row, report.RateFormula(fmt.Sprint("C", row), fmt.Sprint("B", row)), res.Tasks.Rate, "totalp"); err != nil {
		return err
	}
	if err := u.sectionChart(sh, secHeader, secLast); err != nil {
		return err
	}

	// Lead units.
	headers[0] = u.L("牵头单位", "Lead unit")
	if row, err = u.table(sh, row+2, u.L("牵头单位", "Lead units"), headers); err != nil {
		return err
	}
	for _, s := range res.Units {
		if s.Lead == 0 {
			continue
		}
		row++
		if err := u.groupRow(sh, row, s.Name, s.TaskTotals, lead, status); err != nil {
			return err
		}
	}

	// Prescribed against self-selected.
	headers[0] = u.L("动作类型", "Action type")
	if row, err = u.table(sh, row+2, u.L("动作类型", "Action types"), headers); err != nil {
		return err
	}
	for _, g := range res.Actions {
		row++
		if err := u.groupRow(sh, row, u.actionLabel(g.Action), g.TaskTotals, action, status); err != nil {
			return err
		}
	}
	if err := u.printable(sh); err != nil {
		return err
	}
	return u.f.SetPanes(sh, &excelize.Panes{Freeze: true, YSplit: 3, TopLeftCell: "A4", ActivePane: "bottomLeft"})
}

// previous writes the 上期 and 较上期 columns beside the totals: the
// previous period's completion rate, from the archive, and the change in
// percentage points as a formula over the rate beside it.
func (u *updater) previous(sh string, col, row int) error {
	c := u.compare
	if c == nil {
		return nil
	}
	prevAt := time.Time(c.Previous.AsOf).Format("2006-01-02")
	if err := u.set(sh, col, row-1, u.L("上期完成率（", "Previous (")+prevAt+u.L("）", ")"), "header"); err != nil {
		return err
	}
	if err := u.set(sh, col+1, row-1, u.L("较上期（百分点）", "Change (points)"), "header"); err != nil {
		return err
	}
	if err := u.set(sh, col, row, c.Previous.Rate, "pct"); err != nil {
		return err
	}
	rate, _ := excelize.ColumnNumberToName(col - 1)
	prev, _ := excelize.ColumnNumberToName(col)
	return u.formula(sh, col+1, row, fmt.Sprintf("ROUND((%s%d-%s%d)*100,1)", rate, row, prev, row), c.Tasks.RateDeltaPoints, "")
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

// groupRow writes one tally row: the name, then counts over key and
// status. The name is compared with "=", not given to COUNTIF as a
// criterion, where "*", "?" and "~" in a unit's name would be wildcards.
func (u *updater) groupRow(sh string, row int, name string, g report.TaskTotals, key, status string) error {
	if err := u.set(sh, 1, row, name, "text"); err != nil {
		return err
	}
	if err := u.formula(sh, 2, row, fmt.Sprintf(`SUMPRODUCT(--(%s=$A%d))`, key, row), float64(g.Total), "int"); err != nil {
		return err
	}
	for i, s := range report.States {
		f := fmt.Sprintf(`SUMPRODUCT((%s=$A%d)*(%s=%s))`, key, row, status, criterion(s.Label(u.lang)))
		if err := u.formula(sh, 3+i, row, f, float64(g.Count(s)), "int"); err != nil {
			return err
		}
	}
	last := 3 + len(report.States)
	return u.formula(sh, last, row, report.RateFormula(fmt.Sprint("C", row), fmt.Sprint("B", row)), g.Rate, "pct")
}

// chartFont is the charts' text colour: excelize's default is the text
// colour lightened 85%, too pale to read on paper.
var chartFont = excelize.Font{Color: "404040"}

func (u *updater) sectionChart(sh string, header, last int) error {
	if last <= header {
		return nil
	}
	var series []excelize.ChartSeries
	for i, s := range report.States {
		col, _ := excelize.ColumnNumberToName(3 + i)
		series = append(series, excelize.ChartSeries{
			Name:       ref(sh, fmt.Sprintf("$%s$%d", col, header)),
			Categories: ref(sh, fmt.Sprintf("$A$%d:$A$%d", header+1, last)),
			Values:     ref(sh, fmt.Sprintf("$%s$%d:$%s$%d", col, header+1, col, last)),
			Fill:       excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{s.Color()}},
		})
	}
	return u.f.AddChart(sh, "K2", &excelize.Chart{
		Type:      excelize.BarStacked,
		Series:    series,
		Title:     excelize.ChartTitle{Paragraph: []excelize.RichTextRun{{Text: u.L("各板块任务状态", "Task status by section")}}},
		Legend:    excelize.ChartLegend{Position: "bottom", Font: &chartFont},
		Dimension: excelize.ChartDimension{Width: 640, Height: uint(160 + 28*(last-header))},
		XAxis:     excelize.ChartAxis{Font: chartFont},
		YAxis:     excelize.ChartAxis{Font: chartFont},
	})
}

// source returns a formula referring to the bureau's cell when it holds
// the figure as a plain number, so an edit there flows through.
func (u *updater) source(cell string, n report.Number) (string, bool) {
	sheet := u.res.Sheets["indicators"]
	if cell == "" || !n.OK || n.Growth {
		return "", false
	}
	grid := u.wb.Sheet(sheet)
	col, row, err := excelize.CellNameToCoordinates(cell)
	if grid == nil || err != nil {
		return "", false
	}
	c := grid.At(row-1, col-1)
	if !c.Number || c.Format == report.FormatPercent {
		return "", false
	}
	v, err := strconv.ParseFloat(strings.TrimSpace(c.Text), 64)
	if err != nil || math.Abs(v-n.Value) > 1e-9 {
		return "", false
	}
	return ref(sheet, cell), true
}

func (u *updater) indicators() error {
	if len(u.res.Indicators) == 0 {
		return nil
	}
	sh := u.n.indicators
	if _, err := u.f.NewSheet(sh); err != nil {
		return err
	}
	headers := []string{u.L("指标", "Indicator"), u.L("单位", "Unit"), u.L("方向", "Direction"), u.L("基期值", "Baseline"),
		u.L("目标值", "Target"), u.L("完成值", "Actual"), u.L("达成率", "Attainment"), u.L("增长", "Growth"), u.L("状态", "Status")}
	if err := u.header(sh, 1, headers); err != nil {
		return err
	}
	if err := u.widths(sh, 34, 9, 8, 11, 11, 11, 11, 11, 10); err != nil {
		return err
	}
	for i, ind := range u.res.Indicators {
		row := i + 2
		dir := u.L("正向", "positive")
		if ind.Direction == report.Negative {
			dir = u.L("逆向", "negative")
		}
		for c, v := range []string{ind.Name, ind.Unit, dir} {
			if err := u.set(sh, c+1, row, v, "text"); err != nil {
				return err
			}
		}
		src := ind.Indicator
		figs := []struct {
			cell string
			n    report.Number
			v    *float64
		}{
			{src.Cells.Get("baseline"), src.Baseline, ind.Baseline},
			{src.Cells.Get("target"), src.Target, ind.Target},
			{src.Cells.Get("actual"), src.Actual, ind.Actual},
		}
		for k, fg := range figs {
			col := 4 + k
			if fg.v == nil {
				if err := u.set(sh, col, row, "", "num"); err != nil {
					return err
				}
				continue
			}
			if f, ok := u.source(fg.cell, fg.n); ok {
				if err := u.formula(sh, col, row, f, *fg.v, "num"); err != nil {
					return err
				}
				continue
			}
			// Typed as text in the bureau's sheet ("46个", "增长6%左右"):
			// the figure read from it, with a comment saying so.
			if err := u.set(sh, col, row, *fg.v, "num"); err != nil {
				return err
			}
			raw := ""
			if g := u.wb.Sheet(u.res.Sheets["indicators"]); g != nil {
				if col, row, err := excelize.CellNameToCoordinates(fg.cell); err == nil {
					raw = g.Text(row-1, col-1)
				}
			}
			if err := u.f.AddComment(sh, excelize.Comment{Author: "innoreport", Cell: cellName(col, row),
				Text: commentMark + u.L(fmt.Sprintf("由 %s!%s 的“%s”读出", u.res.Sheets["indicators"], fg.cell, raw),
					fmt.Sprintf("read from %q in %s!%s", raw, u.res.Sheets["indicators"], fg.cell))}); err != nil {
				return err
			}
		}
		att := report.AttainmentFormula(src.Direction, fmt.Sprint("E", row), fmt.Sprint("F", row))
		if err := u.optFormula(sh, 7, row, att, ind.Attainment); err != nil {
			return err
		}
		growth := report.GrowthFormula(fmt.Sprint("D", row), fmt.Sprint("F", row))
		if err := u.optFormula(sh, 8, row, growth, ind.Growth); err != nil {
			return err
		}
		if err := u.set(sh, 9, row, ind.Status.Label(u.lang), "text"); err != nil {
			return err
		}
	}
	last := len(u.res.Indicators) + 1
	if err := u.f.SetConditionalFormat(sh, fmt.Sprintf("G2:G%d", last), []excelize.ConditionalFormatOptions{{
		Type: "data_bar", Criteria: "=", MinType: "num", MinValue: "0", MaxType: "num", MaxValue: "1", BarColor: "#5B9BD5", BarSolid: true,
	}}); err != nil {
		return err
	}
	if err := u.f.SetPanes(sh, &excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"}); err != nil {
		return err
	}
	if err := u.printable(sh); err != nil {
		return err
	}
	return u.f.AddChart(sh, "K2", &excelize.Chart{
		Type: excelize.Bar,
		Series: []excelize.ChartSeries{{
			Name:       ref(sh, "$G$1"),
			Categories: ref(sh, fmt.Sprintf("$A$2:$A$%d", last)),
			Values:     ref(sh, fmt.Sprintf("$G$2:$G$%d", last)),
			Fill:       excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"5B9BD5"}},
		}},
		Title:     excelize.ChartTitle{Paragraph: []excelize.RichTextRun{{Text: u.L("指标达成率", "Indicator attainment")}}},
		Legend:    excelize.ChartLegend{Position: "none"},
		Dimension: excelize.ChartDimension{Width: 560, Height: uint(120 + 22*len(u.res.Indicators))},
		XAxis:     excelize.ChartAxis{Font: chartFont},
		YAxis:     excelize.ChartAxis{NumFmt: excelize.ChartNumFmt{CustomNumFmt: "0%"}, Font: chartFont},
	})
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

// findings writes one row a finding through excelize's stream writer: at
// 100,000 tasks there are tens of thousands, too many to hold as structs.
// The location is a HYPERLINK formula to the cell, since streamed sheets
// take no hyperlink records.
func (u *updater) findings() error {
	sh := u.n.findings
	if _, err := u.f.NewSheet(sh); err != nil {
		return err
	}
	if err := u.printable(sh); err != nil {
		return err
	}
	sw, err := u.f.NewStreamWriter(sh)
	if err != nil {
		return err
	}
	for i, w := range findingWidths {
		if err := sw.SetColWidth(i+1, i+1, w); err != nil {
			return err
		}
	}
	if err := sw.SetPanes(&excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"}); err != nil {
		return err
	}
	headers := []string{u.L("级别", "Severity"), u.L("规则", "Rule"), u.L("位置", "Cell"), u.L("表头", "Header"), u.L("值", "Value"), u.L("说明", "Message")}
	row := make([]any, len(headers))
	for i, h := range headers {
		row[i] = excelize.Cell{StyleID: u.styles["header"], Value: h}
	}
	if err := sw.SetRow("A1", row); err != nil {
		return err
	}
	text, link := u.styles["text"], u.styles["link"]
	for i, f := range u.res.Findings {
		where := excelize.Cell{StyleID: text, Value: f.Where()}
		if f.Cell != "" && u.wb.Sheet(f.Sheet) != nil {
			target := strings.ReplaceAll("#"+ref(f.Sheet, f.Cell), `"`, `""`)
			where = excelize.Cell{StyleID: link, Value: f.Where(),
				Formula: fmt.Sprintf(`HYPERLINK("%s","%s")`, target, strings.ReplaceAll(f.Where(), `"`, `""`))}
		}
		row := []any{
			excelize.Cell{StyleID: text, Value: f.Severity.Label(u.lang)},
			excelize.Cell{StyleID: text, Value: f.Rule},
			where,
			excelize.Cell{StyleID: text, Value: f.Header},
			excelize.Cell{StyleID: text, Value: f.Value},
			excelize.Cell{StyleID: text, Value: f.Message.In(u.lang)},
		}
		lines := 1
		for c, v := range row {
			if s, ok := v.(excelize.Cell).Value.(string); ok {
				lines = max(lines, wrappedLines(s, findingWidths[c]))
			}
		}
		var opts []excelize.RowOpts
		if lines > 1 {
			// Readers do not grow a row to its wrapped text on their
			// own: without a height, long messages print over the next.
			opts = append(opts, excelize.RowOpts{Height: float64(lines) * u.lineHeight()})
		}
		if err := sw.SetRow(cellName(1, i+2), row, opts...); err != nil {
			return err
		}
	}
	return sw.Flush()
}

// findingWidths are the findings sheet's column widths, in characters.
var findingWidths = []float64{8, 22, 16, 14, 16, 80}

// wrappedLines is how many lines a text takes wrapped in a column of
// width characters (a CJK character is two); a character's worth is
// left for the cell's margins.
func wrappedLines(s string, width float64) int {
	n := 0
	for line := range strings.SplitSeq(s, "\n") {
		n += max(1, int(math.Ceil(float64(report.DisplayWidth(line))/max(width-1, 1))))
	}
	return n
}

// lineHeight is a line of text in the default font, in points.
func (u *updater) lineHeight() float64 { return math.Ceil(u.fontSize*1.35*4) / 4 }

var severityFill = map[report.Severity]string{report.Error: "FFC7CE", report.Warning: "FFEB9C", report.Info: "DDEBF7"}

// commentRows bounds the sheets that get comments: adding one makes
// excelize load the whole sheet, which a sheet of 100,000 rows cannot
// afford. Larger sheets get the fills; the findings sheet lists all.
const commentRows = 5000

// annotate fills each cell with a finding by its worst severity, keeping
// the rest of its style, and comments it with the messages.
func (u *updater) annotate() error {
	type mark struct {
		sev  report.Severity
		msgs []string
	}
	marks := map[[2]string]*mark{}
	var order [][2]string
	for _, f := range u.res.Findings {
		if f.Cell == "" || u.wb.Sheet(f.Sheet) == nil {
			continue
		}
		k := [2]string{f.Sheet, f.Cell}
		m := marks[k]
		if m == nil {
			m = &mark{sev: f.Severity}
			marks[k] = m
			order = append(order, k)
		}
		m.sev = max(m.sev, f.Severity)
		m.msgs = append(m.msgs, fmt.Sprintf("[%s] %s", f.Severity.Label(u.lang), f.Message.In(u.lang)))
	}
	existing := map[string]map[string]excelize.Comment{}
	for _, k := range order {
		sheet, cell := k[0], k[1]
		m := marks[k]
		col, row, err := excelize.CellNameToCoordinates(cell)
		if err != nil {
			continue
		}
		grid := u.wb.Sheet(sheet)
		orig := int(grid.At(row-1, col-1).Style)
		fill, ok := u.fills[[2]int{orig, int(m.sev)}]
		if !ok {
			fill = len(u.xfs)
			u.xfs = append(u.xfs, fillXf{orig: orig, color: severityFill[m.sev]})
			u.fills[[2]int{orig, int(m.sev)}] = fill
		}
		sp := u.patch(sheet)
		if sp.restyle[row] == nil {
			sp.restyle[row] = map[int]int{}
		}
		sp.restyle[row][col] = fill
		if u.big[sheet] {
			continue
		}
		if existing[sheet] == nil {
			existing[sheet] = map[string]excelize.Comment{}
			cs, err := u.f.GetComments(sheet)
			if err != nil {
				return err
			}
			for _, c := range cs {
				existing[sheet][c.Cell] = c
			}
		}
		text := commentMark + strings.Join(m.msgs, "\n")
		if old, ok := existing[sheet][cell]; ok {
			// Keep the bureau's own comment; replace only ours.
			prev := old.Text
			for _, r := range old.Paragraph {
				prev += r.Text
			}
			if i := strings.Index(prev, commentMark); i >= 0 {
				prev = prev[:i]
			}
			if err := u.f.DeleteComment(sheet, cell); err != nil {
				return err
			}
			if prev = strings.TrimSpace(prev); prev != "" {
				text = prev + "\n" + text
			}
		}
		if err := u.f.AddComment(sheet, excelize.Comment{Author: "innoreport", Cell: cell, Text: text, Width: 320, Height: 120}); err != nil {
			return err
		}
	}
	return nil
}
