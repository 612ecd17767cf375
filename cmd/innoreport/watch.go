package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"innoreport/internal/mail"
	"innoreport/internal/watch"
	"innoreport/report"
)

// watchFlags are watch's own flags beyond build's.
type watchFlags struct {
	out, state, logFormat, notifyList string
	master                            string
	jobs                              int
	settle, incomplete, buildTimeout  time.Duration
	retry                             time.Duration

	notifyTo []string
}

func runWatch(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var b buildFlags
	var f watchFlags
	fs := newFlagSet("watch", stderr, nil)
	b.register(fs)
	fs.StringVar(&f.out, "out", "", "报告输出目录，供员工取用 / output `DIR` staff pick reports up from (default INBOX/out)")
	fs.StringVar(&f.state, "state", "", "本程序自己的目录（日志、邮件队列、存档、临时输出），须在 INBOX 和 -out 之外 / the watcher's own `DIR` (journal, mail queue, archive, temporary outputs), outside INBOX and -out (default $STATE_DIRECTORY, else $XDG_STATE_HOME/innoreport/<inbox>, else ~/.local/state/innoreport/<inbox>)")
	fs.IntVar(&f.jobs, "jobs", runtime.NumCPU(), "同时生成的工作簿数 / workbooks built at once")
	fs.DurationVar(&f.settle, "settle", 2*time.Second, "文件保持不变多久后读取 / how long a file must stay unchanged before it is read")
	fs.DurationVar(&f.incomplete, "incomplete-wait", 10*time.Minute, "不完整的文件停止变化多久后仍照常生成 / how long an incomplete workbook (a copy that stalled) may stay unchanged before it is built anyway")
	fs.DurationVar(&f.buildTimeout, "build-timeout", 10*time.Minute, "单个生成的时间上限 / a build running longer is stopped and its workbook failed")
	fs.DurationVar(&f.retry, "retry", 10*time.Second, "机器故障（磁盘满、权限）后首次重试的等待 / first wait before retrying after a failure of the machine (full disk, permissions); it grows to hourly")
	fs.StringVar(&f.notifyList, "notify-to", "", "生成失败或邮件无法送达时通知这些邮箱 / mail these `ADDRESSES` when a workbook cannot be built or a mail cannot be delivered (default: the template's notify)")
	fs.StringVar(&f.logFormat, "log-format", "text", "日志格式 / log as text or json")
	fs.StringVar(&f.master, "master", "", "把放入的各单位报表汇入此主表，再生成报告 / collect the returns dropped into INBOX into this master `FILE.xlsx` (outside INBOX), then build its report")
	fs.Usage = func() {
		fmt.Fprint(stderr, "用法 / usage: innoreport watch [flags] INBOX\n\n")
		fs.PrintDefaults()
	}
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return usagef("watch 需要一个收件文件夹", "watch needs one INBOX folder")
	}
	if err := f.validate(); err != nil {
		return err
	}
	var handler slog.Handler
	switch f.logFormat {
	case "text":
		handler = slog.NewTextHandler(stderr, nil)
	case "json":
		handler = slog.NewJSONHandler(stderr, nil)
	default:
		return usagef("-log-format 只能是 text 或 json", "-log-format must be text or json")
	}
	if err := b.prepare(); err != nil {
		return err
	}
	var err error
	if f.notifyList == "" {
		f.notifyList = strings.Join(b.tmpl.Notify, ",")
	}
	if f.notifyList != "" {
		if f.notifyTo, err = mail.ParseRecipients(f.notifyList); err != nil {
			return err
		}
		if len(b.mailTo) == 0 {
			if b.smtp, err = mail.ConfigFromEnv(os.Getenv); err != nil {
				return err
			}
		}
	}
	inbox := fs.Arg(0)
	if fi, err := os.Stat(inbox); err != nil || !fi.IsDir() {
		return usagef("收件文件夹 %s 不存在", "inbox folder %s does not exist", inbox)
	}
	outbox := f.out
	if outbox == "" {
		outbox = filepath.Join(inbox, "out")
	}
	state := f.state
	if state == "" {
		if state, err = defaultState(inbox); err != nil {
			return usagef("无法确定状态目录：%v；请用 -state 指定", "cannot choose a state directory: %v; give one with -state", err)
		}
	}
	if err := watch.CheckDirs(inbox, outbox, state); err != nil {
		return usagef("状态目录 %s 位于收件或输出文件夹内，共享文件夹的用户可以改写它；请用 -state 指定共享之外的目录",
			"the state directory %s is inside the inbox or the output folder, where the share's users could write to it: give one outside with -state", state)
	}
	log := slog.New(handler)
	switch b.archive.db {
	case "":
		// In the state directory: never in the share, never inside a
		// build's own temporary folder.
		b.archive.db = filepath.Join(state, "innoreport.db")
	case "none":
	default:
		if err := watch.CheckDirs(inbox, outbox, filepath.Dir(b.archive.db)); err != nil {
			return usagef("存档 %s 位于收件或输出文件夹内，共享文件夹的用户可以改写它；请放在共享之外",
				"the archive %s is inside the inbox or the output folder, where the share's users could write to it: keep it outside", b.archive.db)
		}
	}

	var mw *masterWatch
	if f.master != "" {
		if err := watch.CheckDirs(inbox, outbox, filepath.Dir(f.master)); err != nil {
			return usagef("主表 %s 位于收件或输出文件夹内，共享文件夹的用户可以改写它；请放在共享之外",
				"the master %s is inside the inbox or the output folder, where the share's users could write to it: keep it outside", f.master)
		}
		if mw, err = newMasterWatch(&b, f.master, state); err != nil {
			return err
		}
	}

	var queue *mail.Queue
	kick := make(chan struct{}, 1)
	wake := func() {
		select {
		case kick <- struct{}{}:
		default:
		}
	}
	// notify queues a short mail to -notify-to; a failure to queue it is
	// logged, as is the outcome it reports.
	notify := func(subject, text string) {
		if queue == nil || len(f.notifyTo) == 0 {
			return
		}
		m := &mail.Message{To: f.notifyTo, Subject: subject, Date: time.Now(),
			Text: text + "\n\n" + time.Now().Format(time.RFC3339) + "\n-- innoreport watch " + inbox + "\n"}
		if err := queue.Put(m); err != nil {
			log.Error("notice not queued", "to", strings.Join(f.notifyTo, ","), "err", err)
			return
		}
		wake()
	}
	if len(b.mailTo) > 0 || len(f.notifyTo) > 0 {
		queue = &mail.Queue{Dir: filepath.Join(state, "mailq"), Config: b.smtp, Log: log,
			Allowed: append(append(append([]string(nil), b.mailTo...), f.notifyTo...), mw.addresses()...),
			OnDead: func(m *mail.Message, err error) {
				if sameAddresses(m.To, f.notifyTo) {
					return // a notice that cannot be delivered is only logged
				}
				notify("innoreport: 邮件无法投递 / a mail could not be delivered",
					fmt.Sprintf("邮件服务器拒收了发给 %s 的邮件“%s”：%v\nThe mail server refused the mail “%s” to %s for good: %v\n",
						strings.Join(m.To, ", "), m.Subject, err, m.Subject, strings.Join(m.To, ", "), err))
			}}
	}
	w := &watch.Watcher{
		Inbox: inbox, Outbox: outbox, State: state, Jobs: f.jobs, Settle: f.settle, Log: log,
		// Looked at a few times within -settle, so a pause as short as it
		// is still seen.
		Poll:        min(250*time.Millisecond, max(f.settle/4, 10*time.Millisecond)),
		MaxFileSize: b.maxFile << 20, Incomplete: f.incomplete, BuildTimeout: f.buildTimeout,
		Retry: retryWaits(f.retry),
		Build: func(ctx context.Context, j watch.Job, dir string) error {
			// A test hook: slows each build so a test can kill the
			// watcher in the middle of one.
			if d, err := time.ParseDuration(os.Getenv("INNOREPORT_TEST_BUILD_DELAY")); err == nil {
				time.Sleep(d)
			}
			withMail := queue != nil && len(b.mailTo) > 0
			handled, err := false, error(nil)
			if mw != nil {
				handled, err = mw.job(ctx, &b, j, dir, withMail, log)
			}
			if !handled {
				err = b.buildJob(ctx, j, dir, withMail, log)
			}
			if err == nil || watch.Environmental(err) || errors.Is(err, errArchive) || ctx.Err() != nil {
				return err
			}
			// Anything else is the workbook's doing: the same bytes
			// would fail again.
			return fmt.Errorf("%w: %w", watch.ErrBadInput, err)
		},
		Explain: explain,
		AfterBuild: func(ctx context.Context, j watch.Job, dir string) error {
			if queue == nil || len(b.mailTo) == 0 {
				return nil
			}
			// dir is the state's copy of the outputs: nothing is read
			// back from the share.
			data, err := os.ReadFile(filepath.Join(dir, mailFile))
			if err != nil {
				return err
			}
			var m mail.Message
			if err := json.Unmarshal(data, &m); err != nil {
				return err
			}
			for i := range m.Attachments {
				m.Attachments[i].Path = filepath.Join(dir, filepath.Base(m.Attachments[i].Path))
			}
			if err := queue.Put(&m); err != nil {
				return err
			}
			// A collected return's receipt to its unit, where it has an
			// address in the master's unit list.
			if data, err := os.ReadFile(filepath.Join(dir, receiptFile)); err == nil {
				var r mail.Message
				if err := json.Unmarshal(data, &r); err != nil {
					return err
				}
				if err := queue.Put(&r); err != nil {
					return err
				}
			} else if !errors.Is(err, os.ErrNotExist) {
				return err
			}
			wake()
			return nil
		},
		Notify: func(ctx context.Context, n watch.Notice) {
			notify("innoreport: 无法生成报告 / a report could not be built: "+n.File,
				fmt.Sprintf("文件 / file: %s\n\n%s", n.File, n.Reason))
		},
	}
	if queue != nil {
		go queue.Run(ctx, kick)
	}
	err = w.Run(ctx)
	switch {
	case errors.Is(err, watch.ErrLocked):
		return usagef("另一个 innoreport watch 正在处理这个收件文件夹（%v），本进程不启动", "another innoreport watch is already running on this inbox (%v); not starting", err)
	case errors.Is(err, watch.ErrStateInShare):
		return usagef("状态目录不能位于共享文件夹内：%v", "the state directory must not be inside the shared folders: %v", err)
	}
	return err
}

// mailFile holds the composed mail beside the outputs in the state
// directory; its leading dot keeps it out of what is published.
const mailFile = ".mail.json"

// buildJob builds the bytes the watcher read (never the path again) into
// dir, and composes the mail beside them.
func (b *buildFlags) buildJob(ctx context.Context, j watch.Job, dir string, withMail bool, log *slog.Logger) error {
	made, err := madeTime()
	if err != nil {
		return err
	}
	in, err := b.openData(j.Path, j.Data)
	if err != nil {
		return err
	}
	res, err := b.buildFrom(ctx, in, j.Name, dir, true, made)
	if err != nil {
		return err
	}
	log.Info("checked", "file", filepath.Base(j.Path), "tasks", res.res.Tasks.Total,
		"done", res.res.Tasks.Done, "overdue", res.res.Tasks.Overdue, "findings", len(res.res.Findings))
	if !withMail {
		return nil
	}
	m, err := b.compose(res)
	if err != nil {
		return err
	}
	data, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return err
	}
	return writeAtomic(filepath.Join(dir, mailFile), data)
}

func (f *watchFlags) validate() error {
	if f.jobs < 1 || f.jobs > 1024 {
		return usagef("-jobs 必须是 1 到 1024 之间的整数，而不是 %d", "-jobs must be a whole number from 1 to 1024, not %d", f.jobs)
	}
	if f.settle < 0 {
		return usagef("-settle 不能为负，而不是 %s", "-settle must not be negative, not %s", f.settle)
	}
	for _, d := range []struct {
		name string
		v    time.Duration
	}{{"-incomplete-wait", f.incomplete}, {"-build-timeout", f.buildTimeout}, {"-retry", f.retry}} {
		if err := checkDuration(d.name, d.v); err != nil {
			return err
		}
	}
	return nil
}

// retryWaits grows from first to hourly.
func retryWaits(first time.Duration) []time.Duration {
	var out []time.Duration
	for d := first; d < time.Hour; d *= 4 {
		out = append(out, d)
	}
	return append(out, time.Hour)
}

func sameAddresses(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if !strings.EqualFold(a[i], b[i]) {
			return false
		}
	}
	return true
}

// defaultState is the state directory for inbox when -state is not given:
// under systemd's StateDirectory= ($STATE_DIRECTORY), else the XDG state
// folder, one folder an inbox, named after it and a hash of its path.
func defaultState(inbox string) (string, error) {
	abs, err := filepath.Abs(inbox)
	if err != nil {
		return "", err
	}
	if real, err := filepath.EvalSymlinks(abs); err == nil {
		abs = real
	}
	sum := sha256.Sum256([]byte(abs))
	leaf := filepath.Base(abs) + "-" + hex.EncodeToString(sum[:6])
	if sd := os.Getenv("STATE_DIRECTORY"); sd != "" {
		first, _, _ := strings.Cut(sd, ":")
		return filepath.Join(first, leaf), nil
	}
	base := os.Getenv("XDG_STATE_HOME")
	if base == "" {
		home, err := os.UserHomeDir()
		if err != nil {
			return "", err
		}
		base = filepath.Join(home, ".local", "state")
	}
	return filepath.Join(base, "innoreport", leaf), nil
}

// explain is the .error.txt beside a failed workbook: what was wrong and
// what to do, in Chinese and English.
func explain(err error) string {
	var be *report.BilingualError
	if errors.As(err, &be) {
		return fmt.Sprintf("无法生成报告。\n%s\n\nThe report could not be built.\n%s\n", be.Msg.Zh, be.Msg.En)
	}
	msg := strings.TrimPrefix(err.Error(), watch.ErrBadInput.Error()+": ")
	return fmt.Sprintf("无法生成报告：%s\nThe report could not be built: %s\n", msg, msg)
}
