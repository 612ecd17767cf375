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
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
	"sync"
	"time"

	"github.com/fsnotify/fsnotify"

	"innoreport/internal/atomicfile"
	"innoreport/internal/fsname"
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

// Eligible reports whether a file in the inbox is a workbook to build:
// .xlsx or .xlsm and not a file on its way (see Transient).
func Eligible(name string) bool {
	ext := strings.ToLower(filepath.Ext(name))
	return !Transient(name) && (ext == ".xlsx" || ext == ".xlsm")
}

// Transient reports whether a name is one that is only on its way or
// belongs to a program at work: an Office lock file (~$x.xlsx), a hidden
// or temporary file. These are left where they are.
func Transient(name string) bool {
	base := filepath.Base(name)
	lower := strings.ToLower(base)
	if strings.HasPrefix(base, "~") || strings.HasPrefix(base, ".") || strings.HasSuffix(base, "~") {
		return true
	}
	for _, s := range []string{".tmp", ".temp", ".part", ".partial", ".crdownload", ".download"} {
		if strings.HasSuffix(lower, s) {
			return true
		}
	}
	return false
}

// spreadsheet names the kinds of workbook innoreport cannot read, each
// with what to do: dropped, they go to failed/ with that advice.
var spreadsheet = map[string]string{
	".xls": "legacy", ".et": "legacy", ".xlt": "legacy", ".xlsb": "binary", ".ods": "ods", ".csv": "csv",
	".xltx": "template", ".xltm": "template", ".ett": "legacy", ".numbers": "numbers",
}

// CheckDirs refuses a state directory inside the inbox or the outbox:
// whoever can write to the share must not be able to write what the
// watcher reads back.
func CheckDirs(inbox, outbox, state string) error {
	s := realPath(state)
	for _, d := range []string{inbox, outbox} {
		if d != "" && within(s, realPath(d)) {
			return fmt.Errorf("%w: %s is inside %s", ErrStateInShare, state, d)
		}
	}
	return nil
}

// realPath resolves links in the part of p that exists, so that a path
// through a link is compared by where it leads.
func realPath(p string) string {
	abs, err := filepath.Abs(p)
	if err != nil {
		return filepath.Clean(p)
	}
	rest := ""
	for dir := abs; ; dir = filepath.Dir(dir) {
		if r, err := filepath.EvalSymlinks(dir); err == nil {
			return filepath.Join(r, rest)
		}
		if dir == filepath.Dir(dir) {
			return abs
		}
		rest = filepath.Join(filepath.Base(dir), rest)
	}
}

// within reports whether p is dir or below it.
func within(p, dir string) bool {
	rel, err := filepath.Rel(dir, p)
	return err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator))
}

// lock holds the state directory and the inbox for this process. It
// returns what releases them.
func (w *Watcher) lock() (func(), error) {
	lf, err := os.OpenFile(filepath.Join(w.State, "lock"), os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return nil, err
	}
	ok, err := lockFile(lf)
	if !ok {
		lf.Close()
		if err != nil {
			return nil, err
		}
		return nil, fmt.Errorf("%w: state directory %s is in use", ErrLocked, w.State)
	}
	// The inbox itself too, so that two watchers given different state
	// directories still cannot share it.
	inf, err := os.Open(w.Inbox)
	if err != nil {
		lf.Close()
		return nil, err
	}
	ok, err = lockFile(inf)
	if !ok && err == nil {
		inf.Close()
		lf.Close()
		return nil, fmt.Errorf("%w: inbox %s is watched by another process", ErrLocked, w.Inbox)
	}
	if err != nil {
		// Some network file systems cannot lock a folder; the state
		// directory's lock still holds.
		w.Log.Warn("cannot lock the inbox folder; relying on the state directory's lock", "err", err)
	}
	return func() { inf.Close(); lf.Close() }, nil
}

// Run watches until ctx ends, then lets the builds under way finish
// (within StopTimeout): a signal never leaves half outputs.
func (w *Watcher) Run(ctx context.Context) error {
	w.defaults()
	if w.State == "" {
		return errors.New("watch: no state directory")
	}
	if err := CheckDirs(w.Inbox, w.Outbox, w.State); err != nil {
		return err
	}
	if err := os.MkdirAll(w.State, 0o700); err != nil {
		return err
	}
	unlock, err := w.lock()
	if err != nil {
		return err
	}
	defer unlock()
	for _, d := range []string{w.Outbox, w.buildDir(), filepath.Join(w.Inbox, "done"), filepath.Join(w.Inbox, "failed"), filepath.Join(w.Inbox, "ignored")} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return err
		}
	}
	j, err := openJournal(filepath.Join(w.State, "journal.jsonl"), w.Outbox, w.Log)
	if err != nil {
		return err
	}
	defer j.close()
	w.journal = j
	w.pending, w.claims, w.attempts, w.told = map[string]bool{}, map[string]string{}, map[string]int{}, map[string]bool{}
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
	w.again = make(chan string)
	w.runCtx = ctx
	var workers sync.WaitGroup
	// Builds outlive a cancelled ctx for StopTimeout: they finish, then
	// the workers stop.
	buildCtx, stopBuilds := context.WithCancel(context.WithoutCancel(ctx))
	defer stopBuilds()
	for range w.Jobs {
		workers.Add(1)
		go func() {
			defer workers.Done()
			for job := range w.work {
				wait := w.process(buildCtx, job)
				w.done(job.Path)
				if wait >= 0 {
					w.later(job.Path, wait)
				}
			}
		}()
	}
	var settling sync.WaitGroup
	w.scan(ctx, &settling)
	w.Log.Info("watching", "inbox", w.Inbox, "outbox", w.Outbox, "state", w.State, "jobs", w.Jobs)
loop:
	for {
		select {
		case <-ctx.Done():
			break loop
		case p := <-w.again:
			w.consider(ctx, p, &settling)
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

// later considers path again after wait, unless the watcher stops first.
func (w *Watcher) later(path string, wait time.Duration) {
	time.AfterFunc(wait, func() {
		select {
		case w.again <- path:
		case <-w.runCtx.Done():
		}
	})
}

// scan considers every file already in the inbox.
func (w *Watcher) scan(ctx context.Context, settling *sync.WaitGroup) {
	entries, err := os.ReadDir(w.Inbox)
	if err != nil {
		w.Log.Error("reading inbox", "err", err)
		return
	}
	for _, e := range entries {
		w.consider(ctx, filepath.Join(w.Inbox, e.Name()), settling)
	}
}

// ours reports whether path is one of the watcher's own folders.
func (w *Watcher) ours(path string) bool {
	switch filepath.Base(path) {
	case "done", "failed", "ignored":
		return true
	}
	return samePlace(path, w.Outbox) || samePlace(path, w.State)
}

func samePlace(a, b string) bool {
	fa, errA := os.Stat(a)
	fb, errB := os.Stat(b)
	return errA == nil && errB == nil && os.SameFile(fa, fb)
}

// tell logs once that a path is left alone.
func (w *Watcher) tell(path, why string) {
	w.mu.Lock()
	first := !w.told[path]
	if len(w.told) > 10000 {
		clear(w.told)
	}
	w.told[path] = true
	w.mu.Unlock()
	if first {
		w.Log.Info("left alone", "file", filepath.Base(path), "why", why)
	}
}

// consider starts settling a file unless it is already on its way.
func (w *Watcher) consider(ctx context.Context, path string, settling *sync.WaitGroup) {
	if filepath.Dir(path) != filepath.Clean(w.Inbox) {
		return
	}
	fi, err := os.Lstat(path)
	if err != nil {
		return // gone again: a temporary file renamed away
	}
	switch {
	case fi.IsDir():
		if !w.ours(path) {
			w.tell(path, "a folder: drop workbooks at the top of the inbox")
		}
		return
	case Transient(path):
		w.tell(path, "a lock, hidden or temporary file")
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

// settle waits until the file keeps its size and time for Settle and, for
// a workbook, is a complete zip; then it reads and hashes it. Whatever is
// not a workbook to build is filed or left here, and false returned.
func (w *Watcher) settle(ctx context.Context, path string) (Job, bool) {
	base := filepath.Base(path)
	ext := strings.ToLower(filepath.Ext(base))
	var last fileID
	stableSince, changedAt := w.now(), w.now()
	first, waitingSaid := true, false
	t := time.NewTicker(w.Poll)
	defer t.Stop()
	for {
		fi, err := os.Lstat(path)
		if err != nil {
			if os.IsNotExist(err) {
				w.Log.Info("removed before it was built", "file", base)
			} else {
				w.retryLater(path, err)
			}
			return Job{}, false
		}
		if !fi.Mode().IsRegular() {
			w.refuse(path, fi.Mode())
			return Job{}, false
		}
		if fi.Size() > w.MaxFileSize {
			w.fail(ctx, path, tooBig(base, w.MaxFileSize))
			return Job{}, false
		}
		if id := idOf(fi); first || id != last {
			last, stableSince, changedAt, first = id, w.now(), w.now(), false
		} else if w.now().Sub(stableSince) >= w.Settle {
			if !Eligible(base) {
				w.fileOther(ctx, path, ext)
				return Job{}, false
			}
			// Only the head and the tail are read here: the content is
			// read by the worker that builds it, so files waiting their
			// turn hold no memory.
			ok, id, err := completeFile(path)
			switch {
			case err != nil:
				w.retryLater(path, err)
				return Job{}, false
			case id != last:
				stableSince = w.now() // changed while looked at: settle again
			case ok || w.now().Sub(changedAt) >= w.Incomplete:
				return Job{Path: path, Name: shortName(base), id: id, forced: !ok}, true
			default:
				// A copy that stalls: wait for the rest rather than read
				// it half-written.
				if !waitingSaid {
					w.Log.Info("incomplete; waiting for the rest", "file", base, "bytes", id.size)
					waitingSaid = true
				}
				stableSince = w.now()
			}
		}
		select {
		case <-ctx.Done():
			return Job{}, false
		case <-t.C:
		}
	}
}

// shortName is the name outputs are called after: the file's, without
// its extension, cut so that "-findings.json" and a temporary marker
// still fit in a file name.
func shortName(base string) string {
	return fsname.FitN(strings.TrimSuffix(base, filepath.Ext(base)), "", 150)
}

func tooBig(name string, max int64) string {
	mb := max >> 20
	return fmt.Sprintf("无法生成报告：文件大于 %d MB 的上限（-max-file-mb），未读取。请确认文件无误，或请管理员调高上限。\n"+
		"The report could not be built: the file is over the %d MB limit (-max-file-mb) and was not read. Check the file, or ask the administrator to raise the limit.\n", mb, mb)
}

// refuse files what is not a regular file: a link would make the watcher
// read (and mail) a file outside the inbox, a FIFO or device would block
// it or never end.
func (w *Watcher) refuse(path string, mode os.FileMode) {
	what := "特殊文件 / a special file"
	switch {
	case mode&os.ModeSymlink != 0:
		what = "符号链接 / a symbolic link"
	case mode&os.ModeNamedPipe != 0:
		what = "命名管道 / a named pipe (FIFO)"
	case mode&os.ModeDevice != 0:
		what = "设备文件 / a device"
	case mode&os.ModeSocket != 0:
		what = "套接字 / a socket"
	}
	zh, en, _ := strings.Cut(what, " / ")
	reason := fmt.Sprintf("未处理：这是%s，不是普通文件。请放入工作簿文件本身。\nNot read: this is %s, not a regular file. Drop the workbook itself.\n", zh, en)
	w.Log.Warn("refused", "file", filepath.Base(path), "why", en)
	w.file(path, "failed", reason)
}

// fileOther files a settled file that is not .xlsx or .xlsm: a workbook
// of another kind to failed/ with what to do, anything else to ignored/.
func (w *Watcher) fileOther(ctx context.Context, path, ext string) {
	base := filepath.Base(path)
	kind, ok := spreadsheet[ext]
	if !ok {
		w.Log.Info("ignored: not a workbook", "file", base, "to", "ignored/")
		w.file(path, "ignored", "未处理：只处理 .xlsx 和 .xlsm 工作簿，此文件已移到 ignored/。\n"+
			"Not read: only .xlsx and .xlsm workbooks are built; this file was moved to ignored/.\n")
		return
	}
	advice := map[string][2]string{
		"legacy":   {"这是旧版 Excel/WPS 格式", "this is a legacy Excel/WPS format"},
		"binary":   {"这是二进制 .xlsb 格式", "this is the binary .xlsb format"},
		"ods":      {"这是 OpenDocument 表格", "this is an OpenDocument spreadsheet"},
		"csv":      {"这是 CSV 文本，不含工作簿的结构", "this is CSV text, without a workbook's sheets"},
		"template": {"这是 Excel 模板", "this is an Excel template"},
		"numbers":  {"这是 Numbers 文稿", "this is a Numbers document"},
	}[kind]
	w.fail(ctx, path, fmt.Sprintf("无法生成报告：%s。请在 Excel 或 WPS 中“另存为” .xlsx 后重新放入。\n"+
		"The report could not be built: %s. Save it as .xlsx in Excel or WPS and drop it again.\n", advice[0], advice[1]))
}

// fail files path under failed/ with reason and tells whoever is to know.
func (w *Watcher) fail(ctx context.Context, path, reason string) {
	w.Log.Warn("failed", "file", filepath.Base(path), "reason", firstLine(reason))
	w.file(path, "failed", reason)
	if w.Notify != nil {
		w.Notify(ctx, Notice{File: filepath.Base(path), Reason: reason})
	}
}

// retryLater notes a failure of the environment: the file stays in the
// inbox and is looked at again after a growing wait; nothing is recorded
// against its content.
func (w *Watcher) retryLater(path string, err error) {
	wait := w.backoff(path)
	w.Log.Warn("cannot build now; will retry", "file", filepath.Base(path), "retry_in", wait.String(), "err", err)
	w.later(path, wait)
}

func (w *Watcher) backoff(path string) time.Duration {
	w.mu.Lock()
	defer w.mu.Unlock()
	n := w.attempts[path]
	w.attempts[path] = n + 1
	return w.Retry[min(n, len(w.Retry)-1)]
}

func (w *Watcher) succeeded(path string) {
	w.mu.Lock()
	delete(w.attempts, path)
	w.mu.Unlock()
}

// claim reserves a content hash for one path: the same bytes dropped
// under two names are built once.
func (w *Watcher) claim(hash, path string) (string, bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if other, ok := w.claims[hash]; ok {
		return other, false
	}
	w.claims[hash] = path
	return "", true
}

func (w *Watcher) release(hash string) {
	w.mu.Lock()
	delete(w.claims, hash)
	w.mu.Unlock()
}

// PanicError is a build that crashed.
type PanicError struct {
	Value any
}

func (e *PanicError) Error() string { return fmt.Sprintf("build crashed: %v", e.Value) }

// TimeoutError is a build that ran past BuildTimeout.
type TimeoutError struct{ Limit time.Duration }

func (e *TimeoutError) Error() string { return fmt.Sprintf("build ran longer than %s", e.Limit) }

// errStopped is a build cut short by the watcher stopping.
var errStopped = errors.New("watch: stopped")

// runBuild runs one build with a recovered panic and a time budget: no
// file can stop the service or hold a worker forever. A build that runs
// over is abandoned (its goroutine ends on its own or with the process).
func (w *Watcher) runBuild(ctx context.Context, j Job, dir string) error {
	bctx, cancel := context.WithTimeout(ctx, w.BuildTimeout)
	defer cancel()
	res := make(chan error, 1)
	go func() {
		defer func() {
			if r := recover(); r != nil {
				w.Log.Error("build crashed; the file is failed and the watcher carries on",
					"file", filepath.Base(j.Path), "panic", fmt.Sprint(r), "stack", string(debug.Stack()))
				res <- &PanicError{Value: r}
			}
		}()
		res <- w.Build(bctx, j, dir)
	}()
	select {
	case err := <-res:
		if err != nil && ctx.Err() != nil {
			return errStopped
		}
		if err != nil && errors.Is(err, context.DeadlineExceeded) {
			return &TimeoutError{Limit: w.BuildTimeout}
		}
		return err
	case <-bctx.Done():
		if ctx.Err() != nil {
			return errStopped
		}
		return &TimeoutError{Limit: w.BuildTimeout}
	}
}

// explainFailure is the .error.txt for a build that failed on its content.
func (w *Watcher) explainFailure(err error) string {
	var pe *PanicError
	var te *TimeoutError
	switch {
	case errors.As(err, &pe):
		return "无法生成报告：程序处理此文件时出错（已记录在日志中，请联系管理员）。请用 Excel 或 WPS 打开后另存为 .xlsx 再试。\n" +
			"The report could not be built: innoreport failed on this file (logged for the administrator). Open it in Excel or WPS, save it as .xlsx and try again.\n"
	case errors.As(err, &te):
		return fmt.Sprintf("无法生成报告：处理超过 %s 的时间上限。请拆分工作簿或联系管理员。\n"+
			"The report could not be built: it took longer than the %s limit. Split the workbook or contact the administrator.\n", te.Limit, te.Limit)
	}
	if w.Explain != nil {
		return w.Explain(err)
	}
	return err.Error()
}

// contentFailure reports whether err is the file's own doing, so that
// the same bytes will fail again: recorded against the hash.
func contentFailure(err error) bool {
	var pe *PanicError
	var te *TimeoutError
	return errors.Is(err, ErrBadInput) || errors.As(err, &pe) || errors.As(err, &te)
}

// process builds one job and files its workbook. It returns when to look
// at the path again (negative: not at all).
func (w *Watcher) process(ctx context.Context, j Job) time.Duration {
	// Read once, here, and built from these bytes: what the path holds
	// later does not matter until the build is done.
	data, id, err := readRegular(j.Path, w.MaxFileSize)
	switch {
	case errors.Is(err, errTooBig):
		w.fail(ctx, j.Path, tooBig(filepath.Base(j.Path), w.MaxFileSize))
		return -1
	case os.IsNotExist(err):
		w.Log.Info("removed before it was built", "file", filepath.Base(j.Path))
		return -1
	case err != nil:
		w.retryLater(j.Path, err)
		return -1
	case id != j.id || !j.forced && !complete(data):
		return 0 // changed since it settled: settle again
	}
	sum := sha256.Sum256(data)
	j.Data, j.Hash = data, hex.EncodeToString(sum[:])
	log := w.Log.With("file", filepath.Base(j.Path), "hash", j.Hash[:12])
	if other, ok := w.claim(j.Hash, j.Path); !ok {
		log.Info("duplicate: the same content is being built now; filed under done/", "as", filepath.Base(other))
		w.file(j.Path, "done", "")
		return -1
	}
	defer w.release(j.Hash)
	final := filepath.Join(w.buildDir(), j.Hash)
	if e, ok := w.journal.get(j.Hash); ok {
		switch e.State {
		case stateDone:
			log.Info("duplicate: this content was built before; filed under done/, not built or mailed again", "built", e.Time, "outputs", e.Dir)
			w.file(j.Path, "done", "")
			return -1
		case stateFailed:
			log.Info("this content failed before; filed under failed/", "failed", e.Time)
			reason := e.Reason
			if reason == "" {
				reason = "无法生成报告：相同内容此前已失败。\nThe report could not be built: the same content failed before.\n"
			}
			w.file(j.Path, "failed", reason)
			return -1
		case stateBuilt:
			if isDir(final) {
				log.Info("resuming after a restart", "outputs", e.Dir)
				return w.finish(ctx, j, final, e.Dir, log)
			}
		}
	}
	tmp, err := os.MkdirTemp(w.buildDir(), ".tmp-")
	if err != nil {
		w.retryLater(j.Path, err)
		return -1
	}
	start := w.now()
	log.Info("building")
	err = w.runBuild(ctx, j, tmp)
	if err != nil {
		if errors.Is(err, errStopped) {
			os.RemoveAll(tmp)
			log.Info("build stopped by the shutdown; built again at the next start")
			return -1
		}
		os.RemoveAll(tmp)
		if !contentFailure(err) {
			w.retryLater(j.Path, err)
			return -1
		}
		reason := w.explainFailure(err)
		w.fail(ctx, j.Path, reason)
		w.record(log, entry{Hash: j.Hash, Name: filepath.Base(j.Path), State: stateFailed, Reason: reason, Time: w.now()})
		w.succeeded(j.Path)
		return -1
	}
	// Built from bytes that may no longer be the file's: a file replaced
	// while it built is built again from its new content, and the old
	// outputs are not published or mailed.
	if w.changed(j) {
		os.RemoveAll(tmp)
		log.Info("changed while it was built; building its new content")
		return 0
	}
	if err := os.RemoveAll(final); err != nil {
		os.RemoveAll(tmp)
		w.retryLater(j.Path, err)
		return -1
	}
	if err := os.Rename(tmp, final); err != nil {
		os.RemoveAll(tmp)
		w.retryLater(j.Path, err)
		return -1
	}
	out, err := w.publish(j, final, start)
	if err != nil {
		w.retryLater(j.Path, fmt.Errorf("publishing the outputs: %w", err))
		return -1
	}
	w.record(log, entry{Hash: j.Hash, Name: filepath.Base(j.Path), State: stateBuilt, Dir: out, Time: w.now()})
	log.Info("built", "outputs", out, "seconds", w.now().Sub(start).Seconds())
	return w.finish(ctx, j, final, out, log)
}

// changed reports whether the file at j.Path is no longer the one read.
// A file removed meanwhile has not changed: its content was built.
func (w *Watcher) changed(j Job) bool {
	fi, err := os.Lstat(j.Path)
	if err != nil {
		return false
	}
	return idOf(fi) != j.id
}

// publish copies the outputs (not the state's own dot files) from the
// state directory to a new folder in Outbox, made under a hidden name and
// renamed into place: the share never shows half of it.
func (w *Watcher) publish(j Job, final string, start time.Time) (string, error) {
	entries, err := os.ReadDir(final)
	if err != nil {
		return "", err
	}
	partial, err := os.MkdirTemp(w.Outbox, ".partial-")
	if err != nil {
		return "", err
	}
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), ".") || !e.Type().IsRegular() {
			continue
		}
		if err := copyFile(filepath.Join(final, e.Name()), filepath.Join(partial, e.Name())); err != nil {
			os.RemoveAll(partial)
			return "", err
		}
	}
	stamp := start.Format("20060102-150405")
	dir := filepath.Join(w.Outbox, j.Name+"-"+stamp)
	for i := 2; exists(dir); i++ {
		dir = filepath.Join(w.Outbox, fmt.Sprintf("%s-%s-%d", j.Name, stamp, i))
	}
	if err := os.Rename(partial, dir); err != nil {
		os.RemoveAll(partial)
		return "", err
	}
	return dir, nil
}

func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o644)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	if err := out.Sync(); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

func (w *Watcher) finish(ctx context.Context, j Job, final, out string, log *slog.Logger) time.Duration {
	if w.AfterBuild != nil {
		if err := w.AfterBuild(ctx, j, final); err != nil {
			// Left as built: AfterBuild runs again at the retry.
			w.retryLater(j.Path, fmt.Errorf("after the build: %w", err))
			return -1
		}
	}
	w.file(j.Path, "done", "")
	w.record(log, entry{Hash: j.Hash, Name: filepath.Base(j.Path), State: stateDone, Dir: out, Time: w.now()})
	w.succeeded(j.Path)
	if err := os.RemoveAll(final); err != nil {
		log.Warn("cannot remove the state's copy of the outputs", "dir", final, "err", err)
	}
	return -1
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
	_, err := os.Lstat(p)
	return err == nil
}

func isDir(p string) bool {
	fi, err := os.Lstat(p)
	return err == nil && fi.IsDir()
}

// file moves what is at path to sub (done, failed, ignored) under a free
// name, with the reason beside it in <name>.<ext>.error.txt (or
// .why.txt in ignored/), so a.xlsx and a.xlsm never share one.
func (w *Watcher) file(path, sub, reason string) {
	base := filepath.Base(path)
	ext := filepath.Ext(base)
	stem := strings.TrimSuffix(base, ext)
	suffix := ".error.txt"
	if sub == "ignored" {
		suffix = ".why.txt"
	}
	// The reason's name is cut to fit after the workbook's own name.
	why := func(name string) string {
		return filepath.Join(w.Inbox, sub, fsname.Fit(strings.TrimSuffix(name, ext), ext+suffix))
	}
	free := func(name string) bool {
		return !exists(filepath.Join(w.Inbox, sub, name)) && (reason == "" || !exists(why(name)))
	}
	name := base
	for i := 2; !free(name); i++ {
		name = fsname.Fit(stem, fmt.Sprintf("-%d%s", i, ext))
	}
	dst := filepath.Join(w.Inbox, sub, name)
	if reason != "" {
		txt := why(name)
		if err := atomicfile.WriteFile(txt, []byte(reason), 0o644); err != nil {
			w.Log.Error("cannot write the reason", "file", txt, "err", err)
		}
	}
	if err := os.Rename(path, dst); err != nil && !os.IsNotExist(err) {
		w.Log.Error("cannot move the file", "file", path, "to", dst, "err", err)
	}
}

// cleanStale removes what a killed run left half-made.
func (w *Watcher) cleanStale() {
	for _, pattern := range []string{filepath.Join(w.buildDir(), ".tmp-*"), filepath.Join(w.Outbox, ".partial-*")} {
		matches, err := filepath.Glob(pattern)
		if err != nil {
			continue
		}
		for _, m := range matches {
			w.Log.Info("removing half-made outputs of an interrupted run", "dir", m)
			if err := os.RemoveAll(m); err != nil {
				w.Log.Warn("cannot remove", "dir", m, "err", err)
			}
		}
	}
}
