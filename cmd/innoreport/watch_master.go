package main

import (
	"context"
	"encoding/json"
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

// receiptFile holds a collected return's receipt beside the outputs in
// the state directory, for AfterBuild to queue.
const receiptFile = ".receipt.json"

// masterWatch is watch -master: each return dropped into the inbox is
// collected into the master, one at a time, and the report of the
// collected master is built and mailed; any other workbook is built as
// without -master.
type masterWatch struct {
	path  string
	c     collectFlags
	state string
	mu    sync.Mutex // one collect at a time: each sees every return before it
	units []string   // the unit list's addresses, which receipts may go to
}

// newMasterWatch reads the master once at start, so a master that cannot
// be read stops the watch before it takes any file.
func newMasterWatch(b *buildFlags, path, state string) (*masterWatch, error) {
	w := &masterWatch{path: path, state: state}
	w.c.common = b.common
	w.c.out = filepath.Join(state, "collected")
	w.c.db = b.archive.db
	m, err := w.c.readMaster(path)
	if err != nil {
		return nil, err
	}
	for _, u := range m.res.Data.Units {
		if addrs, err := mail.ParseRecipients(u.Email); err == nil {
			w.units = append(w.units, addrs...)
		}
	}
	return w, nil
}

// addresses are those receipts may go to; none without -master.
func (w *masterWatch) addresses() []string {
	if w == nil {
		return nil
	}
	return w.units
}

// job collects j where it is a return of the master; ok is false where it
// is not, and the file is built as a workbook of its own.
func (w *masterWatch) job(ctx context.Context, b *buildFlags, j watch.Job, dir string, withMail bool, log *slog.Logger) (ok bool, err error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	// collect reads a return from a file, received when it was saved:
	// give it the bytes the watcher read, under the name and time dropped.
	tmp, err := os.MkdirTemp(w.state, "return-")
	if err != nil {
		return true, err
	}
	defer os.RemoveAll(tmp)
	file := filepath.Join(tmp, filepath.Base(j.Path))
	if err := os.WriteFile(file, j.Data, 0o600); err != nil {
		return true, err
	}
	received := time.Now()
	if fi, err := os.Lstat(j.Path); err == nil {
		received = fi.ModTime()
	}
	if err := os.Chtimes(file, received, received); err != nil {
		return true, err
	}
	var db *archive.DB
	if w.c.dbPath() != "" {
		if db, err = w.c.openDB(ctx); err != nil {
			return true, err
		}
		defer db.Close()
	}
	out, err := collectOne(ctx, &w.c, w.path, file, db)
	if errors.Is(err, report.ErrNotReturn) {
		return false, nil
	}
	if err != nil {
		return true, err
	}
	var this *report.ReturnOutcome
	for _, o := range out.Coll.Returns {
		if o.SHA256 == j.Hash {
			this = o
		}
	}
	if this == nil {
		return true, fmt.Errorf("the return %s was collected but is not among the collection's returns", j.Path)
	}
	log.Info("collected", "file", filepath.Base(j.Path), "unit", this.Unit, "cells", len(this.Updates),
		"findings", len(this.Findings), "master", out.Path)

	made, err := madeTime()
	if err != nil {
		return true, err
	}
	in, err := b.open([]string{out.Path})
	if err != nil {
		return true, err
	}
	res, err := b.buildFrom(ctx, in, outputName([]string{out.Path}), dir, true, made)
	if err != nil {
		return true, err
	}
	if !withMail {
		return true, nil
	}
	m, err := b.compose(res)
	if err != nil {
		return true, err
	}
	if err := writeJSON(filepath.Join(dir, mailFile), m); err != nil {
		return true, err
	}
	r, err := out.receipt(this, b.tmpl, b.lang)
	if err != nil || r == nil {
		return true, err
	}
	return true, writeJSON(filepath.Join(dir, receiptFile), r)
}

func writeJSON(path string, v any) error {
	data, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	return writeAtomic(path, data)
}
