package xlsx

import (
	"archive/zip"
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"math"
	"path"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"

	"innoreport/report"
)

// Read parses a workbook held in memory; name is used in messages.
//
// It reads the package itself, streaming each sheet's XML, rather than
// through excelize: excelize loads a whole worksheet into structs for any
// cell-level query (style, merges), which at 100,000 rows costs several
// times the memory of the grid and, for a cell at XFD1048576, expands the
// sheet to seventeen billion cells. Reading the parts directly also lets
// every byte count against the limits, so a zip bomb is refused at once.
func Read(name string, data []byte, opts Options) (*report.Workbook, error) {
	lim := opts.Limits.withDefaults()
	if err := sniff(name, data, opts.Password); err != nil {
		return nil, err
	}
	decrypted := false
	if bytes.HasPrefix(data, oleMagic) {
		dec, err := excelize.Decrypt(data, &excelize.Options{Password: opts.Password})
		if err != nil {
			return nil, inputError(name, report.ErrEncrypted, "无法解密或不支持的加密方式，请在 Excel 中去掉密码后另存为 .xlsx",
				"cannot decrypt, or an unsupported encryption: remove the password in Excel and save as .xlsx")
		}
		data, decrypted = dec, true
	}
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		if decrypted {
			return nil, inputError(name, report.ErrPassword, "密码不正确，请核对 -password", "wrong password: check -password")
		}
		return nil, inputError(name, report.ErrNotWorkbook, "文件已损坏（zip 结构不完整），请重新保存或重新发送",
			"the file is damaged (broken zip): save or send it again")
	}
	p := &pkg{name: name, lim: lim, files: map[string]*zip.File{}, deadline: time.Now().Add(lim.Time)}
	var declared uint64
	for _, f := range zr.File {
		p.files[strings.ToLower(f.Name)] = f
		declared += f.UncompressedSize64
	}
	if declared > uint64(lim.UnzipSize) {
		return nil, p.unzipLimit()
	}
	wb, err := p.read()
	if err != nil {
		var be *report.BilingualError
		if errors.As(err, &be) {
			return nil, err
		}
		return nil, inputError(name, report.ErrNotWorkbook,
			"工作簿已损坏，无法读取（"+err.Error()+"），请在 Excel 或 WPS 中打开并另存后重试",
			"the workbook is damaged and cannot be read ("+err.Error()+"): open and save it again in Excel or WPS")
	}
	wb.Name = name
	if len(p.uncomputed) > 0 {
		computeFormulas(wb, data, p.uncomputed)
	}
	return wb, nil
}

// pkg is one workbook package being read.
type pkg struct {
	name     string
	lim      Limits
	files    map[string]*zip.File
	unpacked int64 // bytes unpacked so far, against lim.UnzipSize
	deadline time.Time

	sst        []string
	xfs        []report.NumFormat
	uncomputed []formulaRef
}

type formulaRef struct {
	sheet      string
	row, col   int
	sheetIndex int
}

func (p *pkg) unzipLimit() error {
	return inputError(p.name, report.ErrLimit,
		fmt.Sprintf("解压后超过 %d MB 上限，疑似压缩炸弹或异常文件（可用 -max-unzip-mb 调整）", p.lim.UnzipSize>>20),
		fmt.Sprintf("unpacks to more than the %d MB limit: a zip bomb or a broken file (raise it with -max-unzip-mb)", p.lim.UnzipSize>>20))
}

func (p *pkg) timeLimit() error {
	return inputError(p.name, report.ErrLimit,
		fmt.Sprintf("读取超过 %d 秒上限（可用 -max-seconds 调整）", int(p.lim.Time.Seconds())),
		fmt.Sprintf("reading took longer than the %d s limit (raise it with -max-seconds)", int(p.lim.Time.Seconds())))
}

// counter counts every byte unpacked against the package's limit, so a
// part whose header lies about its size is still stopped.
type counter struct {
	r io.Reader
	p *pkg
}

func (c *counter) Read(b []byte) (int, error) {
	n, err := c.r.Read(b)
	c.p.unpacked += int64(n)
	if c.p.unpacked > c.p.lim.UnzipSize {
		return n, c.p.unzipLimit()
	}
	return n, err
}

// open opens a part by name, ignoring case: some writers spell
// xl/SharedStrings.xml so.
func (p *pkg) open(name string) (io.ReadCloser, bool, error) {
	f, ok := p.files[strings.ToLower(strings.TrimPrefix(name, "/"))]
	if !ok {
		return nil, false, nil
	}
	rc, err := f.Open()
	if err != nil {
		return nil, true, err
	}
	return struct {
		io.Reader
		io.Closer
	}{&counter{r: rc, p: p}, rc}, true, nil
}

// decoder reads a part's XML token by token, without namespaces: strict
// OOXML uses other namespaces for the same local names.
func decoder(r io.Reader) *xml.Decoder {
	d := xml.NewDecoder(r)
	d.Strict = false
	d.CharsetReader = func(label string, in io.Reader) (io.Reader, error) {
		if strings.EqualFold(label, "utf-8") || strings.EqualFold(label, "utf8") {
			return in, nil
		}
		return nil, fmt.Errorf("unsupported XML encoding %q", label)
	}
	return d
}

func attr(se xml.StartElement, local string) string {
	for _, a := range se.Attr {
		if a.Name.Local == local {
			return a.Value
		}
	}
	return ""
}

type sheetEntry struct {
	name, part string
	hidden     bool
}

func (p *pkg) read() (*report.Workbook, error) {
	sheets, date1904, err := p.workbook()
	if err != nil {
		return nil, err
	}
	if len(sheets) > p.lim.Sheets {
		return nil, inputError(p.name, report.ErrLimit,
			fmt.Sprintf("工作表数 %d 超过上限 %d（可用 -max-sheets 调整）", len(sheets), p.lim.Sheets),
			fmt.Sprintf("%d sheets exceed the limit of %d (raise it with -max-sheets)", len(sheets), p.lim.Sheets))
	}
	rels := p.rels("xl/_rels/workbook.xml.rels", "xl")
	if err := p.styles(rels); err != nil {
		return nil, err
	}
	if err := p.sharedStrings(rels); err != nil {
		return nil, err
	}
	wb := &report.Workbook{Date1904: date1904}
	wb.Props = p.properties()
	for i, se := range sheets {
		target := rels.byID[se.part]
		s := &report.Sheet{Name: se.name, Hidden: se.hidden}
		if target != "" {
			if err := p.sheet(s, target, i); err != nil {
				return nil, err
			}
		}
		wb.Sheets = append(wb.Sheets, s)
	}
	return wb, nil
}

// properties reads the title, subject, author and company the file
// carries, which may name the city and the office. A part that is missing
// or broken leaves them blank: they are a hint, not the workbook.
func (p *pkg) properties() report.Properties {
	var props report.Properties
	want := map[string]map[string]*string{
		"docProps/core.xml": {"title": &props.Title, "subject": &props.Subject, "creator": &props.Creator},
		"docProps/app.xml":  {"Company": &props.Company},
	}
	for part, fields := range want {
		rc, ok, err := p.open(part)
		if err != nil || !ok {
			continue
		}
		d := decoder(rc)
		var into *string
		for {
			tok, err := d.RawToken()
			if err != nil {
				break
			}
			switch t := tok.(type) {
			case xml.StartElement:
				into = fields[t.Name.Local]
			case xml.EndElement:
				into = nil
			case xml.CharData:
				if into != nil && len(*into) < 1024 {
					*into += string(t)
				}
			}
		}
		rc.Close()
	}
	return props
}

func (p *pkg) workbook() ([]sheetEntry, bool, error) {
	rc, ok, err := p.open("xl/workbook.xml")
	if err != nil || !ok {
		return nil, false, fmt.Errorf("no readable xl/workbook.xml: %v", err)
	}
	defer rc.Close()
	d := decoder(rc)
	var sheets []sheetEntry
	date1904 := false
	for {
		tok, err := d.RawToken()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, false, err
		}
		se, ok := tok.(xml.StartElement)
		if !ok {
			continue
		}
		switch se.Name.Local {
		case "workbookPr":
			v := attr(se, "date1904")
			date1904 = v == "1" || v == "true"
		case "sheet":
			state := attr(se, "state")
			sheets = append(sheets, sheetEntry{name: attr(se, "name"), part: attr(se, "id"), hidden: state == "hidden" || state == "veryHidden"})
		}
	}
	return sheets, date1904, nil
}

// Parts are where a package keeps its worksheets and its styles, as its
// workbook and relationships name them, in lower case as the zip's names
// are matched: the updated workbook patches those parts.
type Parts struct {
	Sheets map[string]string // sheet name → part
	Styles string
}

// PartsOf reads the parts of a package already read once, so no limit
// applies.
func PartsOf(zr *zip.Reader) (Parts, error) {
	p := &pkg{name: "package", lim: DefaultLimits, files: map[string]*zip.File{}, deadline: time.Now().Add(time.Hour)}
	p.lim.UnzipSize = math.MaxInt64
	for _, f := range zr.File {
		p.files[strings.ToLower(f.Name)] = f
	}
	sheets, _, err := p.workbook()
	if err != nil {
		return Parts{}, err
	}
	rels := p.rels("xl/_rels/workbook.xml.rels", "xl")
	parts := Parts{Sheets: map[string]string{}, Styles: strings.ToLower(rels.byType["styles"])}
	for _, se := range sheets {
		if part := rels.byID[se.part]; part != "" {
			parts.Sheets[se.name] = strings.ToLower(part)
		}
	}
	return parts, nil
}

type relations struct {
	byID   map[string]string // rId → part path
	byType map[string]string // last path segment of the type → part path
}

// rels reads a relationships part; targets are resolved against base.
func (p *pkg) rels(name, base string) relations {
	r := relations{byID: map[string]string{}, byType: map[string]string{}}
	rc, ok, err := p.open(name)
	if err != nil || !ok {
		return r
	}
	defer rc.Close()
	d := decoder(rc)
	for {
		tok, err := d.RawToken()
		if err != nil {
			return r
		}
		se, ok := tok.(xml.StartElement)
		if !ok || se.Name.Local != "Relationship" {
			continue
		}
		target := attr(se, "Target")
		if strings.HasPrefix(target, "/") {
			target = strings.TrimPrefix(target, "/")
		} else {
			target = path.Join(base, target)
		}
		r.byID[attr(se, "Id")] = target
		typ := attr(se, "Type")
		r.byType[typ[strings.LastIndex(typ, "/")+1:]] = target
	}
}

// openRel opens the workbook part a relationship type points to, or the
// usual path where the relationships leave it out. ok is false where the
// workbook has no such part.
func (p *pkg) openRel(rels relations, typ, usual string) (io.ReadCloser, bool, error) {
	name := rels.byType[typ]
	if name == "" {
		name = usual
	}
	return p.open(name)
}

func (p *pkg) styles(rels relations) error {
	rc, ok, err := p.openRel(rels, "styles", "xl/styles.xml")
	if err != nil || !ok {
		return err
	}
	defer rc.Close()
	d := decoder(rc)
	custom := map[int]string{}
	inXfs := false
	for {
		tok, err := d.RawToken()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			switch t.Name.Local {
			case "numFmt":
				id, _ := strconv.Atoi(attr(t, "numFmtId"))
				custom[id] = attr(t, "formatCode")
			case "cellXfs":
				inXfs = true
			case "xf":
				if inXfs {
					id, _ := strconv.Atoi(attr(t, "numFmtId"))
					p.xfs = append(p.xfs, formatKind(id, custom))
				}
			}
		case xml.EndElement:
			if t.Name.Local == "cellXfs" {
				inXfs = false
			}
		}
	}
}

func formatKind(id int, custom map[int]string) report.NumFormat {
	if code, ok := custom[id]; ok {
		return classifyFormat(code)
	}
	switch {
	case builtinDates[id]:
		return report.FormatDate
	case builtinPercent[id]:
		return report.FormatPercent
	}
	return report.FormatGeneral
}

func (p *pkg) sharedStrings(rels relations) error {
	rc, ok, err := p.openRel(rels, "sharedStrings", "xl/sharedStrings.xml")
	if err != nil || !ok {
		return err
	}
	defer rc.Close()
	d := decoder(rc)
	var b strings.Builder
	inT, inPhonetic := false, 0
	for n := 0; ; n++ {
		if n&0xFFF == 0 && time.Now().After(p.deadline) {
			return p.timeLimit()
		}
		tok, err := d.RawToken()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			switch t.Name.Local {
			case "si":
				b.Reset()
			case "t":
				inT = true
			case "rPh":
				inPhonetic++
			}
		case xml.EndElement:
			switch t.Name.Local {
			case "si":
				if b.Len() > p.lim.CellChars && utf8.RuneCountInString(b.String()) > p.lim.CellChars {
					return p.cellLimit("sharedStrings.xml", fmt.Sprintf("#%d", len(p.sst)))
				}
				p.sst = append(p.sst, b.String())
			case "t":
				inT = false
			case "rPh":
				inPhonetic--
			}
		case xml.CharData:
			if inT && inPhonetic == 0 {
				if b.Len()+len(t) > p.lim.CellChars*4 {
					return p.cellLimit("sharedStrings", "")
				}
				b.Write(t)
			}
		}
	}
}

func (p *pkg) cellLimit(sheet, ref string) error {
	return inputError(p.name, report.ErrLimit,
		fmt.Sprintf("%s 单元格内容超过 %d 个字符上限（可用 -max-cell-chars 调整）", report.Ref(sheet, ref), p.lim.CellChars),
		fmt.Sprintf("%s holds more than %d characters (raise the limit with -max-cell-chars)", report.Ref(sheet, ref), p.lim.CellChars))
}

// colIndex reads the letters of an A1 reference: "AB12" → 27. ok is false
// for a reference with no letters.
func colIndex(ref string) (int, bool) {
	c := 0
	i := 0
	for ; i < len(ref); i++ {
		ch := ref[i] | 0x20
		if ch < 'a' || ch > 'z' {
			break
		}
		c = c*26 + int(ch-'a'+1)
		if c > 1<<20 {
			return 0, false
		}
	}
	return c - 1, i > 0
}

// sheet streams one worksheet into s.
func (p *pkg) sheet(s *report.Sheet, part string, index int) error {
	rc, ok, err := p.open(part)
	if err != nil {
		return err
	}
	if !ok {
		return nil
	}
	defer rc.Close()
	d := decoder(rc)
	var (
		row, col    = -1, -1
		cell        report.Cell
		cellType    string
		inCell, inV bool
		inIs, inT   bool
		hasF, hasV  bool
		hasIs       bool
		val         strings.Builder
		cells       int
		widest      int
	)
	limitErr := func(zh, en string) error {
		return inputError(p.name, report.ErrLimit, zh, en)
	}
	for {
		tok, err := d.RawToken()
		if err == io.EOF {
			break
		}
		if err != nil {
			return err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			switch t.Name.Local {
			case "row":
				if r, err := strconv.Atoi(attr(t, "r")); err == nil && r >= 1 {
					row = r - 1
				} else {
					row++
				}
				col, inCell = -1, false
				if row >= p.lim.Rows {
					return limitErr(fmt.Sprintf("工作表“%s”超过 %d 行上限（可用 -max-rows 调整）", s.Name, p.lim.Rows),
						fmt.Sprintf("sheet %q has more than %d rows (raise the limit with -max-rows)", s.Name, p.lim.Rows))
				}
			case "c":
				if ref := attr(t, "r"); ref != "" {
					if c, ok := colIndex(ref); ok {
						col = c
					} else {
						col++
					}
					if r, err := strconv.Atoi(strings.TrimLeft(ref, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")); err == nil && r >= 1 && row < 0 {
						row = r - 1
					}
				} else {
					col++
				}
				if row < 0 {
					row = 0
				}
				if col >= p.lim.Cols {
					return limitErr(fmt.Sprintf("工作表“%s”超过 %d 列上限（可用 -max-cols 调整）", s.Name, p.lim.Cols),
						fmt.Sprintf("sheet %q has more than %d columns (raise the limit with -max-cols)", s.Name, p.lim.Cols))
				}
				inCell, hasF, hasV, hasIs = true, false, false, false
				cellType = attr(t, "t")
				cell = report.Cell{}
				if xf, err := strconv.Atoi(attr(t, "s")); err == nil && xf >= 0 && xf < len(p.xfs) {
					cell.Format = p.xfs[xf]
					cell.Style = int32(xf)
				}
				val.Reset()
				cells++
				if cells&0xFFF == 0 && time.Now().After(p.deadline) {
					return p.timeLimit()
				}
			case "v":
				inV, hasV = inCell, hasV || inCell
			case "f":
				hasF = hasF || inCell
			case "is":
				inIs, hasIs = inCell, hasIs || inCell
			case "t":
				inT = inIs
			case "mergeCell":
				if m, ok := parseRange(attr(t, "ref")); ok {
					s.Merges = append(s.Merges, m)
				}
			}
		case xml.EndElement:
			switch t.Name.Local {
			case "v":
				inV = false
			case "is":
				inIs = false
			case "t":
				inT = false
			case "c":
				if !inCell || row < 0 || col < 0 {
					inCell = false
					break
				}
				inCell = false
				if val.Len() > p.lim.CellChars && utf8.RuneCountInString(val.String()) > p.lim.CellChars {
					return p.cellLimit(s.Name, report.CellName(col, row))
				}
				p.finishCell(&cell, cellType, val.String(), hasV || hasIs)
				if hasF {
					cell.Formula = true
					// openpyxl writes an empty <v></v> beside a formula it
					// could not compute; only a formula whose result is
					// text may have cached an empty one.
					cached := hasV && (val.Len() > 0 || cellType == "str")
					if !cached {
						p.uncomputed = append(p.uncomputed, formulaRef{sheet: s.Name, row: row, col: col, sheetIndex: index})
					}
				}
				if cell.Text == "" && !cell.Formula {
					break
				}
				for len(s.Rows) <= row {
					s.Rows = append(s.Rows, nil)
				}
				r := s.Rows[row]
				if len(r) <= col {
					if cap(r) > col {
						r = r[:col+1]
					} else {
						n := make([]report.Cell, col+1, max(col+1, 2*len(r)))
						copy(n, r)
						r = n
					}
				}
				r[col] = cell
				s.Rows[row] = r
				widest = max(widest, col+1)
			}
		case xml.CharData:
			if inV || (inIs && inT) {
				if val.Len()+len(t) > p.lim.CellChars*4 {
					return p.cellLimit(s.Name, report.CellName(col, row))
				}
				val.Write(t)
			}
		}
	}
	clipMerges(s, widest)
	s.FillMerges()
	return nil
}

// finishCell sets a cell's text and kind from its type and raw value.
func (p *pkg) finishCell(c *report.Cell, typ, raw string, has bool) {
	if !has {
		return
	}
	switch typ {
	case "s":
		if i, err := strconv.Atoi(strings.TrimSpace(raw)); err == nil && i >= 0 && i < len(p.sst) {
			c.Text = p.sst[i]
		}
	case "str", "inlineStr", "e":
		c.Text = raw
	case "b":
		if strings.TrimSpace(raw) == "1" {
			c.Text = "TRUE"
		} else {
			c.Text = "FALSE"
		}
	case "d":
		c.Text = raw
		if len(raw) >= 10 {
			c.Text = raw[:10] // ISO 8601: the day is enough
		}
	default:
		c.Text = raw
		if _, err := strconv.ParseFloat(strings.TrimSpace(raw), 64); err == nil {
			c.Number = true
		}
	}
}

// parseRange reads "A1:B2" into a 0-based range.
func parseRange(ref string) (report.Range, bool) {
	a, b, ok := strings.Cut(ref, ":")
	if !ok {
		b = a
	}
	c1, ok1 := colIndex(a)
	c2, ok2 := colIndex(b)
	r1, err1 := strconv.Atoi(strings.TrimLeft(a, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz$"))
	r2, err2 := strconv.Atoi(strings.TrimLeft(b, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz$"))
	if !ok1 || !ok2 || err1 != nil || err2 != nil || r1 < 1 || r2 < r1 || c2 < c1 {
		return report.Range{}, false
	}
	return report.Range{R1: r1 - 1, C1: c1, R2: r2 - 1, C2: c2}, true
}

// mergeFillBudget bounds how many cells merged ranges may copy into: a
// sheet merged whole from A1 to XFD1048576 must not become 17 billion
// cells.
const mergeFillBudget = 4 << 20

// clipMerges keeps merged ranges within the cells the sheet uses, and
// drops the fill of those that would still be too large.
func clipMerges(s *report.Sheet, width int) {
	budget := mergeFillBudget
	kept := s.Merges[:0]
	for _, m := range s.Merges {
		m.R2 = min(m.R2, len(s.Rows)-1)
		m.C2 = min(m.C2, max(width-1, m.C1))
		if m.R2 < m.R1 {
			continue
		}
		area := (m.R2 - m.R1 + 1) * (m.C2 - m.C1 + 1)
		if area > budget {
			continue
		}
		budget -= area
		kept = append(kept, m)
	}
	s.Merges = kept
}

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
