package main

import (
	"context"
	"errors"
	"fmt"
	"log"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"innoreport/internal/mail"
	"innoreport/publish"
	"innoreport/report"
	"innoreport/report/archive"
	"innoreport/report/web"
)

// serveReturns is serve -master: the units' returns uploaded through
// their token links are matched and collected exactly as collect does,
// into the same archive, one at a time.
type serveReturns struct {
	path  string // the master
	c     collectFlags
	col   *publish.Collector
	m     *publish.Master
	units []string

	mu     sync.Mutex // one collect at a time, and status
	status []report.ReturnStatus

	receipts *receiptMail // nil where serve has no mail configured
}

// newServeReturns reads the master once at start, so a master that cannot
// be read stops serve before it takes any return, and works out the
// 报送情况 of the returns the archive already holds.
func newServeReturns(ctx context.Context, b *buildFlags, path, state, db string, logger *log.Logger) (*serveReturns, error) {
	r := &serveReturns{path: path}
	r.c.common = b.common
	r.c.out = filepath.Join(state, "collected")
	r.c.db = db
	var err error
	if r.col, err = r.c.collector(); err != nil {
		return nil, err
	}
	m, err := r.col.ReadMaster(path)
	if err != nil {
		return nil, err
	}
	r.m = m
	for _, p := range m.Parts {
		r.units = append(r.units, p.Unit)
	}
	if err := r.refresh(ctx); err != nil {
		return nil, err
	}
	if cfg, err := mail.ConfigFromEnv(os.Getenv); err == nil {
		r.receipts = startReceipts(cfg, filepath.Join(state, "mailq"), m, logger)
	}
	return r, nil
}

// refresh recollects what the archive holds (no new return) for the
// status; collect writes the same collected master again.
func (r *serveReturns) refresh(ctx context.Context) error {
	db, err := r.col.OpenDB(ctx)
	if err != nil {
		return err
	}
	if db != nil {
		defer db.Close()
	}
	out, err := r.col.Collect(ctx, r.m, db, nil)
	if err != nil {
		return err
	}
	r.status = out.Status
	return nil
}

func (r *serveReturns) Campaign() string { return r.m.Campaign }
func (r *serveReturns) Units() []string  { return r.units }

func (r *serveReturns) Status(context.Context) ([]report.ReturnStatus, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]report.ReturnStatus(nil), r.status...), nil
}

// Check matches the return as collect would, and refuses another unit's.
func (r *serveReturns) Check(_ context.Context, unit string, up web.Upload) (*web.ReturnCheck, error) {
	o, err := r.col.Match(r.m, up.Name, up.Data, time.Now().UTC().Truncate(time.Second))
	if err != nil {
		return nil, err
	}
	if o.Unit != unit {
		return nil, &report.BilingualError{Err: report.ErrNotReturn, Msg: report.Text{
			Zh: fmt.Sprintf("%s 是%s的报表，不是%s的；请上传本单位的报表", up.Name, orUnknown(o.Unit, "未知单位"), unit),
			En: fmt.Sprintf("%s is the return of %s, not of %s: upload your own unit's return", up.Name, orUnknown(o.Unit, "an unknown unit"), unit),
		}}
	}
	return &web.ReturnCheck{Unit: o.Unit, Findings: o.Findings, RowsUpdated: o.RowsUpdated()}, nil
}

func orUnknown(s, unknown string) string {
	if s == "" {
		return unknown
	}
	return s
}

// Submit collects the return into the master and records it, refused
// while it has errors (the page refuses first; this holds whoever calls).
func (r *serveReturns) Submit(ctx context.Context, unit string, up web.Upload) (*web.ReturnCheck, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	chk, err := r.Check(ctx, unit, up)
	if err != nil {
		return nil, err
	}
	if n := chk.Errors(); n > 0 {
		return nil, &report.BilingualError{Err: report.ErrNotReturn, Msg: report.Text{
			Zh: fmt.Sprintf("报表有 %d 处错误，未提交", n), En: fmt.Sprintf("the return has %d errors: not submitted", n)}}
	}
	// collect reads a return from a file, received when it was saved: the
	// upload is saved now, under the server's name for it.
	if err := os.MkdirAll(r.c.out, 0o750); err != nil {
		return nil, err
	}
	tmp, err := os.MkdirTemp(r.c.out, "return-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)
	file := filepath.Join(tmp, filepath.Base(up.Name))
	if err := os.WriteFile(file, up.Data, 0o600); err != nil {
		return nil, err
	}
	db, err := r.col.OpenDB(ctx)
	if err != nil {
		return nil, err
	}
	if db != nil {
		defer db.Close()
	}
	out, err := r.col.CollectOne(ctx, r.path, file, db)
	if err != nil {
		return nil, err
	}
	r.status = out.Status
	sum := archive.Sum(up.Data)
	for _, o := range out.Coll.Returns {
		if o.Unit == unit && o.Superseded == "" {
			chk.RowsUpdated = out.Coll.RowsUpdated(o)
		}
		if o.SHA256 == sum {
			r.receipts.send(out, o, r.col.Template, r.c.lang)
		}
	}
	return chk, nil
}

// Remind queues the reminders as `innoreport remind` does; without SMTP
// it lists who would be reminded and says why none was sent.
func (r *serveReturns) Remind(ctx context.Context, link func(unit string) string) ([]string, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	_, cerr := mail.ConfigFromEnv(os.Getenv)
	var buf strings.Builder
	links := func(string) (func(string) string, error) { return link, nil }
	err := remind(ctx, &r.c, r.path, cerr != nil, "", links, &buf)
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if buf.Len() == 0 {
		lines = nil
	}
	if err == nil && cerr != nil {
		var ce *mail.ConfigError
		msg := report.Text{Zh: cerr.Error(), En: cerr.Error()}
		if errors.As(cerr, &ce) {
			msg = report.Text{Zh: ce.Zh, En: ce.En}
		}
		err = &report.BilingualError{Err: cerr, Msg: report.Text{
			Zh: "未配置邮件服务器，催报邮件没有发出（下列单位将被催报）：" + msg.Zh,
			En: "no mail server is configured, so no reminder was sent (these units would be reminded): " + msg.En}}
	}
	return lines, err
}

// serveMaster checks -master (outside the state folder, where uploads
// are written) and reads it.
func serveMaster(b *buildFlags, sf *serveFlags, logger *log.Logger) (*serveReturns, error) {
	state, err := filepath.Abs(sf.state)
	if err != nil {
		return nil, err
	}
	mp, err := filepath.Abs(sf.master)
	if err != nil {
		return nil, err
	}
	if rel, err := filepath.Rel(state, mp); err == nil && !strings.HasPrefix(rel, "..") {
		return nil, usagef("主表 %s 在状态目录 %s 之内，上传的文件也写在那里：请放到别处", "the master %s is inside the state folder %s, where uploads are written: keep it elsewhere", sf.master, sf.state)
	}
	return newServeReturns(context.Background(), b, sf.master, sf.state, b.archivePath(sf.state), logger)
}

// Close stops sending receipts, after the one under way.
func (r *serveReturns) Close(ctx context.Context) error {
	return r.receipts.close(ctx)
}

// receiptMail sends each submitted return's receipt to its unit, as watch
// -master does, through a queue of its own under the state folder: a
// receipt the server cannot take now is sent later, and once.
type receiptMail struct {
	q      *mail.Queue
	kick   chan struct{}
	cancel context.CancelFunc
	done   chan struct{}
	log    *log.Logger
}

func startReceipts(cfg mail.Config, dir string, m *publish.Master, logger *log.Logger) *receiptMail {
	to := []string{} // not nil: a queue with nil Allowed sends anywhere
	for _, u := range m.Res.Data.Units {
		if addrs, err := mail.ParseRecipients(u.Email); err == nil {
			to = append(to, addrs...)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	rm := &receiptMail{q: &mail.Queue{Dir: dir, Config: cfg, Allowed: to, Log: slog.New(slog.NewTextHandler(logger.Writer(), nil))},
		kick: make(chan struct{}, 1), cancel: cancel, done: make(chan struct{}), log: logger}
	go func() {
		defer close(rm.done)
		rm.q.Run(ctx, rm.kick)
	}()
	return rm
}

// send queues o's receipt, where its unit has an address; a receipt that
// cannot be queued is logged: it does not fail a submit already recorded.
func (rm *receiptMail) send(out *publish.Collected, o *report.ReturnOutcome, t *report.Template, lang report.Lang) {
	if rm == nil {
		return
	}
	m, err := out.Receipt(o, t, lang)
	if err == nil && m != nil {
		err = rm.q.Put(m)
	}
	if err != nil {
		rm.log.Printf("回执未能排队 / the receipt of %s was not queued: %v", o.Unit, err)
		return
	}
	select {
	case rm.kick <- struct{}{}:
	default:
	}
}

func (rm *receiptMail) close(ctx context.Context) error {
	if rm == nil {
		return nil
	}
	rm.cancel()
	select {
	case <-rm.done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
