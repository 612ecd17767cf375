package publish

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"innoreport/internal/mail"
	"innoreport/internal/watch"
	"innoreport/report"
)

// mailFile holds the composed mail beside the outputs in the state
// directory; its leading dot keeps it out of what is published.
const mailFile = ".mail.json"

// receiptFile holds a collected return's receipt beside the outputs in
// the state directory, for AfterBuild to queue.
const receiptFile = ".receipt.json"

// Watch builds what is dropped into an inbox through the Pipeline; with a
// Master, a return of it is collected first and the collected master is
// built. The report's mail, the receipts and the notices of failure go
// through one queue in the state directory.
type Watch struct {
	// Watcher says where and how to watch; Run sets its Build, Explain,
	// AfterBuild and Notify.
	Watcher  *watch.Watcher
	Pipeline *Pipeline
	NotifyTo []string
	Master   *MasterWatch // nil: every workbook is built as itself
	// Build builds one job into dir, with its mails beside the outputs
	// (MailFiles); nil is Job. Tests give a fake, or a slower one.
	Build func(ctx context.Context, j watch.Job, dir string, withMail bool) error

	queue *mail.Queue
	kick  chan struct{}
}

// Run watches until ctx ends.
func (w *Watch) Run(ctx context.Context) error {
	w.kick = make(chan struct{}, 1)
	withMail := len(w.Pipeline.MailTo) > 0
	if withMail || len(w.NotifyTo) > 0 {
		w.queue = &mail.Queue{Dir: filepath.Join(w.Watcher.State, "mailq"), Config: w.Pipeline.SMTP, Log: w.Watcher.Log,
			Allowed: append(append(append([]string(nil), w.Pipeline.MailTo...), w.NotifyTo...), w.Master.addresses()...),
			OnDead:  w.dead}
		go w.queue.Run(ctx, w.kick)
	}
	build := w.Build
	if build == nil {
		build = w.Job
	}
	wr := w.Watcher
	wr.Build = func(ctx context.Context, j watch.Job, dir string) error {
		err := build(ctx, j, dir, withMail)
		if err == nil || watch.Environmental(err) || errors.Is(err, ErrArchive) || ctx.Err() != nil {
			return err
		}
		// Anything else is the workbook's doing: the same bytes would
		// fail again.
		return fmt.Errorf("%w: %w", watch.ErrBadInput, err)
	}
	wr.Explain = Explain
	wr.AfterBuild = func(ctx context.Context, j watch.Job, dir string) error {
		if w.queue == nil || !withMail {
			return nil
		}
		return w.queueMails(dir)
	}
	wr.Notify = func(ctx context.Context, n watch.Notice) {
		w.notify("innoreport: 无法生成报告 / a report could not be built: "+n.File,
			fmt.Sprintf("文件 / file: %s\n\n%s", n.File, n.Reason))
	}
	return wr.Run(ctx)
}

func (w *Watch) wake() {
	select {
	case w.kick <- struct{}{}:
	default:
	}
}

// notify queues a short mail to NotifyTo; a failure to queue it is
// logged, as is the outcome it reports.
func (w *Watch) notify(subject, text string) {
	if w.queue == nil || len(w.NotifyTo) == 0 {
		return
	}
	m := &mail.Message{To: w.NotifyTo, Subject: subject, Date: time.Now(),
		Text: text + "\n\n" + time.Now().Format(time.RFC3339) + "\n-- innoreport watch " + w.Watcher.Inbox + "\n"}
	if err := w.queue.Put(m); err != nil {
		w.Watcher.Log.Error("notice not queued", "to", strings.Join(w.NotifyTo, ","), "err", err)
		return
	}
	w.wake()
}

// dead tells NotifyTo of a mail the server refused for good.
func (w *Watch) dead(m *mail.Message, err error) {
	if sameAddresses(m.To, w.NotifyTo) {
		return // a notice that cannot be delivered is only logged
	}
	w.notify("innoreport: 邮件无法投递 / a mail could not be delivered",
		fmt.Sprintf("邮件服务器拒收了发给 %s 的邮件“%s”：%v\nThe mail server refused the mail “%s” to %s for good: %v\n",
			strings.Join(m.To, ", "), m.Subject, err, m.Subject, strings.Join(m.To, ", "), err))
}

// queueMails queues the mails a build left in dir, the state's copy of
// the outputs: nothing is read back from the share.
func (w *Watch) queueMails(dir string) error {
	for _, f := range []string{mailFile, receiptFile} {
		data, err := os.ReadFile(filepath.Join(dir, f))
		if f == receiptFile && errors.Is(err, os.ErrNotExist) {
			continue // a receipt only for a collected return whose unit has an address
		}
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
		if err := w.queue.Put(&m); err != nil {
			return err
		}
	}
	w.wake()
	return nil
}

// Job builds the bytes the watcher read (never the path again) into dir,
// and, withMail, composes the mail beside them; with a Master, a return
// of it is collected first.
func (w *Watch) Job(ctx context.Context, j watch.Job, dir string, withMail bool) error {
	if w.Master != nil {
		handled, err := w.Master.job(ctx, w.Pipeline, j, dir, withMail, w.Watcher.Log)
		if handled {
			return err
		}
	}
	in, err := w.Pipeline.Read.Data(j.Path, j.Data)
	if err != nil {
		return err
	}
	res, err := w.Pipeline.Build(ctx, in, j.Name, dir, true)
	if err != nil {
		return err
	}
	w.Watcher.Log.Info("checked", "file", filepath.Base(j.Path), "tasks", res.Result.Tasks.Total,
		"done", res.Result.Tasks.Done, "overdue", res.Result.Tasks.Overdue, "findings", len(res.Result.Findings))
	if !withMail {
		return nil
	}
	m, err := w.Pipeline.Compose(res)
	if err != nil {
		return err
	}
	return writeJSON(filepath.Join(dir, mailFile), m)
}

func writeJSON(path string, v any) error {
	data, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	return WriteAtomic(path, data)
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

// Explain is the .error.txt beside a failed workbook: what was wrong and
// what to do, in Chinese and English.
func Explain(err error) string {
	var se *watch.SizeError
	var te *watch.TimeoutError
	switch {
	case errors.As(err, &se):
		err = &report.LimitError{Name: se.Name, What: report.MeasureFileMB, Limit: se.Max >> 20, Flag: "-max-file-mb"}
	case errors.As(err, &te):
		err = &report.LimitError{What: report.MeasureBuildSeconds, Limit: int64((te.Limit + time.Second - 1) / time.Second), Flag: "-build-timeout"}
	}
	if m, ok := report.Message(err); ok {
		return fmt.Sprintf("无法生成报告。\n%s\n\nThe report could not be built.\n%s\n", m.Zh, m.En)
	}
	msg := strings.TrimPrefix(err.Error(), watch.ErrBadInput.Error()+": ")
	return fmt.Sprintf("无法生成报告：%s\nThe report could not be built: %s\n", msg, msg)
}
