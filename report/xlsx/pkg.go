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
	"strings"
	"time"

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
	p, data, err := openPkg(name, data, opts)
	if err != nil {
		return nil, err
	}
	wb, err := p.read()
	if err != nil {
		return nil, p.readError(err)
	}
	wb.Name = name
	if len(p.uncomputed) > 0 {
		computeFormulas(wb, data, p.uncomputed)
	}
	return wb, nil
}

// openPkg checks what data is, decrypts it, and opens its package, giving
// the package's bytes.
func openPkg(name string, data []byte, opts Options) (*pkg, []byte, error) {
	lim := opts.Limits.withDefaults()
	if err := sniff(name, data, opts.Password); err != nil {
		return nil, nil, err
	}
	decrypted := false
	if bytes.HasPrefix(data, oleMagic) {
		dec, err := excelize.Decrypt(data, &excelize.Options{Password: opts.Password})
		if err != nil {
			return nil, nil, inputError(name, report.ErrEncrypted, "无法解密或不支持的加密方式，请在 Excel 中去掉密码后另存为 .xlsx",
				"cannot decrypt, or an unsupported encryption: remove the password in Excel and save as .xlsx")
		}
		data, decrypted = dec, true
	}
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		if decrypted {
			return nil, nil, inputError(name, report.ErrPassword, "密码不正确，请核对 -password", "wrong password: check -password")
		}
		return nil, nil, inputError(name, report.ErrNotWorkbook, "文件已损坏（zip 结构不完整），请重新保存或重新发送",
			"the file is damaged (broken zip): save or send it again")
	}
	p := newPkg(name, lim, zr)
	p.deadline = time.Now().Add(lim.Time)
	var declared uint64
	for _, f := range zr.File {
		declared += f.UncompressedSize64
	}
	if declared > uint64(lim.UnzipSize) {
		return nil, nil, p.unzipLimit()
	}
	return p, data, nil
}

// readError is an error met reading the package, as a user reads it.
func (p *pkg) readError(err error) error {
	var be *report.BilingualError
	if errors.As(err, &be) {
		return err
	}
	return inputError(p.name, report.ErrNotWorkbook,
		"工作簿已损坏，无法读取（"+err.Error()+"），请在 Excel 或 WPS 中打开并另存后重试",
		"the workbook is damaged and cannot be read ("+err.Error()+"): open and save it again in Excel or WPS")
}

// pkg is one workbook package being read.
type pkg struct {
	name     string
	lim      Limits
	files    map[string]*zip.File // by exact name
	folded   map[string]*zip.File // by lower-case name, the first of each
	unpacked int64                // bytes unpacked so far, against lim.UnzipSize
	deadline time.Time

	sst        []string
	xfs        []report.NumFormat
	uncomputed []formulaRef
	interned   map[string]string // see intern

	// whole holds small sheets' parts inflated, by part: a streamed sheet
	// is read three times (its merged ranges, its head, its rows), and
	// inflating it again was a sixth of checking a small workbook.
	whole     map[string][]byte
	wholeSize int
}

type formulaRef struct {
	sheet      string
	row, col   int
	sheetIndex int
}

// newPkg indexes a package's parts.
func newPkg(name string, lim Limits, zr *zip.Reader) *pkg {
	p := &pkg{name: name, lim: lim, files: map[string]*zip.File{}, folded: map[string]*zip.File{}}
	for _, f := range zr.File {
		p.files[f.Name] = f
		if lower := strings.ToLower(f.Name); p.folded[lower] == nil {
			p.folded[lower] = f
		}
	}
	return p
}

// limit is a limit hit while reading, a report.LimitError: in a
// BilingualError, which the edges print, at where ("" for the file).
func (p *pkg) limit(where string, what report.Measure, limit int64, flag string) error {
	le := &report.LimitError{Name: p.name, Where: where, What: what, Limit: limit, Flag: flag}
	return &report.BilingualError{Msg: le.Message(), Err: le}
}

func (p *pkg) unzipLimit() error {
	return p.limit("", report.MeasureUnzipMB, p.lim.UnzipSize>>20, "-max-unzip-mb")
}

func (p *pkg) timeLimit() error {
	return p.limit("", report.MeasureSeconds, int64(p.lim.Time.Seconds()), "-max-seconds")
}

// counter counts every byte unpacked against the package's limit, so a
// part whose header lies about its size is still stopped.
//
// A part read again (a streamed sheet is read more than once) is counted
// once: again counts its bytes on their own, against what the first
// reading of the other parts left.
type counter struct {
	r     io.Reader
	p     *pkg
	again bool
	n     int64
}

func (c *counter) Read(b []byte) (int, error) {
	n, err := c.r.Read(b)
	c.n += int64(n)
	total := c.p.unpacked + c.n
	if !c.again {
		c.p.unpacked += int64(n)
		total = c.p.unpacked
	}
	if over := total - c.p.lim.UnzipSize; over > 0 {
		// The bytes past the limit are cut off, so that what a reader
		// sees before the error does not hang on how much it asks for
		// at a time: the scanner and encoding/xml then read the same.
		return n - int(min(over, int64(n))), c.p.unzipLimit()
	}
	return n, err
}

// open opens a part by name, its exact name first, else ignoring case:
// some writers spell xl/SharedStrings.xml so, and a package may hold both
// sheet1.xml and Sheet1.xml.
func (p *pkg) open(name string) (io.ReadCloser, bool, error) {
	return p.openPart(name, false)
}

// openPart opens a part by name; again reads it once more (see counter).
func (p *pkg) openPart(name string, again bool) (io.ReadCloser, bool, error) {
	name = strings.TrimPrefix(name, "/")
	f, ok := p.files[name]
	if !ok {
		f, ok = p.folded[strings.ToLower(name)]
	}
	if !ok {
		return nil, false, nil
	}
	var rc io.ReadCloser
	if b, ok := p.whole[f.Name]; ok {
		rc = io.NopCloser(bytes.NewReader(b))
	} else if b, ok := p.inflateWhole(f, again); ok {
		rc = io.NopCloser(bytes.NewReader(b))
	} else {
		var err error
		if rc, err = f.Open(); err != nil {
			return nil, true, err
		}
	}
	cr := &counter{r: rc, p: p, again: again}
	if f.UncompressedSize64 >= readaheadMin {
		return newReadahead(cr, rc), true, nil
	}
	return struct {
		io.Reader
		io.Closer
	}{cr, rc}, true, nil
}

// Parts smaller than readaheadMin read again (again: a sheet's first
// pass) are kept inflated, up to wholeTotal bytes in all.
const wholeTotal = 16 << 20

// inflateWhole inflates f whole and keeps it, where it is a small part
// read again: the bytes it holds, whether it kept them. Bytes past what
// its header declares, a wrong checksum or the unzip limit leave it to be
// read as a stream, which meets the same error where it would have.
func (p *pkg) inflateWhole(f *zip.File, again bool) ([]byte, bool) {
	size := f.UncompressedSize64
	if !again || size >= readaheadMin || p.wholeSize+int(size) > wholeTotal {
		return nil, false
	}
	rc, err := f.Open()
	if err != nil {
		return nil, false
	}
	defer rc.Close()
	cr := &counter{r: rc, p: p, again: true}
	b := make([]byte, 0, size+1)
	for {
		n, err := cr.Read(b[len(b):cap(b)])
		b = b[:len(b)+n]
		if err == io.EOF {
			break
		}
		if err != nil || len(b) == cap(b) {
			return nil, false
		}
	}
	if p.whole == nil {
		p.whole = map[string][]byte{}
	}
	p.whole[f.Name] = b
	p.wholeSize += len(b)
	return b, true
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

// prelude reads what comes before the sheets: the workbook's list of
// them, its styles, shared strings and properties. The workbook returned
// has no sheets yet.
func (p *pkg) prelude() (*report.Workbook, []sheetEntry, relations, error) {
	sheets, date1904, err := p.workbook()
	if err != nil {
		return nil, nil, relations{}, err
	}
	if len(sheets) > p.lim.Sheets {
		return nil, nil, relations{}, p.limit("", report.MeasureSheets, int64(p.lim.Sheets), "-max-sheets")
	}
	rels := p.rels("xl/_rels/workbook.xml.rels", "xl")
	if err := p.styles(rels); err != nil {
		return nil, nil, relations{}, err
	}
	if err := p.sharedStrings(rels); err != nil {
		return nil, nil, relations{}, err
	}
	wb := &report.Workbook{Date1904: date1904, Name: p.name}
	wb.Props = p.properties()
	return wb, sheets, rels, nil
}

type sheetEntry struct {
	name, part string
	hidden     bool
}

func (p *pkg) read() (*report.Workbook, error) {
	wb, sheets, rels, err := p.prelude()
	if err != nil {
		return nil, err
	}
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
	lim := DefaultLimits
	lim.UnzipSize = math.MaxInt64
	p := newPkg("package", lim, zr)
	p.deadline = time.Now().Add(time.Hour)
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
