// Package watch builds each workbook dropped into an inbox folder, once it
// is complete, and files it under done/ or failed/. A small journal keyed
// by the file's hash makes restarts after a crash build what was not
// finished and nothing twice.
package watch

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
	"strings"
	"sync"
	"time"

	"github.com/fsnotify/fsnotify"
)

// Job is one workbook to build.
type Job struct {
	Path string // in the inbox
	Name string // file name without extension
	Hash string // sha256 of the content
}

// Watcher watches Inbox and builds into Outbox.
type Watcher struct {
	Inbox  string
	Outbox string
	Jobs   int           // builds at once
	Settle time.Duration // a file must keep its size and time this long
	Poll   time.Duration // how often to look at a settling file

	// Build writes the outputs for j into dir, which it may assume is new
	// and empty. An error wrapping ErrBadInput files the workbook under
	// failed/ with Explain's text; any other error leaves it for the next
	// start, as does a cancelled context.
	Build func(ctx context.Context, j Job, dir string) error
	// Explain says in plain words what was wrong and what to do, for the
	// .error.txt beside a failed workbook.
	Explain func(err error) string
	// AfterBuild runs once the outputs are in place (to queue mail). It
	// must be idempotent: after a crash it may run again for the same job.
	AfterBuild func(ctx context.Context, j Job, dir string) error

	Log *slog.Logger
	Now func() time.Time

	mu       sync.Mutex
	pending  map[string]bool // paths waiting, settling or building
	journal  *journal
	work     chan Job
	building sync.WaitGroup
}

// ErrBadInput marks a workbook that will never build as it is.
var ErrBadInput = errors.New("watch: bad input")

func (w *Watcher) now() time.Time {
	if w.Now != nil {
		return w.Now()
	}
	return time.Now()
}

func (w *Watcher) state() string { return filepath.Join(w.Inbox, ".innoreport") }

// Eligible reports whether a file in the inbox is a workbook to build:
// not an Office lock file (~$x.xlsx), not hidden, not a temporary file.
func Eligible(name string) bool {
	base := filepath.Base(name)
	ext := strings.ToLower(filepath.Ext(base))
	switch {
	case strings.HasPrefix(base, "~$"), strings.HasPrefix(base, "."), strings.HasPrefix(base, "~"):
		return false
	case ext != ".xlsx" && ext != ".xlsm":
		return false
	}
	return true
}

// Run watches until ctx ends, then waits for the builds under way to
// finish: a signal never leaves half outputs.
func (w *Watcher) Run(ctx context.Context) error {
	if w.Jobs < 1 {
		w.Jobs = 1
	}
	if w.Poll <= 0 {
		w.Poll = 250 * time.Millisecond
	}
	if w.Log == nil {
		w.Log = slog.New(slog.DiscardHandler)
	}
	for _, d := range []string{w.Inbox, w.Outbox, w.state(), filepath.Join(w.Inbox, "done"), filepath.Join(w.Inbox, "failed")} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return err
		}
	}
	j, err := openJournal(filepath.Join(w.state(), "journal.jsonl"))
	if err != nil {
		return err
	}
	defer j.close()
	w.journal = j
	w.pending = map[string]bool{}
	w.cleanStale()

	fw, err := fsnotify.NewWatcher()
	if err != nil {
		return err
	}
	defer fw.Close()
	if err := fw.Add(w.Inbox); err != nil {
		return err
	}
	w.work = make(chan Job)
	var workers sync.WaitGroup
	// Builds outlive a cancelled ctx: they finish, then the workers stop.
	buildCtx := context.WithoutCancel(ctx)
	for range w.Jobs {
		workers.Add(1)
		go func() {
			defer workers.Done()
			for job := range w.work {
				w.process(buildCtx, job)
			}
		}()
	}
	var settling sync.WaitGroup
	w.scan(ctx, &settling)
	w.Log.Info("watching", "inbox", w.Inbox, "outbox", w.Outbox, "jobs", w.Jobs)
loop:
	for {
		select {
		case <-ctx.Done():
			break loop
		case ev, ok := <-fw.Events:
			if !ok {
				break loop
			}
			if ev.Op&(fsnotify.Create|fsnotify.Write|fsnotify.Rename|fsnotify.Chmod) != 0 {
				w.consider(ctx, ev.Name, &settling)
			}
		case err, ok := <-fw.Errors:
			if !ok {
				break loop
			}
			// An overflow loses events: rescan rather than miss a file.
			w.Log.Warn("watch error; rescanning", "err", err)
			w.scan(ctx, &settling)
		}
	}
	settling.Wait()
	close(w.work)
	workers.Wait()
	w.Log.Info("stopped")
	return nil
}

// scan considers every file already in the inbox.
func (w *Watcher) scan(ctx context.Context, settling *sync.WaitGroup) {
	entries, err := os.ReadDir(w.Inbox)
	if err != nil {
		w.Log.Error("reading inbox", "err", err)
		return
	}
	for _, e := range entries {
		if e.Type().IsRegular() {
			w.consider(ctx, filepath.Join(w.Inbox, e.Name()), settling)
		}
	}
}

// consider starts settling a file unless it is already on its way.
func (w *Watcher) consider(ctx context.Context, path string, settling *sync.WaitGroup) {
	if filepath.Dir(path) != filepath.Clean(w.Inbox) || !Eligible(path) {
		return
	}
	w.mu.Lock()
	if w.pending[path] {
		w.mu.Unlock()
		return
	}
	w.pending[path] = true
	w.mu.Unlock()
	settling.Add(1)
	go func() {
		defer settling.Done()
		job, ok := w.settle(ctx, path)
		if !ok {
			w.done(path)
			return
		}
		select {
		case w.work <- job:
		case <-ctx.Done():
			w.done(path)
		}
	}()
}

func (w *Watcher) done(path string) {
	w.mu.Lock()
	delete(w.pending, path)
	w.mu.Unlock()
}

// settle waits until the file keeps its size and time for Settle, so a
// copy in progress is never read half-written, then hashes it.
func (w *Watcher) settle(ctx context.Context, path string) (Job, bool) {
	var lastSize int64 = -1
	var lastMod time.Time
	stableSince := w.now()
	t := time.NewTicker(w.Poll)
	defer t.Stop()
	for {
		fi, err := os.Stat(path)
		if err != nil {
			return Job{}, false // gone: moved away or deleted
		}
		if fi.Size() != lastSize || !fi.ModTime().Equal(lastMod) {
			lastSize, lastMod, stableSince = fi.Size(), fi.ModTime(), w.now()
		} else if w.now().Sub(stableSince) >= w.Settle {
			break
		}
		select {
		case <-ctx.Done():
			return Job{}, false
		case <-t.C:
		}
	}
	sum, err := hashFile(path)
	if err != nil {
		w.Log.Warn("cannot read; will retry when it changes", "file", path, "err", err)
		return Job{}, false
	}
	base := filepath.Base(path)
	return Job{Path: path, Name: strings.TrimSuffix(base, filepath.Ext(base)), Hash: sum}, true
}

func hashFile(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// process builds one job and files its workbook.
func (w *Watcher) process(ctx context.Context, j Job) {
	defer w.done(j.Path)
	log := w.Log.With("file", filepath.Base(j.Path), "hash", j.Hash[:12])
	if e, ok := w.journal.get(j.Hash); ok {
		switch e.State {
		case stateDone, stateFailed:
			// The same content again: it was built (or refused) before.
			log.Info("already processed; not building again", "state", e.State, "outputs", e.Dir)
			w.file(j, e.State == stateFailed, "")
			return
		case stateBuilt:
			// A crash came between building and filing: finish the filing.
			log.Info("resuming after a restart", "outputs", e.Dir)
			w.finish(ctx, j, e.Dir, log)
			return
		}
	}
	tmp := filepath.Join(w.Outbox, ".tmp-"+j.Hash[:16])
	if err := os.RemoveAll(tmp); err != nil {
		log.Error("cannot clear output folder", "err", err)
		return
	}
	if err := os.MkdirAll(tmp, 0o755); err != nil {
		log.Error("cannot create output folder", "err", err)
		return
	}
	start := w.now()
	log.Info("building")
	err := w.Build(ctx, j, tmp)
	if err != nil {
		os.RemoveAll(tmp)
		if !errors.Is(err, ErrBadInput) {
			log.Error("build stopped; will retry at the next start", "err", err)
			return
		}
		reason := err.Error()
		if w.Explain != nil {
			reason = w.Explain(err)
		}
		log.Warn("failed", "reason", firstLine(reason))
		w.file(j, true, reason)
		w.record(log, entry{Hash: j.Hash, Name: filepath.Base(j.Path), State: stateFailed, Time: w.now()})
		return
	}
	dir := filepath.Join(w.Outbox, fmt.Sprintf("%s-%s", j.Name, start.Format("20060102-150405")))
	for i := 2; exists(dir); i++ {
		dir = filepath.Join(w.Outbox, fmt.Sprintf("%s-%s-%d", j.Name, start.Format("20060102-150405"), i))
	}
	if err := os.Rename(tmp, dir); err != nil {
		log.Error("cannot move outputs into place", "err", err)
		os.RemoveAll(tmp)
		return
	}
	w.record(log, entry{Hash: j.Hash, Name: filepath.Base(j.Path), State: stateBuilt, Dir: dir, Time: w.now()})
	log.Info("built", "outputs", dir, "seconds", w.now().Sub(start).Seconds())
	w.finish(ctx, j, dir, log)
}

func (w *Watcher) finish(ctx context.Context, j Job, dir string, log *slog.Logger) {
	if w.AfterBuild != nil {
		if err := w.AfterBuild(ctx, j, dir); err != nil {
			// Left as built: the next start runs AfterBuild again.
			log.Error("after build", "err", err)
			return
		}
	}
	w.file(j, false, "")
	w.record(log, entry{Hash: j.Hash, Name: filepath.Base(j.Path), State: stateDone, Dir: dir, Time: w.now()})
}

// record writes to the journal; a failure is logged, since the worst it
// causes is work redone after a restart.
func (w *Watcher) record(log *slog.Logger, e entry) {
	if err := w.journal.put(e); err != nil {
		log.Error("journal not written", "err", err)
	}
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return line
}

func exists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

// file moves the workbook to done/ or failed/, under a free name, with the
// reason beside a failed one.
func (w *Watcher) file(j Job, failed bool, reason string) {
	sub := "done"
	if failed {
		sub = "failed"
	}
	base := filepath.Base(j.Path)
	dst := filepath.Join(w.Inbox, sub, base)
	for i := 2; exists(dst); i++ {
		dst = filepath.Join(w.Inbox, sub, fmt.Sprintf("%s-%d%s", j.Name, i, filepath.Ext(base)))
	}
	if reason != "" {
		txt := strings.TrimSuffix(dst, filepath.Ext(dst)) + ".error.txt"
		if err := os.WriteFile(txt, []byte(reason+"\n"), 0o644); err != nil {
			w.Log.Error("cannot write the reason", "file", txt, "err", err)
		}
	}
	if err := os.Rename(j.Path, dst); err != nil && !os.IsNotExist(err) {
		w.Log.Error("cannot move the workbook", "file", j.Path, "to", dst, "err", err)
	}
}

// cleanStale removes what a killed run left half-made.
func (w *Watcher) cleanStale() {
	matches, _ := filepath.Glob(filepath.Join(w.Outbox, ".tmp-*"))
	for _, m := range matches {
		w.Log.Info("removing half-made outputs of an interrupted run", "dir", m)
		os.RemoveAll(m)
	}
}

const (
	stateBuilt  = "built"
	stateDone   = "done"
	stateFailed = "failed"
)

type entry struct {
	Hash  string    `json:"hash"`
	Name  string    `json:"name"`
	State string    `json:"state"`
	Dir   string    `json:"dir,omitempty"`
	Time  time.Time `json:"time"`
}

// journal is an append-only file of entries, the last per hash winning.
type journal struct {
	mu   sync.Mutex
	f    *os.File
	last map[string]entry
}

func openJournal(path string) (*journal, error) {
	j := &journal{last: map[string]entry{}}
	if b, err := os.ReadFile(path); err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			var e entry
			// A line cut short by a crash is skipped.
			if json.Unmarshal([]byte(line), &e) == nil && e.Hash != "" {
				j.last[e.Hash] = e
			}
		}
	}
	f, err := os.OpenFile(path, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		return nil, err
	}
	j.f = f
	return j, nil
}

func (j *journal) get(hash string) (entry, bool) {
	j.mu.Lock()
	defer j.mu.Unlock()
	e, ok := j.last[hash]
	return e, ok
}

func (j *journal) put(e entry) error {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.last[e.Hash] = e
	b, err := json.Marshal(e)
	if err != nil {
		return err
	}
	// Newline first: a previous line cut short by a crash stays apart.
	if _, err := j.f.Write(append([]byte("\n"), b...)); err != nil {
		return err
	}
	return j.f.Sync()
}

func (j *journal) close() { j.f.Close() }
