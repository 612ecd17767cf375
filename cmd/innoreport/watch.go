package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"time"

	"innoreport/report"
	"innoreport/report/mail"
	"innoreport/report/watch"
)

func runWatch(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var b buildFlags
	fs := newFlagSet("watch", stderr, nil)
	b.register(fs)
	out := fs.String("out", "", "输出目录 / output `DIR` (default INBOX/out)")
	jobs := fs.Int("jobs", runtime.NumCPU(), "同时生成的工作簿数 / workbooks built at once")
	settle := fs.Duration("settle", 2*time.Second, "文件保持不变多久后读取 / how long a file must stay unchanged before it is read")
	logFormat := fs.String("log-format", "text", "日志格式 / log as text or json")
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
	if *jobs < 1 || *settle < 0 {
		return usagef("-jobs 必须为正数，-settle 不能为负", "-jobs must be positive and -settle not negative")
	}
	var handler slog.Handler
	switch *logFormat {
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
	inbox := fs.Arg(0)
	if fi, err := os.Stat(inbox); err != nil || !fi.IsDir() {
		return usagef("收件文件夹 %s 不存在", "inbox folder %s does not exist", inbox)
	}
	outbox := *out
	if outbox == "" {
		outbox = filepath.Join(inbox, "out")
	}
	log := slog.New(handler)
	if b.archive.db == "" {
		// Beside the journal, never inside a build's own output folder.
		b.archive.db = filepath.Join(inbox, ".innoreport", "innoreport.db")
	}

	var queue *mail.Queue
	kick := make(chan struct{}, 1)
	if len(b.mailTo) > 0 {
		queue = &mail.Queue{Dir: filepath.Join(outbox, ".mailq"), Config: b.smtp, Log: log}
		go queue.Run(ctx, kick)
	}
	w := &watch.Watcher{
		Inbox: inbox, Outbox: outbox, Jobs: *jobs, Settle: *settle, Log: log,
		Build: func(ctx context.Context, j watch.Job, dir string) error {
			// A test hook: slows each build so a test can kill the
			// watcher in the middle of one.
			if d, err := time.ParseDuration(os.Getenv("INNOREPORT_TEST_BUILD_DELAY")); err == nil {
				time.Sleep(d)
			}
			res, err := b.buildInto(ctx, []string{j.Path}, dir, true)
			if err != nil {
				var be *report.BilingualError
				if errors.As(err, &be) {
					return fmt.Errorf("%w: %w", watch.ErrBadInput, err)
				}
				return err
			}
			log.Info("checked", "file", filepath.Base(j.Path), "tasks", res.res.Tasks.Total,
				"done", res.res.Tasks.Done, "overdue", res.res.Tasks.Overdue, "findings", len(res.res.Findings))
			if queue == nil {
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
			return writeAtomic(filepath.Join(dir, "mail.json"), data)
		},
		Explain: explain,
		AfterBuild: func(ctx context.Context, j watch.Job, dir string) error {
			if queue == nil {
				return nil
			}
			data, err := os.ReadFile(filepath.Join(dir, "mail.json"))
			if err != nil {
				return err
			}
			var m mail.Message
			if err := json.Unmarshal(data, &m); err != nil {
				return err
			}
			// The outputs moved from the temporary folder to dir.
			for i := range m.Attachments {
				m.Attachments[i].Path = filepath.Join(dir, filepath.Base(m.Attachments[i].Path))
			}
			if err := queue.Put(&m); err != nil {
				return err
			}
			select {
			case kick <- struct{}{}:
			default:
			}
			return nil
		},
	}
	return w.Run(ctx)
}

// explain is the .error.txt beside a failed workbook: what was wrong and
// what to do, in Chinese and English.
func explain(err error) string {
	var be *report.BilingualError
	if errors.As(err, &be) {
		return fmt.Sprintf("无法生成报告。\n%s\n\nThe report could not be built.\n%s\n", be.Msg.Zh, be.Msg.En)
	}
	return fmt.Sprintf("无法生成报告：%v\nThe report could not be built: %v\n", err, err)
}
