// Package updated writes the updated workbook: the bureau's own package
// with the results of a check written into it. It is cut by what it
// writes: the tasks sheet's patch (tasks.go, applied as a stream by
// patch.go), the summary, the indicators, the findings and the
// annotations, each in its file. The figures come from the result; of
// the grid it keeps only what book.go takes. input.go and output.go pass
// over the package once each, before and after excelize.
package updated

import (
	"archive/zip"
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/xuri/excelize/v2"

	"innoreport/report"
	"innoreport/report/xlsx"
)

// Options steer the updated workbook.
type Options struct {
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
	if lang == report.En {
		return names{"Summary", "Indicators attained", "Findings",
			[]string{"Assessed status", "Due by now", "Section (summary)", "Lead unit (summary)", "Action type (summary)"}}
	}
	return names{"汇总", "指标达成", "校验结果",
		[]string{"评估状态", "序时进度", "所属板块", "牵头单位（汇总）", "动作类型（汇总）"}}
}

// commentMark starts every comment innoreport writes, so a rebuild can
// find and replace its own.
const commentMark = "innoreport: "

// Write writes the bureau's workbook src with the results of res
// written into it: assessed columns on the tasks sheet, and summary,
// indicator and findings sheets whose figures are live formulas with
// their computed values stored beside them.
//
// b is the workbook as read (WholeBook or StreamedBook), taken once the
// result's findings are final: the cells they cite are read then.
func Write(w io.Writer, src []byte, b *Book, res *report.Result, opts Options) (err error) {
	// excelize panics on some packages it reads without complaint; the
	// user gets one line naming the file, not a crash.
	defer func() {
		if r := recover(); r != nil {
			err = writeError(b.name, fmt.Sprint(r))
		}
	}()
	if err := writeUpdated(w, src, b, res, opts); err != nil {
		var be *report.BilingualError
		if errors.As(err, &be) {
			return err
		}
		return writeError(b.name, err.Error())
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

func writeUpdated(w io.Writer, src []byte, b *Book, res *report.Result, opts Options) (err error) {
	unzip := opts.UnzipSize
	if unzip <= 0 {
		unzip = xlsx.DefaultLimits.UnzipSize
	}
	if opts.Password != "" && !bytes.HasPrefix(src, []byte("PK")) {
		// Decrypted first, so that what follows sees the package itself.
		if src, err = excelize.Decrypt(src, &excelize.Options{Password: opts.Password}); err != nil {
			return fmt.Errorf("xlsx: decrypting the workbook: %w", err)
		}
	}
	bk, err := bookOf(b, src, res)
	if err != nil {
		return err
	}
	orig, size := src, len(src)
	u := newUpdater(bk, res, opts)
	if src, err = u.input(src); err != nil {
		return fmt.Errorf("xlsx: preparing the workbook: %w", err)
	}
	// The package goes straight to w where a failed attempt can be taken
	// back (a bytes.Buffer, as publish gives, or a file); else, and to be
	// encrypted, it is held first.
	dst, held := w, (*bytes.Buffer)(nil)
	undo, undoable := undoer(w)
	if opts.Password != "" || !undoable {
		held = new(bytes.Buffer)
		dst = held
		undo, _ = undoer(held)
	}
	if g, ok := dst.(interface{ Grow(int) }); ok {
		// Room for the output, about 1.6 times the input at 20,000 and
		// 100,000 tasks: growing by doubling from nothing allocated and
		// cleared four times the output, and past a short guess twice.
		g.Grow(2*size + 64<<10)
	}
	err = u.write(dst, func() (*excelize.File, error) {
		return excelize.OpenReader(bytes.NewReader(src), excelize.Options{UnzipSizeLimit: unzip})
	}, opts.Annotate)
	if err != nil {
		// A package the reader got through and excelize cannot update
		// (part names in the wrong case, beta-Office namespaces, a
		// truncated part, an entity bomb in the shared strings): the
		// workbook is rebuilt from what was read.
		if err := undo(); err != nil {
			return err
		}
		u = newUpdater(bk, res, opts)
		rebuild := func() (*excelize.File, error) {
			wb, err := b.grid(orig)
			if err != nil {
				return nil, err
			}
			return u.rebuild(wb, orig)
		}
		if err = u.write(dst, rebuild, opts.Annotate); err != nil {
			return errors.Join(err, undo())
		}
	}
	switch {
	case held == nil:
		return nil
	case opts.Password == "":
		_, err = held.WriteTo(w)
		return err
	}
	enc, err := excelize.Encrypt(held.Bytes(), &excelize.Options{Password: opts.Password})
	if err != nil {
		return err
	}
	_, err = w.Write(enc)
	return err
}

// undoer returns what takes w back to where it stands now, where w can
// be taken back: a bytes.Buffer, or a file.
func undoer(w io.Writer) (undo func() error, ok bool) {
	switch w := w.(type) {
	case interface {
		Len() int
		Truncate(n int)
	}:
		n := w.Len()
		return func() error { w.Truncate(n); return nil }, true
	case interface {
		io.Seeker
		Truncate(size int64) error
	}:
		pos, err := w.Seek(0, io.SeekCurrent)
		if err != nil {
			return nil, false
		}
		return func() error {
			if err := w.Truncate(pos); err != nil {
				return err
			}
			_, err := w.Seek(pos, io.SeekStart)
			return err
		}, true
	}
	return nil, false
}

func newUpdater(bk *book, res *report.Result, opts Options) *updater {
	u := &updater{book: bk, res: res, lang: opts.Lang, compare: opts.Compare, n: namesFor(opts.Lang), fills: map[[2]int]int{},
		patches: map[string]*sheetPatch{}, big: map[string]bool{}}
	for sheet, rows := range u.book.rows {
		u.big[sheet] = rows > commentRows
	}
	return u
}

// write adds innoreport's sheets and columns to the workbook open gives,
// writing the finished package to w.
func (u *updater) write(w io.Writer, open func() (*excelize.File, error), annotate bool) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("excelize: %v", r)
		}
	}()
	parts, err := u.edit(open, annotate)
	if err != nil {
		return err
	}
	return u.finish(w, parts)
}

// edit makes excelize's changes and returns the parts it writes; its
// File is let go before finish streams the package out.
func (u *updater) edit(open func() (*excelize.File, error), annotate bool) (parts *partsZip, err error) {
	f, err := open()
	if err != nil {
		return nil, fmt.Errorf("xlsx: reopening the workbook: %w", err)
	}
	defer func() {
		u.f = nil
		if cerr := f.Close(); err == nil && cerr != nil {
			err = cerr
		}
	}()
	u.f = f
	if p, err := f.GetWorkbookProps(); err == nil && p.Date1904 != nil {
		u.date1904 = *p.Date1904
	}
	for _, step := range []func() error{u.prepare, u.tasks, u.summary, u.indicators, u.findings} {
		if err := step(); err != nil {
			return nil, err
		}
	}
	for _, p := range u.patches {
		if r, ok := p.rows.(*sheetRows); ok {
			p.lastRow, p.maxCol = r.dims()
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
	parts = newPartsZip()
	f.SetZipWriter(func(io.Writer) excelize.ZipWriter { return parts })
	if err := f.Write(io.Discard); err != nil {
		return nil, err
	}
	return parts, nil
}

type updater struct {
	f       *excelize.File
	book    *book
	res     *report.Result
	patches map[string]*sheetPatch // source sheet → what changes in it
	// originals are the big sheets' parts in the input, stubbed for
	// excelize (see input), by lower-case part name.
	originals map[string]*zip.File
	inputs    map[string]*zip.File // every part of the input, by lower-case name
	stubs     map[string][]byte    // the stand-ins excelize gets, by lower-case part name (see bigParts)
	legacy    map[string]string    // the originals' legacyDrawing relationships, by part
	theme     *zip.File            // the theme, kept from excelize (see input) and put back by finish
	big       map[string]bool      // sheets of more than commentRows rows
	strict    bool                 // the input is Strict OOXML, its originals too
	addStyles bool                 // the input has no styles part: input adds one
	rebuilt   bool                 // excelize could not open the input: see rebuild
	date1904  bool                 // the workbook counts dates from 1904 (a Mac Excel's)
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
}

func (u *updater) L(zh, en string) string {
	if u.lang == report.En {
		return en
	}
	return zh
}

// patch returns the patch of a source sheet, making it on first use.
func (u *updater) patch(sheet string) *sheetPatch {
	p := u.patches[sheet]
	if p == nil {
		p = &sheetPatch{}
		u.patches[sheet] = p
	}
	return p
}
