package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"innoreport/internal/atomicfile"
	"innoreport/internal/fsname"
	"innoreport/report"
	"innoreport/report/doc"
	"innoreport/report/docx"
	"innoreport/report/mail"
	"innoreport/report/pdf"
	"innoreport/report/xlsx/updated"
)

// buildFlags are what build and watch share beyond common.
type buildFlags struct {
	common
	fontFile string
	annotate bool
	mailList string
	mailBook bool
	archive  archiveFlags
	replay   *period   // history -export: the comparison as archived, no database
	made     time.Time // history -export: when the archived outputs said they were made
	wbName   string    // history -export: the workbook's name as the archived report gave it
	formats  string
	docxRef  string

	want     map[string]bool // the formats to write: pdf, xlsx, docx
	docxTmpl []byte          // the -docx-template reference document

	font     []byte
	progress io.Writer // stage lines for a person waiting; nil in watch, which logs
	tmpl     *report.Template
	asOf     time.Time
	mailTo   []string
	smtp     mail.Config
}

func (b *buildFlags) register(fs *flag.FlagSet) {
	b.common.register(fs)
	fs.StringVar(&b.fontFile, "font", "", "PDF 使用的 TrueType 字体 / TrueType `FILE.ttf` for the PDF (default: the embedded WenQuanYi Micro Hei)")
	fs.BoolVar(&b.annotate, "annotate", true, "在更新后的工作簿中标注有问题的单元格 / fill and comment the cells with findings in the updated workbook's own sheets")
	fs.StringVar(&b.mailList, "mail-to", "", "把报告发送到这些邮箱 / email the report to these `ADDRESSES` (a@x,b@y); SMTP from INNOREPORT_SMTP_URL and INNOREPORT_MAIL_FROM")
	fs.BoolVar(&b.mailBook, "mail-workbook", false, "邮件同时附上更新后的工作簿 / attach the updated workbook to the mail too")
	b.archive.register(fs)
	fs.StringVar(&b.formats, "formats", "pdf,xlsx,docx", "要生成的文件 / the outputs to write: `LIST` of pdf, xlsx, docx")
	fs.StringVar(&b.docxRef, "docx-template", "", "用本局的 Word 模板（样式、红头、页面设置） / the bureau's reference `FILE.docx` (styles, 红头 masthead, page setup) to fill the Word report into")
}

// parseFormats reads -formats: pdf, xlsx and docx, at least one.
func (b *buildFlags) parseFormats() error {
	b.want = map[string]bool{}
	for _, f := range strings.Split(b.formats, ",") {
		f = strings.ToLower(strings.TrimSpace(f))
		switch f {
		case "pdf", "xlsx", "docx":
			b.want[f] = true
		case "":
		default:
			return usagef("-formats 中的“%s”不认识，可选 pdf、xlsx、docx", "-formats: unknown %q; choose from pdf, xlsx, docx", f)
		}
	}
	if len(b.want) == 0 {
		return usagef("-formats 至少要有 pdf、xlsx、docx 之一", "-formats needs at least one of pdf, xlsx, docx")
	}
	if b.mailList != "" && !b.want["pdf"] && !b.want["docx"] {
		return usagef("-mail-to 要发送报告，-formats 中须有 pdf 或 docx", "-mail-to sends the report: -formats needs pdf or docx")
	}
	if b.docxRef != "" {
		if !b.want["docx"] {
			return usagef("给了 -docx-template 但 -formats 中没有 docx", "-docx-template given but -formats has no docx")
		}
		data, err := os.ReadFile(b.docxRef)
		if err != nil {
			return usagef("无法读取 Word 模板 %s：%v", "cannot read the Word reference %s: %v", b.docxRef, err)
		}
		b.docxTmpl = data
	}
	return nil
}

// prepare checks everything that can be checked before any workbook is
// read, so a mistake in the set-up is reported once, up front.
func (b *buildFlags) prepare() error {
	if err := b.validate(); err != nil {
		return err
	}
	if err := b.parseFormats(); err != nil {
		return err
	}
	if err := b.archive.validate(); err != nil {
		return err
	}
	b.font = pdf.DefaultFont
	if b.fontFile != "" {
		data, err := os.ReadFile(b.fontFile)
		if err != nil {
			return usagef("无法读取字体 %s：%v", "cannot read font %s: %v", b.fontFile, err)
		}
		if err := pdf.CheckFont(b.fontFile, data); err != nil {
			return err
		}
		b.font = data
	}
	var err error
	if b.tmpl, err = b.loadTemplate(); err != nil {
		return err
	}
	if b.asOf, err = b.parseAsOf(); err != nil {
		return err
	}
	if b.mailList != "" {
		if b.mailTo, err = mail.ParseRecipients(b.mailList); err != nil {
			return err
		}
		if b.smtp, err = mail.ConfigFromEnv(os.Getenv); err != nil {
			return err
		}
	}
	return nil
}

// say prints a stage of a long build, so a person sees it is working.
func (b *buildFlags) say(format string, args ...any) {
	if b.progress != nil {
		fmt.Fprintf(b.progress, "innoreport: "+format+"\n", args...)
	}
}

// built is what one build wrote.
type built struct {
	res              *report.Result
	name             string
	pdf, book, jsonp string // "" where not asked for
	docx             string
	compare          *report.Comparison
	input            []byte
}

// buildInto analyzes one workbook (args: none for the sample, or a path)
// and writes its outputs into dir; each file goes to a temporary name first
// and is renamed into place.
func (b *buildFlags) buildInto(ctx context.Context, args []string, dir string, withJSON bool) (*built, error) {
	made, err := madeTime()
	if err != nil {
		return nil, err
	}
	if !b.made.IsZero() {
		made = b.made
	}
	if len(args) > 0 {
		b.say("读取 / reading %s", args[0])
	} else {
		b.say("读取内置样例 / reading the built-in sample")
	}
	in, err := b.open(args)
	if err != nil {
		return nil, err
	}
	if b.wbName != "" {
		in.wb.Name = b.wbName
	}
	return b.buildFrom(ctx, in, outputName(args), dir, withJSON, made)
}

// buildFrom is buildInto for a workbook already read: its outputs are
// named after name.
func (b *buildFlags) buildFrom(ctx context.Context, in *input, name, dir string, withJSON bool, made time.Time) (*built, error) {
	res := report.Analyze(in.wb, b.tmpl, report.Options{AsOf: b.asOf, Today: time.Now()})
	per := b.replay
	if per == nil {
		p, err := b.beforeBuild(ctx, res, dir)
		if err != nil {
			return nil, err
		}
		per = p
		defer per.close()
	}
	b.say("已校验 / checked: %d 项任务 tasks, %d 个问题 findings; 生成报告 / writing the report", res.Tasks.Total, len(res.Findings))
	printable, err := pdf.Printable(b.font)
	if err != nil {
		return nil, err
	}
	report.FlagUnprintable(res, printable)
	d, err := doc.Build(res, b.tmpl, doc.Options{Lang: b.lang, Made: made, Compare: per.compare, Trend: per.trend})
	if err != nil {
		return nil, err
	}
	var pdfBuf, book, word bytes.Buffer
	if b.want["docx"] {
		// Before the PDF, which replaces in d what fpdf cannot encode.
		b.say("写出 Word 文档 / writing the Word document")
		if err := docx.Render(&word, d, docx.Options{Font: b.font, Created: made, Template: b.docxTmpl, TemplateName: b.docxRef}); err != nil {
			return nil, err
		}
	}
	if b.want["pdf"] {
		if err := pdf.Render(&pdfBuf, d, pdf.Options{Font: b.font, Created: made}); err != nil {
			return nil, err
		}
	}
	if b.want["xlsx"] {
		b.say("写出工作簿 / writing the updated workbook")
		if err := updated.Write(&book, in.data, in.wb, res, updated.Options{Lang: b.lang, Annotate: b.annotate, Compare: per.compare, Password: b.password, UnzipSize: b.maxUnzip << 20}); err != nil {
			return nil, err
		}
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	out := &built{res: res, name: name, input: in.data}
	outputs := []struct {
		format string
		path   *string
		file   string
		data   []byte
	}{
		{"pdf", &out.pdf, name + "-report.pdf", pdfBuf.Bytes()},
		{"docx", &out.docx, name + "-report.docx", word.Bytes()},
		{"xlsx", &out.book, name + "-updated" + bookExt(in.path), book.Bytes()},
	}
	for _, o := range outputs {
		p := filepath.Join(dir, o.file)
		if b.want[o.format] && in.path != "" && samePath(p, in.path) {
			return nil, usagef("输出 %s 会覆盖输入的工作簿，请换一个 -out 目录", "output %s would overwrite the input workbook: choose another -out", p)
		}
	}
	for _, o := range outputs {
		if !b.want[o.format] {
			continue
		}
		*o.path = filepath.Join(dir, o.file)
		if err := writeAtomic(*o.path, o.data); err != nil {
			return nil, err
		}
	}
	if withJSON {
		js, err := res.JSON(b.lang)
		if err != nil {
			return nil, err
		}
		out.jsonp = filepath.Join(dir, name+"-findings.json")
		if err := writeAtomic(out.jsonp, js); err != nil {
			return nil, err
		}
	}
	out.compare = per.compare
	if err := b.record(ctx, per, res, in, made, out.pdf, out.book); err != nil {
		return nil, err
	}
	return out, nil
}

func runBuild(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var b buildFlags
	fs := newFlagSet("build", stderr, nil)
	b.register(fs)
	out := fs.String("out", "out", "输出目录 / output `DIR`")
	fs.StringVar(&b.failOn, "fail-on", "never", "问题达到此级别时退出码为 1 / exit 1 when a finding reaches this level: error, warning or never")
	if err := parseCommand(fs, "innoreport build [flags] [WORKBOOK.xlsx]", args, &b.failOn, stderr); err != nil {
		return err
	}
	if err := b.prepare(); err != nil {
		return err
	}
	b.progress = stderr
	res, err := b.buildInto(ctx, fs.Args(), *out, false)
	if err != nil {
		return err
	}
	if len(b.mailTo) > 0 {
		if err := b.mailNow(ctx, res, filepath.Join(*out, ".mailq"), stderr); err != nil {
			return err
		}
	}
	if b.format == "json" {
		js, err := res.res.JSON(b.lang)
		if err != nil {
			return err
		}
		// The check JSON plus where the outputs went, encoded by
		// encoding/json: a file name that is not UTF-8 stays valid JSON.
		files := map[string]string{}
		for _, o := range res.outputs() {
			files[o[0]] = o[1]
		}
		js, err = buildAnswer(js, res, files)
		if err != nil {
			return err
		}
		if _, err := stdout.Write(js); err != nil {
			return err
		}
	} else {
		for _, o := range res.outputs() {
			fmt.Fprintln(stdout, o[1])
		}
	}
	return failLevel(b.failOn, res.res.Findings)
}

// buildAnswer is build -format json's answer: the check JSON js, then the
// comparison and where the outputs went (paths, or URLs from serve).
func buildAnswer(js []byte, res *built, outputs map[string]string) ([]byte, error) {
	outs, err := json.MarshalIndent(outputs, "  ", "  ")
	if err != nil {
		return nil, err
	}
	js = bytes.TrimSuffix(bytes.TrimSpace(js), []byte("}"))
	cmp, err := json.MarshalIndent(res.compare, "  ", "  ")
	if err != nil {
		return nil, err
	}
	return fmt.Appendf(nil, "%s,\n  \"compare\": %s,\n  \"outputs\": %s\n}\n", bytes.TrimRight(js, " \n"), cmp, outs), nil
}

// outputs are the files written, as format and path.
func (o *built) outputs() [][2]string {
	var out [][2]string
	for _, f := range [][2]string{{"pdf", o.pdf}, {"xlsx", o.book}, {"docx", o.docx}} {
		if f[1] != "" {
			out = append(out, f)
		}
	}
	return out
}

// mailRetries are build's waits between tries before it leaves a mail in
// the queue for the next run.
var mailRetries = []time.Duration{2 * time.Second, 10 * time.Second}

// errMailQueued says a mail could not be sent now and waits in the queue.
var errMailQueued = errors.New("mail queued")

// errMailRejected says the server refused a mail for good (5xx).
var errMailRejected = errors.New("mail rejected")

// mailNow queues the report's mail and tries to send it, with whatever an
// earlier run left in the queue, retrying a little before giving up.
func (b *buildFlags) mailNow(ctx context.Context, res *built, dir string, stderr io.Writer) error {
	m, err := b.compose(res)
	if err != nil {
		return err
	}
	// No Allowed list: the queue holds what earlier runs, with other
	// -mail-to, left for this one to send. Attachments are still checked.
	q := &mail.Queue{Dir: dir, Config: b.smtp, Backoff: mailRetries}
	if err := q.Put(m); err != nil {
		return err
	}
	to := strings.Join(b.mailTo, ", ")
	if q.Status(m.ID) == mail.StatusSent {
		// The very same mail (recipients, subject, attachments) went out
		// before: say so rather than claim a new sending.
		fmt.Fprintf(stderr, "innoreport: 这封邮件此前已发送给 %s，未重复发送 / this very mail was sent to %s before; not sent again\n", to, to)
		return nil
	}
	for i := 0; ; i++ {
		if _, _, err := q.Flush(ctx); err != nil {
			return err
		}
		// "Sent" only for this mail, and only once the server took it.
		switch q.Status(m.ID) {
		case mail.StatusSent:
			fmt.Fprintf(stderr, "innoreport: 已发送邮件 / mail sent to %s\n", to)
			return nil
		case mail.StatusDead:
			return &report.BilingualError{Err: errMailRejected, Msg: report.Text{
				Zh: fmt.Sprintf("邮件服务器拒收（服务器 %s），邮件已移到 %s，请检查收件地址", mail.Redacted(b.smtp.URL), filepath.Join(dir, "dead")),
				En: fmt.Sprintf("the mail server refused the mail for good (server %s); it was moved to %s: check the addresses", mail.Redacted(b.smtp.URL), filepath.Join(dir, "dead")),
			}}
		}
		if i >= len(mailRetries) || ctx.Err() != nil {
			return &report.BilingualError{Err: errMailQueued, Msg: report.Text{
				Zh: fmt.Sprintf("邮件暂未发出（服务器 %s），已保存在 %s，下次运行 build 或 watch 时自动重发", mail.Redacted(b.smtp.URL), dir),
				En: fmt.Sprintf("the mail could not be sent yet (server %s); it is kept in %s and the next build or watch sends it", mail.Redacted(b.smtp.URL), dir),
			}}
		}
		select {
		case <-ctx.Done():
		case <-time.After(mailRetries[i]):
		}
	}
}

// madeTime is when the report says it was made: SOURCE_DATE_EPOCH where
// set, so that builds are reproducible, else now.
func madeTime() (time.Time, error) {
	if s := os.Getenv("SOURCE_DATE_EPOCH"); s != "" {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return time.Time{}, usagef("环境变量 SOURCE_DATE_EPOCH=%q 不是整数秒", "SOURCE_DATE_EPOCH=%q is not a number of seconds", s)
		}
		return time.Unix(n, 0).UTC(), nil
	}
	return time.Now().UTC().Truncate(time.Second), nil
}

// bookExt keeps a macro-enabled workbook macro-enabled: Excel refuses an
// .xlsx that holds a VBA project.
func bookExt(path string) string {
	switch strings.ToLower(filepath.Ext(path)) {
	case ".xlsm", ".xltm":
		return ".xlsm"
	}
	return ".xlsx"
}

// samePath reports whether a and b name the same file.
func samePath(a, b string) bool {
	fa, errA := os.Stat(a)
	fb, errB := os.Stat(b)
	if errA == nil && errB == nil {
		return os.SameFile(fa, fb)
	}
	aa, _ := filepath.Abs(a)
	bb, _ := filepath.Abs(b)
	return aa == bb
}

// outputName is the stem the outputs are named after, cut short enough
// that "-findings.json" and a temporary marker still fit in a file name.
func outputName(args []string) string {
	if len(args) == 0 {
		return "neijiang-2021"
	}
	base := filepath.Base(args[0])
	return fsname.FitN(strings.TrimSuffix(base, filepath.Ext(base)), "", 150)
}

// writeAtomic writes path through a temporary file renamed into place,
// making its folder first; errors say which folder.
func writeAtomic(path string, data []byte) error {
	dir := filepath.Dir(path)
	// The cause stays wrapped, so that watch can tell a full disk from a
	// bad workbook.
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return &report.BilingualError{Err: err, Msg: report.Text{
			Zh: fmt.Sprintf("无法创建输出目录 %s：%v", dir, err), En: fmt.Sprintf("cannot create output folder %s: %v", dir, err)}}
	}
	if err := atomicfile.WriteFile(path, data, 0o644); err != nil {
		return &report.BilingualError{Err: err, Msg: report.Text{
			Zh: fmt.Sprintf("无法写入 %s：%v", path, err), En: fmt.Sprintf("cannot write %s: %v", path, err)}}
	}
	return nil
}
