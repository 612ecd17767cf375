package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"flag"
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
	"innoreport/publish"
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

func (f *watchFlags) register(fs *flag.FlagSet) {
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
}

// watchHook, where set, changes the watch before it runs: the tests give
// it a fake or a slower Build.
var watchHook func(*publish.Watch)

func runWatch(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var b buildFlags
	var f watchFlags
	fs := newFlagSet("watch", stderr, nil)
	b.register(fs)
	f.register(fs)
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
	w, err := f.watch(&b, fs.Arg(0), stderr)
	if err != nil {
		return err
	}
	if watchHook != nil {
		watchHook(w)
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

// watch is the watch the flags describe, over inbox.
func (f *watchFlags) watch(b *buildFlags, inbox string, stderr io.Writer) (*publish.Watch, error) {
	var handler slog.Handler
	switch f.logFormat {
	case "text":
		handler = slog.NewTextHandler(stderr, nil)
	case "json":
		handler = slog.NewJSONHandler(stderr, nil)
	default:
		return nil, usagef("-log-format 只能是 text 或 json", "-log-format must be text or json")
	}
	if err := b.prepare(); err != nil {
		return nil, err
	}
	if err := f.prepareNotify(b); err != nil {
		return nil, err
	}
	outbox, state, err := f.dirs(b, inbox)
	if err != nil {
		return nil, err
	}
	w := &publish.Watch{
		Watcher: &watch.Watcher{
			Inbox: inbox, Outbox: outbox, State: state, Jobs: f.jobs, Settle: f.settle, Log: slog.New(handler),
			// Looked at a few times within -settle, so a pause as short as
			// it is still seen.
			Poll:        min(250*time.Millisecond, max(f.settle/4, 10*time.Millisecond)),
			MaxFileSize: b.maxFile << 20, Incomplete: f.incomplete, BuildTimeout: f.buildTimeout,
			Retry: retryWaits(f.retry),
		},
		Pipeline: b.pipeline(b.archive.path(state)),
		NotifyTo: f.notifyTo,
	}
	if f.master != "" {
		c := collectFlags{common: b.common, out: filepath.Join(state, "collected"), db: b.archive.db}
		col, err := c.collector()
		if err != nil {
			return nil, err
		}
		if w.Master, err = publish.NewMasterWatch(col, f.master, state); err != nil {
			return nil, err
		}
	}
	return w, nil
}

// prepareNotify reads -notify-to (default: the template's notify), and
// the SMTP settings it needs where -mail-to did not read them.
func (f *watchFlags) prepareNotify(b *buildFlags) error {
	if f.notifyList == "" {
		f.notifyList = strings.Join(b.tmpl.Notify, ",")
	}
	if f.notifyList == "" {
		return nil
	}
	var err error
	if f.notifyTo, err = mail.ParseRecipients(f.notifyList); err != nil {
		return err
	}
	if len(b.mailTo) == 0 {
		if b.smtp, err = mail.ConfigFromEnv(os.Getenv); err != nil {
			return err
		}
	}
	return nil
}

// dirs checks the inbox and works out the outbox and the state directory;
// the state, the archive and the master must lie outside the share.
func (f *watchFlags) dirs(b *buildFlags, inbox string) (outbox, state string, err error) {
	if fi, err := os.Stat(inbox); err != nil || !fi.IsDir() {
		return "", "", usagef("收件文件夹 %s 不存在", "inbox folder %s does not exist", inbox)
	}
	outbox = f.out
	if outbox == "" {
		outbox = filepath.Join(inbox, "out")
	}
	state = f.state
	if state == "" {
		if state, err = defaultState(inbox); err != nil {
			return "", "", usagef("无法确定状态目录：%v；请用 -state 指定", "cannot choose a state directory: %v; give one with -state", err)
		}
	}
	if err := watch.CheckDirs(inbox, outbox, state); err != nil {
		return "", "", usagef("状态目录 %s 位于收件或输出文件夹内，共享文件夹的用户可以改写它；请用 -state 指定共享之外的目录",
			"the state directory %s is inside the inbox or the output folder, where the share's users could write to it: give one outside with -state", state)
	}
	switch b.archive.db {
	case "":
		// In the state directory: never in the share, never inside a
		// build's own temporary folder.
		b.archive.db = filepath.Join(state, "innoreport.db")
	case "none":
	default:
		if err := watch.CheckDirs(inbox, outbox, filepath.Dir(b.archive.db)); err != nil {
			return "", "", usagef("存档 %s 位于收件或输出文件夹内，共享文件夹的用户可以改写它；请放在共享之外",
				"the archive %s is inside the inbox or the output folder, where the share's users could write to it: keep it outside", b.archive.db)
		}
	}
	if f.master != "" {
		if err := watch.CheckDirs(inbox, outbox, filepath.Dir(f.master)); err != nil {
			return "", "", usagef("主表 %s 位于收件或输出文件夹内，共享文件夹的用户可以改写它；请放在共享之外",
				"the master %s is inside the inbox or the output folder, where the share's users could write to it: keep it outside", f.master)
		}
	}
	return outbox, state, nil
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
