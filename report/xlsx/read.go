// Package xlsx reads the bureau's workbook into report's grids and writes
// the updated workbook back.
package xlsx

import (
	"archive/zip"
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"unicode/utf16"

	"github.com/xuri/excelize/v2"

	"innoreport/report"
)

// Limits bound what a workbook may ask of the reader.
type Limits struct {
	UnzipSize    int64 // bytes, whole package unpacked
	UnzipXMLSize int64 // bytes, one part held in memory before spilling to disk
	Sheets       int
	Rows         int // per sheet
	Cols         int // per row
}

// DefaultLimits fit a province's workbook with room to spare.
var DefaultLimits = Limits{
	UnzipSize:    1 << 30,
	UnzipXMLSize: 64 << 20,
	Sheets:       256,
	Rows:         1_048_576,
	Cols:         16_384,
}

// Options steer reading.
type Options struct {
	Password string
	Limits   Limits
}

var (
	oleMagic = []byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1}
	zipMagic = []byte("PK\x03\x04")
)

// Open reads the workbook at path. The file is only read, never written.
func Open(path string, opts Options) (*report.Workbook, error) {
	data, err := ReadFile(path)
	if err != nil {
		return nil, err
	}
	return Read(filepath.Base(path), data, opts)
}

// ReadFile reads a workbook's bytes, with an error a user can act on.
func ReadFile(path string) ([]byte, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		what := report.Text{Zh: "无法读取文件：" + err.Error(), En: "cannot read the file: " + err.Error()}
		if errors.Is(err, os.ErrNotExist) {
			what = report.Text{Zh: "文件不存在，请检查路径", En: "no such file: check the path"}
		}
		return nil, inputError(path, report.ErrNotWorkbook, what.Zh, what.En)
	}
	return data, nil
}

func inputError(name string, sentinel error, zh, en string) error {
	return &report.BilingualError{Msg: report.Text{Zh: name + ": " + zh, En: name + ": " + en}, Err: sentinel}
}

// sniff tells what kind of file data is before excelize sees it, so that a
// user learns what to do rather than "zip: not a valid zip file".
func sniff(name string, data []byte, password string) error {
	switch {
	case len(data) == 0:
		return inputError(name, report.ErrNotWorkbook, "文件是空的（0 字节），请重新导出工作簿",
			"the file is empty (0 bytes): export the workbook again")
	case bytes.HasPrefix(data, oleMagic):
		if isEncryptedOOXML(data) {
			if password == "" {
				return inputError(name, report.ErrEncrypted, "工作簿已加密，请用 -password 提供密码",
					"the workbook is encrypted: give its password with -password")
			}
			return nil
		}
		return inputError(name, report.ErrLegacyXLS, "这是旧版 .xls/.et 工作簿，请在 Excel 或 WPS 中“另存为” .xlsx 后重试",
			"this is a legacy .xls/.et workbook: save it as .xlsx in Excel or WPS and try again")
	case !bytes.HasPrefix(data, zipMagic):
		return inputError(name, report.ErrNotWorkbook, "不是 .xlsx 工作簿（"+guessKind(data)+"），请在 Excel 或 WPS 中另存为 .xlsx",
			"not an .xlsx workbook ("+guessKindEn(data)+"): save it as .xlsx in Excel or WPS")
	}
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return inputError(name, report.ErrNotWorkbook, "文件已损坏（zip 结构不完整），请重新保存或重新发送",
			"the file is damaged (broken zip): save or send it again")
	}
	has := map[string]bool{}
	for _, f := range zr.File {
		has[strings.ToLower(f.Name)] = true
	}
	switch {
	case has["xl/workbook.xml"]:
		return nil
	case has["xl/workbook.bin"]:
		return inputError(name, report.ErrNotWorkbook, "这是 .xlsb 二进制工作簿，请另存为 .xlsx",
			"this is an .xlsb binary workbook: save it as .xlsx")
	case has["content.xml"] || has["mimetype"]:
		return inputError(name, report.ErrNotWorkbook, "这是 OpenDocument (.ods) 表格，请另存为 .xlsx",
			"this is an OpenDocument (.ods) spreadsheet: save it as .xlsx")
	}
	return inputError(name, report.ErrNotWorkbook, "是 zip 文件但不含工作簿（缺少 xl/workbook.xml），请在 Excel 或 WPS 中另存为 .xlsx",
		"a zip file with no workbook in it (no xl/workbook.xml): save it as .xlsx in Excel or WPS")
}

func guessKind(data []byte) string {
	head := strings.ToLower(string(data[:min(len(data), 512)]))
	switch {
	case strings.Contains(head, "<html") || strings.Contains(head, "<table"):
		return "看起来是网页/HTML"
	case strings.HasPrefix(head, "<?xml"):
		return "看起来是 XML 表格"
	case strings.HasPrefix(head, "%pdf"):
		return "看起来是 PDF"
	case strings.Count(head, ",") > 2 || strings.Count(head, "\t") > 2:
		return "看起来是 CSV/文本"
	}
	return "格式无法识别"
}

func guessKindEn(data []byte) string {
	head := strings.ToLower(string(data[:min(len(data), 512)]))
	switch {
	case strings.Contains(head, "<html") || strings.Contains(head, "<table"):
		return "it looks like HTML"
	case strings.HasPrefix(head, "<?xml"):
		return "it looks like an XML spreadsheet"
	case strings.HasPrefix(head, "%pdf"):
		return "it looks like a PDF"
	case strings.Count(head, ",") > 2 || strings.Count(head, "\t") > 2:
		return "it looks like CSV or text"
	}
	return "unknown format"
}

// isEncryptedOOXML looks for the EncryptionInfo stream that an encrypted
// xlsx keeps in its OLE container; a legacy .xls has none.
func isEncryptedOOXML(data []byte) bool {
	name := utf16.Encode([]rune("EncryptionInfo"))
	b := make([]byte, 0, len(name)*2)
	for _, u := range name {
		b = append(b, byte(u), byte(u>>8))
	}
	return bytes.Contains(data, b)
}

// Read parses a workbook held in memory; name is used in messages.
func Read(name string, data []byte, opts Options) (*report.Workbook, error) {
	lim := opts.Limits
	if lim == (Limits{}) {
		lim = DefaultLimits
	}
	if err := sniff(name, data, opts.Password); err != nil {
		return nil, err
	}
	f, err := excelize.OpenReader(bytes.NewReader(data), excelize.Options{
		Password:          opts.Password,
		UnzipSizeLimit:    lim.UnzipSize,
		UnzipXMLSizeLimit: min(lim.UnzipXMLSize, lim.UnzipSize),
	})
	if err != nil {
		return nil, openError(name, err, lim)
	}
	defer f.Close()
	wb := &report.Workbook{Name: name}
	if props, err := f.GetWorkbookProps(); err == nil && props.Date1904 != nil {
		wb.Date1904 = *props.Date1904
	}
	names := f.GetSheetList()
	if len(names) > lim.Sheets {
		return nil, inputError(name, report.ErrLimit,
			fmt.Sprintf("工作表数 %d 超过上限 %d（可用 -max-sheets 调整）", len(names), lim.Sheets),
			fmt.Sprintf("%d sheets exceed the limit of %d (raise it with -max-sheets)", len(names), lim.Sheets))
	}
	r := reader{f: f, wb: wb, lim: lim, styles: map[int]report.NumFormat{}}
	for _, sn := range names {
		s, err := r.sheet(sn)
		if err != nil {
			return nil, err
		}
		wb.Sheets = append(wb.Sheets, s)
	}
	return wb, nil
}

func openError(name string, err error, lim Limits) error {
	msg := err.Error()
	switch {
	case errors.Is(err, excelize.ErrWorkbookPassword):
		return inputError(name, report.ErrPassword, "密码不正确，请核对 -password", "wrong password: check -password")
	case errors.Is(err, excelize.ErrWorkbookFileFormat), errors.Is(err, excelize.ErrUnsupportedEncryptMechanism):
		return inputError(name, report.ErrEncrypted, "无法解密或不支持的工作簿格式，请在 Excel 中去掉密码后另存为 .xlsx",
			"cannot decrypt, or an unsupported format: remove the password in Excel and save as .xlsx")
	case strings.Contains(msg, "unzip size exceeds"):
		return inputError(name, report.ErrLimit,
			fmt.Sprintf("解压后超过 %d MB 上限，疑似压缩炸弹或异常文件（可用 -max-unzip-mb 调整）", lim.UnzipSize>>20),
			fmt.Sprintf("unpacks to more than the %d MB limit, a zip bomb or a broken file (raise it with -max-unzip-mb)", lim.UnzipSize>>20))
	}
	return inputError(name, report.ErrNotWorkbook, "工作簿已损坏，无法打开（"+msg+"），请在 Excel 或 WPS 中打开并另存后重试",
		"the workbook is damaged and cannot be opened ("+msg+"): open and save it again in Excel or WPS")
}

type reader struct {
	f      *excelize.File
	wb     *report.Workbook
	lim    Limits
	styles map[int]report.NumFormat
}

func (r *reader) sheet(name string) (*report.Sheet, error) {
	s, err := r.readSheet(name)
	// A chart sheet has no cells; excelize says so only in words.
	if err != nil && strings.Contains(err.Error(), "is not a worksheet") {
		return &report.Sheet{Name: name}, nil
	}
	return s, err
}

func (r *reader) readSheet(name string) (*report.Sheet, error) {
	s := &report.Sheet{Name: name}
	if visible, err := r.f.GetSheetVisible(name); err == nil {
		s.Hidden = !visible
	}
	rows, err := r.f.Rows(name)
	if err != nil {
		return nil, r.sheetError(name, err)
	}
	for rows.Next() {
		if len(s.Rows) >= r.lim.Rows {
			rows.Close()
			return nil, inputError(r.wb.Name, report.ErrLimit,
				fmt.Sprintf("工作表“%s”超过 %d 行上限（可用 -max-rows 调整）", name, r.lim.Rows),
				fmt.Sprintf("sheet %q has more than %d rows (raise the limit with -max-rows)", name, r.lim.Rows))
		}
		cols, err := rows.Columns(excelize.Options{RawCellValue: true})
		if err != nil {
			rows.Close()
			return nil, r.sheetError(name, err)
		}
		if len(cols) > r.lim.Cols {
			cols = cols[:r.lim.Cols]
		}
		row := make([]report.Cell, len(cols))
		for i, v := range cols {
			row[i] = report.Cell{Text: v}
		}
		s.Rows = append(s.Rows, row)
	}
	if err := rows.Close(); err != nil {
		return nil, r.sheetError(name, err)
	}
	if err := r.typeCells(s); err != nil {
		return nil, err
	}
	merges, err := r.f.GetMergeCells(name, true)
	if err != nil {
		return nil, r.sheetError(name, err)
	}
	for _, m := range merges {
		c1, r1, err1 := excelize.CellNameToCoordinates(m.GetStartAxis())
		c2, r2, err2 := excelize.CellNameToCoordinates(m.GetEndAxis())
		if err1 != nil || err2 != nil {
			continue
		}
		s.Merges = append(s.Merges, report.Range{R1: r1 - 1, C1: c1 - 1, R2: min(r2-1, len(s.Rows)-1), C2: c2 - 1})
	}
	s.FillMerges()
	return s, nil
}

func (r *reader) sheetError(name string, err error) error {
	return inputError(r.wb.Name, report.ErrNotWorkbook,
		fmt.Sprintf("工作表“%s”无法读取（%v），请在 Excel 或 WPS 中打开并另存后重试", name, err),
		fmt.Sprintf("sheet %q cannot be read (%v): open and save the workbook again in Excel or WPS", name, err))
}

// typeCells marks numbers with their number format, and fills formulas that
// have no stored result by computing them.
func (r *reader) typeCells(s *report.Sheet) error {
	formulaChecks := 0
	for ri, row := range s.Rows {
		for ci := range row {
			c := &row[ci]
			ref := report.CellName(ci, ri)
			if c.Text == "" {
				// Interior blanks may be formulas never computed; the
				// check is bounded so a sparse giant stays cheap.
				if formulaChecks < 20000 {
					formulaChecks++
					r.computeFormula(s.Name, ref, c)
				}
				continue
			}
			if _, err := strconv.ParseFloat(c.Text, 64); err != nil {
				continue
			}
			c.Number = true
			idx, err := r.f.GetCellStyle(s.Name, ref)
			if err != nil {
				continue
			}
			fm, ok := r.styles[idx]
			if !ok {
				fm = r.numFormat(idx)
				r.styles[idx] = fm
			}
			c.Format = fm
		}
	}
	return nil
}

func (r *reader) computeFormula(sheet, ref string, c *report.Cell) {
	formula, err := r.f.GetCellFormula(sheet, ref)
	if err != nil || formula == "" {
		return
	}
	c.Formula = true
	v, err := r.f.CalcCellValue(sheet, ref, excelize.Options{RawCellValue: true})
	if err == nil && v != "" {
		c.Text = v
		if _, err := strconv.ParseFloat(v, 64); err == nil {
			c.Number = true
		}
		return
	}
	r.wb.Findings = append(r.wb.Findings, report.Finding{
		Severity: report.Warning, Rule: report.RuleType, Sheet: sheet, Cell: ref, Value: "=" + formula,
		Message: report.Text{
			Zh: "公式 =" + formula + " 没有保存的计算结果，也无法计算；请在 Excel 或 WPS 中打开、重新计算并保存",
			En: "formula =" + formula + " has no stored result and cannot be computed: open, recalculate and save it in Excel or WPS",
		},
	})
}

// Built-in number formats that show dates or percentages.
var (
	builtinDates   = map[int]bool{14: true, 15: true, 16: true, 17: true, 22: true, 27: true, 28: true, 29: true, 30: true, 31: true, 34: true, 35: true, 36: true, 50: true, 51: true, 52: true, 53: true, 54: true, 57: true, 58: true}
	builtinPercent = map[int]bool{9: true, 10: true}
)

func (r *reader) numFormat(idx int) report.NumFormat {
	st, err := r.f.GetStyle(idx)
	if err != nil || st == nil {
		return report.FormatGeneral
	}
	if st.CustomNumFmt != nil {
		return classifyFormat(*st.CustomNumFmt)
	}
	switch {
	case builtinDates[st.NumFmt]:
		return report.FormatDate
	case builtinPercent[st.NumFmt]:
		return report.FormatPercent
	}
	return report.FormatGeneral
}

// classifyFormat reads a custom number format code, ignoring quoted text,
// escapes and [colour] or [$-locale] brackets.
func classifyFormat(code string) report.NumFormat {
	var b strings.Builder
	inQuote, inBracket := false, false
	for i := 0; i < len(code); i++ {
		ch := code[i]
		switch {
		case inQuote:
			inQuote = ch != '"'
		case inBracket:
			inBracket = ch != ']'
		case ch == '"':
			inQuote = true
		case ch == '[':
			inBracket = true
		case ch == '\\' || ch == '_' || ch == '*':
			i++
		default:
			b.WriteByte(ch)
		}
	}
	plain := strings.ToLower(b.String())
	if i := strings.IndexByte(plain, ';'); i >= 0 {
		plain = plain[:i]
	}
	switch {
	case strings.Contains(plain, "%"):
		return report.FormatPercent
	case strings.ContainsAny(plain, "ymd") || strings.Contains(code, "年") || strings.Contains(code, "月"):
		if plain == "general" {
			return report.FormatGeneral
		}
		return report.FormatDate
	}
	return report.FormatGeneral
}
