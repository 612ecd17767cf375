// Package watch builds each workbook dropped into an inbox folder, once it
// is complete, and files it under done/, failed/ or ignored/.
//
// The inbox is shared with many people, so it only receives: everything
// the watcher reads back later (its journal, its temporary outputs, what
// the caller keeps there such as a mail queue) lives in a state directory
// outside it, locked against a second watcher. From the inbox it reads
// only regular files, never following a link, never more than a size cap.
package watch

import (
	"context"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/fsnotify/fsnotify"
)

// Job is one workbook to build.
type Job struct {
	Path string // in the inbox
	Name string // file name without extension, cut short enough to name outputs after
	Hash string // sha256 of Data
	Data []byte // the content as read and found complete: build this, not Path

	id     fileID
	forced bool // incomplete for too long: built anyway
}

// Notice is an outcome someone should hear about: a file that could not
// be built.
type Notice struct {
	File   string // its name as dropped
	Reason string // the text of its .error.txt
}

// Watcher watches Inbox and builds into Outbox.
type Watcher struct {
	Inbox  string
	Outbox string
	State  string        // the watcher's own folder, outside Inbox and Outbox
	Jobs   int           // builds at once
	Settle time.Duration // a file must keep its size and time this long
	Poll   time.Duration // how often to look at a settling file

	MaxFileSize  int64           // bigger files are refused unread (default 100 MB)
	Incomplete   time.Duration   // how long an incomplete zip may stand still before it is built anyway (default 10 min)
	BuildTimeout time.Duration   // a build running longer is abandoned and its file failed (default 10 min)
	StopTimeout  time.Duration   // after a stop, how long builds under way may finish (default 1 min)
	Retry        []time.Duration // waits after failures of the environment; the last repeats

	// Build writes the outputs for j into dir, which it may assume is new
	// and empty; files whose names start with "." stay in the state
	// directory and are not published. An error wrapping ErrBadInput
	// files the workbook under failed/ with Explain's text; any other
	// error is taken for the environment's (a full disk) and retried.
	// A panic is recovered and fails the file.
	Build func(ctx context.Context, j Job, dir string) error
	// Explain says in plain words what was wrong and what to do, for the
	// .error.txt beside a failed workbook.
	Explain func(err error) string
	// AfterBuild runs once the outputs are in place, with dir the copy in
	// the state directory (to queue mail). It must be idempotent: after a
	// crash it may run again for the same job.
	AfterBuild func(ctx context.Context, j Job, dir string) error
	// Notify is told of each file that could not be built.
	Notify func(ctx context.Context, n Notice)

	Log *slog.Logger
	Now func() time.Time

	mu       sync.Mutex
	pending  map[string]bool   // paths waiting, settling or building
	claims   map[string]string // content hash → the path being built with it
	attempts map[string]int    // environmental failures in a row, by path
	told     map[string]bool   // paths already logged as left alone
	journal  *journal
	work     chan Job
	again    chan string
	runCtx   context.Context
}

// ErrBadInput marks a workbook that will never build as it is.
var ErrBadInput = errors.New("watch: bad input")

// ErrLocked is a second watcher on the same inbox or state directory.
var ErrLocked = errors.New("watch: another watcher holds the lock")

// ErrStateInShare is a state directory inside the inbox or the outbox.
var ErrStateInShare = errors.New("watch: state directory inside the shared folders")

// DefaultRetry is the wait after each failure of the environment (full
// disk, permission): soon, then ever more slowly, up to hourly.
var DefaultRetry = []time.Duration{10 * time.Second, time.Minute, 5 * time.Minute, 15 * time.Minute, time.Hour}

func (w *Watcher) now() time.Time {
	if w.Now != nil {
		return w.Now()
	}
	return time.Now()
}

func (w *Watcher) buildDir() string { return filepath.Join(w.State, "build") }

// Run watches until ctx ends, then lets the builds under way finish
// (within StopTimeout): a signal never leaves half outputs.
func (w *Watcher) Run(ctx context.Context) error {
	w.defaults()
	closeAll, err := w.open()
	if err != nil {
		return err
	}
	defer closeAll()
	fw, err := fsnotify.NewWatcher()
	if err != nil {
		return err
	}
	defer fw.Close()
	if err := fw.Add(w.Inbox); err != nil {
		return err
	}
	w.work = make(chan Job)
	w.again = make(chan string)
	w.runCtx = ctx
	// Builds outlive a cancelled ctx for StopTimeout: they finish, then
	// the workers stop.
	buildCtx, stopBuilds := context.WithCancel(context.WithoutCancel(ctx))
	defer stopBuilds()
	var workers sync.WaitGroup
	for range w.Jobs {
		workers.Go(func() {
			for job := range w.work {
				wait := w.process(buildCtx, job)
				w.done(job.Path)
				if wait >= 0 {
					w.later(job.Path, wait)
				}
			}
		})
	}
	var settling sync.WaitGroup
	w.scan(ctx, &settling)
	w.Log.Info("watching", "inbox", w.Inbox, "outbox", w.Outbox, "state", w.State, "jobs", w.Jobs)
	w.loop(ctx, fw, &settling)
	settling.Wait()
	close(w.work)
	finished := make(chan struct{})
	go func() { workers.Wait(); close(finished) }()
	select {
	case <-finished:
	case <-time.After(w.StopTimeout):
		w.Log.Warn("builds still running at the stop timeout; abandoned, they are built again at the next start", "timeout", w.StopTimeout.String())
		stopBuilds()
		<-finished
	}
	w.Log.Info("stopped")
	return nil
}

// open checks and makes the folders, takes the lock and opens the
// journal; closeAll undoes it.
func (w *Watcher) open() (closeAll func(), err error) {
	if w.State == "" {
		return nil, errors.New("watch: no state directory")
	}
	if err := CheckDirs(w.Inbox, w.Outbox, w.State); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(w.State, 0o700); err != nil {
		return nil, err
	}
	unlock, err := w.lock()
	if err != nil {
		return nil, err
	}
	for _, d := range []string{w.Outbox, w.buildDir(), filepath.Join(w.Inbox, "done"), filepath.Join(w.Inbox, "failed"), filepath.Join(w.Inbox, "ignored")} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			unlock()
			return nil, err
		}
	}
	j, err := openJournal(filepath.Join(w.State, "journal.jsonl"), w.Outbox, w.Log)
	if err != nil {
		unlock()
		return nil, err
	}
	w.journal = j
	w.pending, w.claims, w.attempts, w.told = map[string]bool{}, map[string]string{}, map[string]int{}, map[string]bool{}
	w.cleanStale()
	return func() { j.close(); unlock() }, nil
}

// loop considers each file the inbox's events name, and each retried,
// until ctx ends.
func (w *Watcher) loop(ctx context.Context, fw *fsnotify.Watcher, settling *sync.WaitGroup) {
	for {
		select {
		case <-ctx.Done():
			return
		case p := <-w.again:
			w.consider(ctx, p, settling)
		case ev, ok := <-fw.Events:
			if !ok {
				return
			}
			if ev.Op&(fsnotify.Create|fsnotify.Write|fsnotify.Rename|fsnotify.Chmod) != 0 {
				w.consider(ctx, ev.Name, settling)
			}
		case err, ok := <-fw.Errors:
			if !ok {
				return
			}
			// An overflow loses events: rescan rather than miss a file.
			w.Log.Warn("watch error; rescanning", "err", err)
			w.scan(ctx, settling)
		}
	}
}

func (w *Watcher) defaults() {
	if w.Jobs < 1 {
		w.Jobs = 1
	}
	if w.Poll <= 0 {
		w.Poll = 250 * time.Millisecond
	}
	if w.MaxFileSize <= 0 {
		w.MaxFileSize = 100 << 20
	}
	if w.Incomplete <= 0 {
		w.Incomplete = 10 * time.Minute
	}
	if w.BuildTimeout <= 0 {
		w.BuildTimeout = 10 * time.Minute
	}
	if w.StopTimeout <= 0 {
		w.StopTimeout = time.Minute
	}
	if len(w.Retry) == 0 {
		w.Retry = DefaultRetry
	}
	if w.Log == nil {
		w.Log = slog.New(slog.DiscardHandler)
	}
}
