// Package publish is the use case the commands share: a workbook in, the
// checked result, the outputs written atomically, the period archived and
// the mail queued. build, watch, collect, history and serve call it;
// cmd/innoreport only turns flags into a Pipeline and prints what it
// returns.
package publish

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"time"

	"innoreport/internal/atomicfile"
	"innoreport/internal/mail"
	"innoreport/report"
	"innoreport/report/archive"
	"innoreport/report/doc"
	"innoreport/report/docx"
	"innoreport/report/pdf"
	"innoreport/report/xlsx/updated"
)

// ErrSetup marks a mistake in how a build was asked for (an output folder,
// -compare, SOURCE_DATE_EPOCH), not in the workbook; the command prints
// it as a usage error.
var ErrSetup = errors.New("publish: bad set-up")

func setupf(zh, en string, args ...any) error {
	return &report.BilingualError{Err: ErrSetup, Msg: report.Text{Zh: fmt.Sprintf(zh, args...), En: fmt.Sprintf(en, args...)}}
}

// Formats are the outputs a build writes.
type Formats struct{ PDF, XLSX, DOCX bool }

// Pipeline is how every workbook is built: the template and language, the
// outputs, the archive and the mail. Build only reads it (Early is taken
// once, atomically), so one Pipeline serves builds running at once.
type Pipeline struct {
	Template     *report.Template
	TemplateFile string // the -template file, kept with each period; "" is the built-in
	Lang         report.Lang
	AsOf         time.Time // zero: the workbook's own date, else today
	Annotate     bool
	Font         []byte
	FontFile     string // "" is the built-in font
	Formats      Formats
	DocxTemplate []byte
	DocxName     string // the reference document's file name, for its errors
	Read         Reader

	DB      string        // the period archive; "" keeps nothing
	Compare string        // "" the latest earlier period; a date; a workbook; "none"
	Early   *EarlyArchive // DB opened ahead of the build, where OpenEarly was called
	Replay  *Period       // history -export: the comparison as archived, no database
	Made    time.Time     // history -export: when the archived outputs said they were made

	MailTo       []string
	MailWorkbook bool
	SMTP         mail.Config
	MailBackoff  []time.Duration // Send's waits between tries

	Progress io.Writer // stage lines for a person waiting; nil where nobody is
}

// Say prints a stage of a long build, so a person sees it is working.
func (p *Pipeline) Say(format string, args ...any) {
	if p.Progress != nil {
		fmt.Fprintf(p.Progress, "innoreport: "+format+"\n", args...)
	}
}

// Built is what one build wrote.
type Built struct {
	Result  *report.Result
	Name    string
	PDF     string // "" where not asked for, as the others
	Book    string
	DOCX    string
	JSON    string
	Compare *report.Comparison
	Input   []byte
}

// Outputs are the files written, as format and path.
func (o *Built) Outputs() [][2]string {
	var out [][2]string
	for _, f := range [][2]string{{"pdf", o.PDF}, {"xlsx", o.Book}, {"docx", o.DOCX}} {
		if f[1] != "" {
			out = append(out, f)
		}
	}
	return out
}

// Build checks and aggregates the workbook in, and writes its outputs
// into dir, named after name, each through a temporary file renamed into
// place; with withJSON the check JSON too. The period is archived.
func (p *Pipeline) Build(ctx context.Context, in *Input, name, dir string, withJSON bool) (*Built, error) {
	made := p.Made
	if made.IsZero() {
		var err error
		if made, err = Made(); err != nil {
			return nil, err
		}
	}
	res, err := in.analyzeBy(ctx, p.Template, report.Options{AsOf: p.AsOf, Today: time.Now()})
	if err != nil {
		return nil, err
	}
	per := p.Replay
	if per == nil {
		pp, err := p.before(ctx, res)
		if err != nil {
			return nil, err
		}
		per = pp
		defer per.close()
	}
	p.Say("已校验 / checked: %d 项任务 tasks, %d 个问题 findings; 生成报告 / writing the report", res.Tasks.Total, len(res.Findings))
	out := &Built{Result: res, Name: name, Input: in.Data, Compare: per.Compare}
	outs, err := p.outputs(out, in, dir)
	if err != nil {
		return nil, err
	}
	files, err := p.render(res, in, per, made, outs)
	if err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		files.abort()
		return nil, err
	}
	if err := p.write(outs, files); err != nil {
		return nil, err
	}
	if withJSON {
		out.JSON = filepath.Join(dir, name+"-findings.json")
		if err := writeStream(out.JSON, func(w io.Writer) error { return res.WriteJSON(w, p.Lang) }); err != nil {
			return nil, err
		}
	}
	if err := p.record(ctx, per, res, in, made, files); err != nil {
		return nil, err
	}
	return out, nil
}

// rendered are the outputs before they are named: each written and synced
// to its temporary file (the PDF, the Word document, the updated
// workbook, in outs' order) by the goroutine that rendered it, while the
// others still render, and named only once all are done.
type rendered struct {
	files  [3]*atomicfile.File
	result []byte // archive.PackResult of the result, where it is archived
	// sums are the archived outputs' (the PDF's and the updated
	// workbook's), summed by the goroutines that rendered them.
	sums [3]archive.Output
}

// abort drops the outputs' temporary files.
func (r *rendered) abort() {
	for _, f := range r.files {
		if f != nil {
			f.Abort()
		}
	}
}

// stage writes what write writes to a temporary file beside path and
// syncs it, for write (or writeStream) to name.
func stage(path string, write func(io.Writer) error) (*atomicfile.File, error) {
	f, err := createOutput(path)
	if err != nil {
		return nil, err
	}
	if err := write(f); err != nil {
		f.Abort()
		return nil, writeError(path, err)
	}
	if err := f.Sync(); err != nil {
		f.Abort()
		return nil, writeError(path, err)
	}
	return f, nil
}

// writeBytes is a stage's write of data.
func writeBytes(data []byte) func(io.Writer) error {
	return func(w io.Writer) error {
		_, err := w.Write(data)
		return err
	}
}

func (p *Pipeline) render(res *report.Result, in *Input, per *Period, made time.Time, outs []output) (_ *rendered, err error) {
	printable, err := pdf.Printable(p.Font)
	if err != nil {
		return nil, err
	}
	r := &rendered{}
	defer func() {
		if err != nil {
			r.abort()
		}
	}()
	report.FlagUnprintable(res, printable)
	// The three render at once: each reads d and res without changing
	// them (the PDF replaces what fpdf cannot encode in its own copy of
	// d), and a small build's time is mostly theirs. The updated
	// workbook, the longest and needing only res, starts before d is laid
	// out. The messages keep their order; a failure is reported as the
	// first of docx, pdf, xlsx.
	var pdfBuf, word bytes.Buffer
	var docxErr, pdfErr, bookErr, packErr error
	var wg sync.WaitGroup
	if per.db != nil {
		// Packed beside the renders, not after them: the archived
		// result's JSON and gzip were a twelfth of a 100,000-task build,
		// all of it on one core after everything else.
		wg.Go(func() {
			r.result, packErr = archive.PackResult(func(w io.Writer) error { return res.WriteJSONLines(w, p.Lang) })
		})
	}
	if p.Formats.XLSX {
		p.Say("写出工作簿 / writing the updated workbook")
		opts := updated.Options{Lang: p.Lang, Annotate: p.Annotate, Compare: per.Compare, Password: p.Read.Options.Password, UnzipSize: p.Read.Options.Limits.UnzipSize}
		book, err := createOutput(outs[2].path)
		if err != nil {
			return nil, err
		}
		r.files[2] = book
		b := in.Book(res)
		wg.Go(func() {
			if bookErr = updated.Write(book, in.Data, b, res, opts); bookErr == nil {
				bookErr = writeError(outs[2].path, book.Sync())
			}
			if bookErr == nil && per.db != nil {
				r.sums[2], bookErr = sumFile(outs[2].path, book.File)
			}
		})
	}
	d, err := doc.Build(res, p.Template, doc.Options{Lang: p.Lang, Made: made, Compare: per.Compare, Trend: per.Trend})
	if err != nil {
		wg.Wait()
		return nil, err
	}
	if p.Formats.DOCX {
		p.Say("写出 Word 文档 / writing the Word document")
		wg.Go(func() {
			if docxErr = docx.Render(&word, d, docx.Options{Font: p.Font, Created: made, Template: p.DocxTemplate, TemplateName: p.DocxName}); docxErr == nil {
				r.files[1], docxErr = stage(outs[1].path, writeBytes(word.Bytes()))
			}
		})
	}
	if p.Formats.PDF {
		wg.Go(func() {
			if pdfErr = pdf.Render(&pdfBuf, d, pdf.Options{Font: p.Font, Created: made}); pdfErr == nil {
				r.files[0], pdfErr = stage(outs[0].path, writeBytes(pdfBuf.Bytes()))
			}
			if pdfErr == nil && per.db != nil {
				r.sums[0] = archive.Output{Name: filepath.Base(outs[0].path), SHA256: archive.Sum(pdfBuf.Bytes()), Size: int64(pdfBuf.Len())}
			}
		})
	}
	wg.Wait()
	if err := cmp.Or(docxErr, pdfErr, bookErr, packErr); err != nil {
		return nil, err
	}
	return r, nil
}

// output is one of a build's files: whether it is wanted, and its path.
type output struct {
	want bool
	path string
	set  *string // the Built field that names it once written
}

// outputs names the PDF, the Word document and the updated workbook in
// dir, refusing, before anything is rendered, to overwrite the input.
func (p *Pipeline) outputs(out *Built, in *Input, dir string) ([]output, error) {
	outs := []output{
		{p.Formats.PDF, filepath.Join(dir, out.Name+"-report.pdf"), &out.PDF},
		{p.Formats.DOCX, filepath.Join(dir, out.Name+"-report.docx"), &out.DOCX},
		{p.Formats.XLSX, filepath.Join(dir, out.Name+"-updated"+BookExt(in.Path)), &out.Book},
	}
	for _, o := range outs {
		if o.want && in.Path != "" && SamePath(o.path, in.Path) {
			return nil, setupf("输出 %s 会覆盖输入的工作簿，请换一个 -out 目录", "output %s would overwrite the input workbook: choose another -out", o.path)
		}
	}
	return outs, nil
}

// write names the rendered outputs, at once. The first failure in the
// outputs' order is the one reported.
func (p *Pipeline) write(outs []output, r *rendered) error {
	errs := make([]error, len(outs))
	var wg sync.WaitGroup
	for i, f := range r.files {
		if outs[i].want {
			wg.Go(func() { errs[i] = writeError(outs[i].path, f.CommitSynced(0o644)) })
		}
	}
	wg.Wait()
	if err := cmp.Or(errs...); err != nil {
		return err
	}
	for _, o := range outs {
		if o.want {
			*o.set = o.path
		}
	}
	return nil
}

// Made is when a report says it was made: SOURCE_DATE_EPOCH where set, so
// that builds are reproducible, else now.
func Made() (time.Time, error) {
	if s := os.Getenv("SOURCE_DATE_EPOCH"); s != "" {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return time.Time{}, setupf("环境变量 SOURCE_DATE_EPOCH=%q 不是整数秒", "SOURCE_DATE_EPOCH=%q is not a number of seconds", s)
		}
		return time.Unix(n, 0).UTC(), nil
	}
	return time.Now().UTC().Truncate(time.Second), nil
}

// WriteAtomic writes path through a temporary file renamed into place,
// making its folder first; errors say which folder.
func WriteAtomic(path string, data []byte) error {
	return writeStream(path, writeBytes(data))
}

// writeStream is WriteAtomic of what write writes, never held whole.
func writeStream(path string, write func(io.Writer) error) error {
	f, err := stage(path, write)
	if err != nil {
		return err
	}
	return writeError(path, f.CommitSynced(0o644))
}

// createOutput starts writing path, making its folder first; errors say
// which folder. The cause stays wrapped, so that watch can tell a full
// disk from a bad workbook.
func createOutput(path string) (*atomicfile.File, error) {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, &report.BilingualError{Err: err, Msg: report.Text{
			Zh: fmt.Sprintf("无法创建输出目录 %s：%v", dir, err), En: fmt.Sprintf("cannot create output folder %s: %v", dir, err)}}
	}
	f, err := atomicfile.Create(path)
	return f, writeError(path, err)
}

// writeError says which file could not be written, or is nil.
func writeError(path string, err error) error {
	if err == nil {
		return nil
	}
	var be *report.BilingualError
	if errors.As(err, &be) {
		return err
	}
	return &report.BilingualError{Err: err, Msg: report.Text{
		Zh: fmt.Sprintf("无法写入 %s：%v", path, err), En: fmt.Sprintf("cannot write %s: %v", path, err)}}
}
