package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
	"time"

	"innoreport/internal/mail"
	"innoreport/publish"
	"innoreport/report"
	"innoreport/report/docx"
	"innoreport/report/pdf"
)

// buildFlags are what build and watch share beyond common.
type buildFlags struct {
	common
	fontFile string
	annotate bool
	mailList string
	mailBook bool
	archive  archiveFlags
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

// pipeline is the build the flags describe, its archive at db ("" keeps
// nothing).
func (b *buildFlags) pipeline(db string) *publish.Pipeline {
	return &publish.Pipeline{
		Template: b.tmpl, TemplateFile: b.template, Lang: b.lang, AsOf: b.asOf, Annotate: b.annotate,
		Font: b.font, FontFile: b.fontFile, DocxTemplate: b.docxTmpl, DocxName: b.docxRef,
		Formats: publish.Formats{PDF: b.want["pdf"], XLSX: b.want["xlsx"], DOCX: b.want["docx"]},
		Read:    b.reader(), DB: db, Compare: b.archive.compare,
		MailTo: b.mailTo, MailWorkbook: b.mailBook, SMTP: b.smtp, MailBackoff: mailRetries,
		Progress: b.progress,
	}
}

// warm starts, each on a core of its own, what the outputs will need once
// the workbook is read and checked: the font parsed, the archive at db
// opened (see publish.OpenEarly), for p. Until then a small build keeps
// one core busy. What it returns lets go of an archive p did not take.
func (b *buildFlags) warm(ctx context.Context, p *publish.Pipeline) (done func()) {
	go pdf.Warm(b.font) // its characters flag the findings, whatever the formats
	if b.want["docx"] {
		go docx.Warm(b.font)
	}
	p.Early = publish.OpenEarly(ctx, p.DB)
	return p.Early.Close
}

// buildArgs reads the workbook named in args (none: the sample) and builds
// it into dir.
func buildArgs(ctx context.Context, p *publish.Pipeline, c *common, args []string, dir string) (*publish.Built, error) {
	if len(args) > 0 {
		p.Say("读取 / reading %s", args[0])
	} else {
		p.Say("读取内置样例 / reading the built-in sample")
	}
	in, err := c.stream(args)
	if err != nil {
		return nil, err
	}
	return p.Build(ctx, in, outputName(args), dir, false)
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
	if os.Getenv("GOMEMLIMIT") == "" {
		pkg := packageOf(fs.Args())
		defer pkg.limitMemory()()
		if pkg.small() && os.Getenv("GOGC") == "" {
			defer debug.SetGCPercent(debug.SetGCPercent(-1))
		}
	}
	db := b.archive.path(*out)
	p := b.pipeline(db)
	defer b.warm(ctx, p)()
	res, err := buildArgs(ctx, p, &b.common, fs.Args(), *out)
	if err != nil {
		return err
	}
	if len(b.mailTo) > 0 {
		if err := b.mail(ctx, res, filepath.Join(*out, ".mailq"), stderr); err != nil {
			return err
		}
	}
	if b.format == "json" {
		js, err := res.Result.JSON(b.lang)
		if err != nil {
			return err
		}
		// The check JSON plus where the outputs went, encoded by
		// encoding/json: a file name that is not UTF-8 stays valid JSON.
		files := map[string]string{}
		for _, o := range res.Outputs() {
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
		for _, o := range res.Outputs() {
			fmt.Fprintln(stdout, o[1])
		}
	}
	return failLevel(b.failOn, res.Result.Findings)
}

// small reports whether the workbook is known to unpack to 1 MB or less,
// some 1,000 tasks: small enough for its build to run without collecting
// until its heap nears the memory limit. A 39-task build allocates some
// 25 MB in all, and collecting it five times cost more than the fresh
// memory it saved, which is cheap on huge pages (see internal/hugeheap):
// a quarter less processor time for 12 MB more at its peak (55 MB). A
// workbook on standard input is of unknown size.
func (p jobPackage) small() bool {
	return p.known && p.unpacked <= 1<<20
}

// buildAnswer is build -format json's answer: the check JSON js, then the
// comparison and where the outputs went (paths, or URLs from serve).
func buildAnswer(js []byte, res *publish.Built, outputs map[string]string) ([]byte, error) {
	outs, err := json.MarshalIndent(outputs, "  ", "  ")
	if err != nil {
		return nil, err
	}
	js = bytes.TrimSuffix(bytes.TrimSpace(js), []byte("}"))
	cmp, err := json.MarshalIndent(res.Compare, "  ", "  ")
	if err != nil {
		return nil, err
	}
	return fmt.Appendf(nil, "%s,\n  \"compare\": %s,\n  \"outputs\": %s\n}\n", bytes.TrimRight(js, " \n"), cmp, outs), nil
}

// mailRetries are build's waits between tries before it leaves a mail in
// the queue for the next run.
var mailRetries = []time.Duration{2 * time.Second, 10 * time.Second}

// mail sends the report's mail, with whatever an earlier run left in the
// queue at dir, and says what became of it.
func (b *buildFlags) mail(ctx context.Context, res *publish.Built, dir string, stderr io.Writer) error {
	to := strings.Join(b.mailTo, ", ")
	again, err := b.pipeline("").Send(ctx, res, dir)
	switch {
	case err != nil:
		return err
	case again:
		// The very same mail (recipients, subject, attachments) went out
		// before: say so rather than claim a new sending.
		fmt.Fprintf(stderr, "innoreport: 这封邮件此前已发送给 %s，未重复发送 / this very mail was sent to %s before; not sent again\n", to, to)
	default:
		fmt.Fprintf(stderr, "innoreport: 已发送邮件 / mail sent to %s\n", to)
	}
	return nil
}

// outputName is the stem the outputs of the workbook in args are named
// after.
func outputName(args []string) string {
	if len(args) == 0 {
		return publish.OutputName("")
	}
	return publish.OutputName(args[0])
}
