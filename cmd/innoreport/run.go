package main

import (
	"archive/zip"
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"strings"
	"time"

	"innoreport/internal/builtin"
	"innoreport/internal/hugeheap"
	"innoreport/internal/mail"
	"innoreport/publish"
	"innoreport/report"
	"innoreport/report/docx"
	"innoreport/report/pdf"
	"innoreport/report/xlsx"
	"innoreport/report/xlsx/updated"
	"innoreport/samples"
	"innoreport/templates"
)

// Exit codes, as the manual gives them.
const (
	exitOK       = 0
	exitFindings = 1 // a finding reached -fail-on
	exitInput    = 2 // unreadable input or wrong usage
)

// usageError is a wrong command line.
type usageError struct{ zh, en string }

func (e *usageError) Error() string { return e.zh + " / " + e.en }

func usagef(zh, en string, args ...any) error {
	return &usageError{fmt.Sprintf(zh, args...), fmt.Sprintf(en, args...)}
}

// findingsError says the run worked but findings reached the failing level.
type findingsError struct {
	count int
	level string
}

func (e *findingsError) Error() string {
	return fmt.Sprintf("%d findings at or above %s", e.count, e.level)
}

// exitCode turns run's error into an exit status, printing what the user
// needs to read; no stack trace ever reaches them.
func exitCode(err error, stderr io.Writer) int {
	var ue *usageError
	var fe *findingsError
	switch {
	case err == nil, errors.Is(err, errHelp):
		return exitOK
	case errors.As(err, &fe):
		return exitFindings
	case errors.As(err, &ue):
		fmt.Fprintf(stderr, "innoreport: %s / %s (usage; see innoreport help)\n", ue.zh, ue.en)
		return exitInput
	}
	msg, ok := message(err)
	switch {
	case ok && errors.Is(err, publish.ErrSetup):
		fmt.Fprintf(stderr, "innoreport: %s / %s (usage; see innoreport help)\n", msg.Zh, msg.En)
	case ok:
		// One line: what and where in Chinese, then English, then a
		// stable kind for scripts.
		fmt.Fprintf(stderr, "innoreport: %s / %s (%s)\n", msg.Zh, stripName(msg.En), errorKind(err))
	default:
		fmt.Fprintf(stderr, "innoreport: %v\n", err)
	}
	return exitInput
}

// message is err's text in both languages, where it has one: the
// domain's errors, and the mailer's, which knows nothing of the domain.
func message(err error) (report.Text, bool) {
	if m, ok := report.Message(err); ok {
		return m, true
	}
	var ce *mail.ConfigError
	if errors.As(err, &ce) {
		return report.Text{Zh: ce.Zh, En: ce.En}, true
	}
	return report.Text{}, false
}

// stripName drops the file name the English half repeats after the
// Chinese half gave it.
func stripName(en string) string {
	if i := strings.Index(en, ": "); i > 0 && !strings.Contains(en[:i], " ") {
		return en[i+2:]
	}
	return en
}

// errorKind names the kind of failure, for scripts and the corpus test.
func errorKind(err error) string {
	for _, k := range []struct {
		err  error
		name string
	}{
		{report.ErrLegacyXLS, "legacy-xls"}, {report.ErrEncrypted, "encrypted"}, {report.ErrPassword, "wrong-password"},
		{report.ErrLimit, "limit"}, {report.ErrMissingFile, "missing-file"}, {report.ErrNotWorkbook, "not-workbook"}, {report.ErrTemplate, "template"},
		{pdf.ErrFont, "font"}, {docx.ErrTemplate, "docx-template"}, {docx.ErrFont, "font"}, {mail.ErrConfig, "mail-config"},
		{publish.ErrMailQueued, "mail-queued"}, {publish.ErrMailRejected, "mail-rejected"},
		{report.ErrNotReturn, "not-return"},
		{updated.ErrWrite, "write"},
	} {
		if errors.Is(err, k.err) {
			return k.name
		}
	}
	return "error"
}

const usage = `innoreport — 创新型城市工作任务清单与指标体系的校验和报告
innoreport checks and reports an innovative-city workbook.

用法 / usage:
  innoreport check [flags] [WORKBOOK.xlsx]   校验并汇总 / check and aggregate
  innoreport build [flags] [WORKBOOK.xlsx]   生成 PDF、Word 报告和更新后的工作簿 / write the PDF, the Word report and the updated workbook
  innoreport watch [flags] INBOX             监视文件夹，放入即生成并发送 / build what is dropped into a folder
  innoreport history [flags]                 存档的各期及重新生成 / archived periods, and rebuilding one
  innoreport split [flags] [MASTER.xlsx]     按牵头单位拆分报表 / one return workbook per lead unit
  innoreport collect [flags] MASTER.xlsx RETURN.xlsx...
                                             汇总各单位报表 / merge the returns into the master
  innoreport remind [flags] MASTER.xlsx      催报未报单位 / mail the units that have not reported
  innoreport serve [flags]                   内网网页：上传检查、下载报告、历史 / the intranet page: check, download, history
  innoreport users add [-file F] NAME        添加网页用户（密码从标准输入读） / add a web user (password read from stdin)
  innoreport help                            本说明 / this help

不给 WORKBOOK 时使用内置样例 / with no WORKBOOK the built-in sample is used.

例 / examples:
  innoreport check
  innoreport check -as-of 2021-11-30 -format json 任务清单.xlsx
  innoreport check -fail-on warning -lang en -template my.yaml book.xlsx
  innoreport build -out reports -as-of 2021-12-31 任务清单.xlsx
  INNOREPORT_SMTP_URL=smtp://kjj:pw@mail.gov.cn:587 INNOREPORT_MAIL_FROM=kjj@gov.cn \
    innoreport watch -mail-to leader@gov.cn,province@gov.cn /srv/innoreport/inbox

运行 innoreport check -h 查看全部参数 / run 'innoreport check -h' for every flag.
`

// run is the whole command, minus the process: tests call it directly.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return usagef("缺少子命令", "missing subcommand")
	}
	switch args[0] {
	case "check":
		return runCheck(ctx, args[1:], stdout, stderr)
	case "build":
		return runBuild(ctx, args[1:], stdout, stderr)
	case "watch":
		return runWatch(ctx, args[1:], stdout, stderr)
	case "history":
		return runHistory(ctx, args[1:], stdout, stderr)
	case "split":
		return runSplit(ctx, args[1:], stdout, stderr)
	case "collect":
		return runCollect(ctx, args[1:], stdout, stderr)
	case "remind":
		return runRemind(ctx, args[1:], stdout, stderr)
	case "serve":
		return runServe(ctx, args[1:], stdout, stderr)
	case "users":
		return runUsers(ctx, args[1:], stdout, stderr)
	case "help", "-h", "-help", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	}
	best, bestD := "", 1<<30
	for _, c := range []string{"check", "build", "watch", "split", "collect", "remind", "history", "serve", "users", "help"} {
		if d := distance(args[0], c); d < bestD {
			best, bestD = c, d
		}
	}
	if bestD <= 2 {
		return usagef("未知的子命令 %q，是否想用 %s？", "unknown subcommand %q: did you mean %s?", args[0], best)
	}
	return usagef("未知的子命令 %q", "unknown subcommand %q", args[0])
}

// common are the flags every subcommand that reads a workbook shares.
type common struct {
	template string
	asOf     string
	lang     report.Lang
	format   string
	failOn   string
	password string
	maxRows  int
	maxSheet int
	maxUnzip int64
	maxCols  int
	maxChars int
	maxSecs  float64
	maxFile  int64
	// builtin is the built-in template, parsed ahead (see package
	// builtin).
	builtin func() (*report.Template, error)
}

func (c *common) register(fs *flag.FlagSet) {
	c.builtin = builtin.Template()
	fs.StringVar(&c.template, "template", "", "描述工作簿的 YAML 模板 / YAML `FILE` describing the workbook (default: built-in)")
	fs.StringVar(&c.asOf, "as-of", "", "评估日期 / assess at this `DATE` (default: the workbook's 截至 date, else today)")
	fs.StringVar((*string)(&c.lang), "lang", string(report.Zh), "报告语言 / language: zh or en")
	fs.StringVar(&c.format, "format", "text", "输出格式 / output: text or json")
	fs.StringVar(&c.password, "password", "", "加密工作簿的密码 / password of an encrypted workbook")
	fs.IntVar(&c.maxRows, "max-rows", xlsx.DefaultLimits.Rows, "工作表行数上限 / refuse a sheet with more rows")
	fs.IntVar(&c.maxSheet, "max-sheets", xlsx.DefaultLimits.Sheets, "工作表个数上限 / refuse a workbook with more sheets")
	fs.Int64Var(&c.maxUnzip, "max-unzip-mb", xlsx.DefaultLimits.UnzipSize>>20, "解压后大小上限 / refuse a workbook that unpacks to more `MB`")
	fs.IntVar(&c.maxCols, "max-cols", xlsx.DefaultLimits.Cols, "工作表列数上限 / refuse a sheet with more columns")
	fs.IntVar(&c.maxChars, "max-cell-chars", xlsx.DefaultLimits.CellChars, "单元格字符数上限 / refuse a cell with more characters")
	fs.Float64Var(&c.maxSecs, "max-seconds", xlsx.DefaultLimits.Time.Seconds(), "读取时间上限（秒） / give up reading a workbook after this many seconds")
	fs.Int64Var(&c.maxFile, "max-file-mb", defaultMaxFileMB, "文件大小上限，超过则不读 / refuse, unread, a workbook file larger than this many `MB`")
}

// validLang reports whether l is one of the report's languages.
func validLang(l report.Lang) bool {
	_, ok := report.ParseLang(string(l))
	return ok
}

func (c *common) validate() error {
	if !validLang(c.lang) {
		return usagef("-lang 只能是 zh 或 en，而不是 %q", "-lang must be zh or en, not %q", c.lang)
	}
	if c.format != "text" && c.format != "json" {
		return usagef("-format 只能是 text 或 json，而不是 %q", "-format must be text or json, not %q", c.format)
	}
	return c.checkNumbers()
}

func (c *common) loadTemplate() (*report.Template, error) {
	if c.template == "" {
		if c.builtin != nil {
			return c.builtin()
		}
		return report.ParseTemplate(templates.BuiltinName, templates.Builtin)
	}
	data, err := os.ReadFile(c.template)
	if err != nil {
		return nil, usagef("无法读取模板 %s：%v", "cannot read template %s: %v", c.template, err)
	}
	return report.ParseTemplate(c.template, data)
}

func (c *common) parseAsOf() (time.Time, error) {
	if c.asOf == "" {
		return time.Time{}, nil
	}
	d, err := report.ParseDate(c.asOf)
	if err != nil || !d.OK() {
		return time.Time{}, usagef("-as-of %q 不是日期，请写成 2021-12-31", "-as-of %q is not a date: write it as 2021-12-31", c.asOf)
	}
	return d.Time, nil
}

func (c *common) readOptions() xlsx.Options {
	return xlsx.Options{Password: c.password, Limits: xlsx.Limits{
		UnzipSize: c.maxUnzip << 20, Sheets: c.maxSheet, Rows: c.maxRows, Cols: c.maxCols, CellChars: c.maxChars,
		Time: time.Duration(c.maxSecs * float64(time.Second)),
	}}
}

// reader reads workbooks within the limits the flags set.
func (c *common) reader() publish.Reader {
	return publish.Reader{Options: c.readOptions(), MaxFile: c.maxFile << 20}
}

// open reads the workbook named on the command line, or the sample. The
// file is read once and never written.
func (c *common) open(args []string) (*publish.Input, error) {
	switch len(args) {
	case 0:
		return c.reader().Sample()
	case 1:
		return c.reader().Open(args[0])
	}
	return nil, usagef("只能给一个工作簿，收到 %d 个：%s", "give one workbook, not %d: %s", len(args), strings.Join(args, " "))
}

// stream names the workbook on the command line, or the sample, to be
// streamed: check and build never hold its sheets whole. The file is
// read once and never written.
func (c *common) stream(args []string) (*publish.Input, error) {
	switch len(args) {
	case 0:
		return c.reader().Stream("")
	case 1:
		return c.reader().Stream(args[0])
	}
	return nil, usagef("只能给一个工作簿，收到 %d 个：%s", "give one workbook, not %d: %s", len(args), strings.Join(args, " "))
}

// analyze is what check and split share: flags to a Result. The
// workbook is read whole, for split; check streams it (whole false).
func (c *common) analyze(args []string, whole bool) (*report.Result, *report.Template, *publish.Input, error) {
	if err := c.validate(); err != nil {
		return nil, nil, nil, err
	}
	t, err := c.loadTemplate()
	if err != nil {
		return nil, nil, nil, err
	}
	asOf, err := c.parseAsOf()
	if err != nil {
		return nil, nil, nil, err
	}
	open := c.stream
	if whole {
		open = c.open
	}
	in, err := open(args)
	if err != nil {
		return nil, nil, nil, err
	}
	res, err := in.Analyze(t, report.Options{AsOf: asOf, Today: time.Now()})
	return res, t, in, err
}

// failLevel checks -fail-on and counts the findings that reach it.
func failLevel(failOn string, fs []report.Finding) error {
	if failOn == "never" {
		return nil
	}
	sev, ok := report.ParseSeverity(failOn)
	if !ok {
		return usagef("-fail-on 只能是 error、warning 或 never，而不是 %q", "-fail-on must be error, warning or never, not %q", failOn)
	}
	n := 0
	for _, f := range fs {
		if f.Severity >= sev {
			n++
		}
	}
	if n > 0 {
		return &findingsError{count: n, level: failOn}
	}
	return nil
}

// newFlagSet makes a subcommand's flags, with the common ones when c is
// given.
func newFlagSet(name string, stderr io.Writer, c *common) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	if c != nil {
		c.register(fs)
	}
	return fs
}

// errHelp ends a run that only printed help: exit 0.
var errHelp = errors.New("help printed")

// jobPackage is the package a check or build reads, sized once for its
// memory limit and for whether it is a small build: what the package at
// path ("" the sample) declares it unpacks to, its size on disk, and
// whether the first came from its zip directory. known is false where
// the workbook comes on standard input (its limit is then the sample's).
type jobPackage struct {
	unpacked, onDisk int64
	declared, known  bool
}

func packageOf(args []string) jobPackage {
	path, file := "", len(args) == 1 && args[0] != "-"
	if file {
		path = args[0]
	}
	var p jobPackage
	p.unpacked, p.onDisk, p.declared = packageSize(path)
	p.known = len(args) == 0 || file
	return p
}

// limitMemory sets the soft heap limit memoryLimit sizes. For a package
// that unpacks past the 64 MB of heap advised for huge pages at start, it
// has the heap advised as it grows: a million tasks fault in 1.2 GB of
// heap, and on 4 KB pages 3.7 s of a 13 s check went to the faults. Past
// collectAtLimit, it collects only near the limit. The func returned puts
// everything back.
func (p jobPackage) limitMemory() func() {
	size := p.unpacked
	old := debug.SetMemoryLimit(memoryLimit(size))
	undo := []func(){func() { debug.SetMemoryLimit(old) }}
	if size > 64<<20 {
		undo = append(undo, hugeheap.Follow())
	}
	if collectNearLimit(size, p.onDisk, p.declared) && os.Getenv("GOGC") == "" {
		gc := debug.SetGCPercent(-1)
		undo = append(undo, func() { debug.SetGCPercent(gc) })
	}
	return func() {
		for i := len(undo) - 1; i >= 0; i-- {
			undo[i]()
		}
	}
}

// collectAtLimit is the unpacked size past which the collector runs only
// near the memory limit, not each time the heap doubles. There a job
// keeps so much live (some three quarters of a byte a byte unpacked) that
// doubling it would pass the limit anyway: the limit alone bounds the
// heap, in two or three collections rather than six (a million-task check
// 11.2 s rather than 14.4). Below it, doubling keeps the heap well under
// the limit (a 100,000-task check peaked at 133 MB, without it at 173).
// The default -max-unzip-mb refuses a package this big; it is for a
// province's workbook, read with the limit raised.
const collectAtLimit = 256 << 20

// collectNearLimit reports whether a package's collector should run only
// near its memory limit: when it unpacks past collectAtLimit by its zip
// directory, and no more than 16 times its size on disk. The sizes are
// the package's own claim, and the limit is sized from them; only a claim
// real data could make lifts the ordinary pacing (sheet XML packs 7 to 10
// times; a million tasks are 131 MB packed, 980 MB unpacked). An
// encrypted package, which declares nothing outside, keeps it.
func collectNearLimit(size, onDisk int64, declared bool) bool {
	return declared && size > collectAtLimit && size <= 16*onDisk
}

// memoryLimit sizes the soft heap limit of a check or build of a package
// that unpacks to size bytes, unless GOMEMLIMIT says otherwise: 64 MB and
// a quarter more than the package. Streamed, a build keeps about three
// quarters of a byte live a byte unpacked (750 MB of a million tasks' 980
// MB), so the limit is a ceiling that stops the collector letting the
// heap grow to twice what is live, and still well above it: the collector
// never runs without pause, as a fixed 200 MB made it do past 300,000
// rows. A million-task build peaks near 1.25 GB under it, where twice the
// package let it reach 2.2, and a 100,000-task one near 230 MB.
func memoryLimit(size int64) int64 {
	const floor = 64 << 20
	return floor + size + size/4
}

// packageSize is what the package at path ("" the sample) declares it
// unpacks to, its size on disk, and whether the first came from its zip
// directory: for an encrypted package, which declares nothing outside,
// it is ten times its size.
func packageSize(path string) (unpacked, onDisk int64, declared bool) {
	var zr *zip.Reader
	if path == "" {
		r, err := zip.NewReader(bytes.NewReader(samples.Workbook), int64(len(samples.Workbook)))
		if err != nil {
			return 0, 0, false
		}
		zr, onDisk = r, int64(len(samples.Workbook))
	} else {
		st, err := os.Stat(path)
		if err != nil {
			return 0, 0, false
		}
		onDisk = st.Size()
		rc, err := zip.OpenReader(path)
		if err != nil {
			return 10 * onDisk, onDisk, false
		}
		defer rc.Close()
		zr = &rc.Reader
	}
	var n uint64
	for _, f := range zr.File {
		n += f.UncompressedSize64
	}
	return int64(min(n, 1<<40)), onDisk, true
}

func runCheck(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var c common
	fs := newFlagSet("check", stderr, &c)
	fs.StringVar(&c.failOn, "fail-on", "error", "问题达到此级别时退出码为 1 / exit 1 when a finding reaches this level: error, warning or never")
	if err := parseCommand(fs, "innoreport check [flags] [WORKBOOK.xlsx]", args, &c.failOn, stderr); err != nil {
		return err
	}
	if os.Getenv("GOMEMLIMIT") == "" {
		defer packageOf(fs.Args()).limitMemory()()
	}
	res, _, _, err := c.analyze(fs.Args(), false)
	if err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	if c.format == "json" {
		if err := res.WriteJSON(stdout, c.lang); err != nil {
			return err
		}
	} else if err := writeText(stdout, res, c.lang); err != nil {
		return err
	}
	return failLevel(c.failOn, res.Findings)
}
