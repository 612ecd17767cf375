package publish

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"time"

	"innoreport/internal/mail"
	"innoreport/internal/watch"
	"innoreport/report"
	"innoreport/report/archive"
)

// MasterWatch is watch -master: each return dropped into the inbox is
// collected into the master, one at a time, and the report of the
// collected master is built and mailed; any other workbook is built as
// without -master.
type MasterWatch struct {
	path  string
	c     *Collector
	state string
	mu    sync.Mutex // one collect at a time: each sees every return before it
	units []string   // the unit list's addresses, which receipts may go to
}

// NewMasterWatch reads the master at path once, so a master that cannot
// be read stops the watch before it takes any file. c collects into
// state's collected/.
func NewMasterWatch(c *Collector, path, state string) (*MasterWatch, error) {
	w := &MasterWatch{path: path, c: c, state: state}
	m, err := c.ReadMaster(path)
	if err != nil {
		return nil, err
	}
	for _, u := range m.Res.Data.Units {
		if addrs, err := mail.ParseRecipients(u.Email); err == nil {
			w.units = append(w.units, addrs...)
		}
	}
	return w, nil
}

// addresses are those receipts may go to; none without -master.
func (w *MasterWatch) addresses() []string {
	if w == nil {
		return nil
	}
	return w.units
}

// job collects j where it is a return of the master; handled is false
// where it is not, and the file is built as a workbook of its own.
func (w *MasterWatch) job(ctx context.Context, p *Pipeline, j watch.Job, dir string, withMail bool, log *slog.Logger) (handled bool, err error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	out, this, err := w.collect(ctx, j)
	if errors.Is(err, report.ErrNotReturn) {
		return false, nil
	}
	if err != nil {
		return true, err
	}
	log.Info("collected", "file", filepath.Base(j.Path), "unit", this.Unit, "cells", len(this.Updates),
		"findings", len(this.Findings), "master", out.Path)
	in, err := p.Read.Open(out.Path)
	if err != nil {
		return true, err
	}
	res, err := p.Build(ctx, in, OutputName(out.Path), dir, true)
	if err != nil || !withMail {
		return true, err
	}
	m, err := p.Compose(res)
	if err != nil {
		return true, err
	}
	if err := writeJSON(filepath.Join(dir, mailFile), m); err != nil {
		return true, err
	}
	r, err := out.Receipt(this, p.Template, p.Lang)
	if err != nil || r == nil {
		return true, err
	}
	return true, writeJSON(filepath.Join(dir, receiptFile), r)
}

// collect collects the bytes the watcher read, under the name and time
// they were dropped with: collect reads a return from a file, received
// when it was saved. this is j's own outcome.
func (w *MasterWatch) collect(ctx context.Context, j watch.Job) (out *Collected, this *report.ReturnOutcome, err error) {
	tmp, err := os.MkdirTemp(w.state, "return-")
	if err != nil {
		return nil, nil, err
	}
	defer os.RemoveAll(tmp)
	file := filepath.Join(tmp, filepath.Base(j.Path))
	if err := os.WriteFile(file, j.Data, 0o600); err != nil {
		return nil, nil, err
	}
	received := time.Now()
	if fi, err := os.Lstat(j.Path); err == nil {
		received = fi.ModTime()
	}
	if err := os.Chtimes(file, received, received); err != nil {
		return nil, nil, err
	}
	var db *archive.DB
	if db, err = w.c.OpenDB(ctx); err != nil {
		return nil, nil, err
	}
	if db != nil {
		defer db.Close()
	}
	if out, err = w.c.CollectOne(ctx, w.path, file, db); err != nil {
		return nil, nil, err
	}
	for _, o := range out.Coll.Returns {
		if o.SHA256 == j.Hash {
			this = o
		}
	}
	if this == nil {
		return nil, nil, fmt.Errorf("the return %s was collected but is not among the collection's returns", j.Path)
	}
	return out, this, nil
}
