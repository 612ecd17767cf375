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
	"time"
)

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
	if errors.As(err, &pe) {
		return "无法生成报告：程序处理此文件时出错（已记录在日志中，请联系管理员）。请用 Excel 或 WPS 打开后另存为 .xlsx 再试。\n" +
			"The report could not be built: innoreport failed on this file (logged for the administrator). Open it in Excel or WPS, save it as .xlsx and try again.\n"
	}
	// A TimeoutError or a SizeError is a limit: Explain words it as the
	// report words every limit.
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
		w.fail(ctx, j.Path, w.explainFailure(&SizeError{Name: filepath.Base(j.Path), Max: w.MaxFileSize}))
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
	if wait, ok := w.known(ctx, j, final, log); ok {
		return wait
	}
	return w.build(ctx, j, final, log)
}

// known handles content the journal has seen: built or failed before is
// filed again, built but not finished (a restart) is finished; ok is
// false for content to build.
func (w *Watcher) known(ctx context.Context, j Job, final string, log *slog.Logger) (wait time.Duration, ok bool) {
	e, ok := w.journal.get(j.Hash)
	if !ok {
		return 0, false
	}
	switch e.State {
	case stateDone:
		log.Info("duplicate: this content was built before; filed under done/, not built or mailed again", "built", e.Time, "outputs", e.Dir)
		w.file(j.Path, "done", "")
		return -1, true
	case stateFailed:
		log.Info("this content failed before; filed under failed/", "failed", e.Time)
		reason := e.Reason
		if reason == "" {
			reason = "无法生成报告：相同内容此前已失败。\nThe report could not be built: the same content failed before.\n"
		}
		w.file(j.Path, "failed", reason)
		return -1, true
	case stateBuilt:
		if isDir(final) {
			log.Info("resuming after a restart", "outputs", e.Dir)
			return w.finish(ctx, j, final, e.Dir, log), true
		}
	}
	return 0, false
}

// build builds j into a temporary folder renamed to final, publishes it
// and finishes; it returns when to consider the file again (-1: not).
func (w *Watcher) build(ctx context.Context, j Job, final string, log *slog.Logger) time.Duration {
	tmp, err := os.MkdirTemp(w.buildDir(), ".tmp-")
	if err != nil {
		w.retryLater(j.Path, err)
		return -1
	}
	start := w.now()
	log.Info("building")
	if err := w.runBuild(ctx, j, tmp); err != nil {
		os.RemoveAll(tmp)
		return w.failed(ctx, j, err, log)
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

// failed handles a build that returned err: stopped by the shutdown, the
// environment's failure (retried) or the content's (filed under failed/).
func (w *Watcher) failed(ctx context.Context, j Job, err error, log *slog.Logger) time.Duration {
	switch {
	case errors.Is(err, errStopped):
		log.Info("build stopped by the shutdown; built again at the next start")
	case !contentFailure(err):
		w.retryLater(j.Path, err)
	default:
		reason := w.explainFailure(err)
		w.fail(ctx, j.Path, reason)
		w.record(log, entry{Hash: j.Hash, Name: filepath.Base(j.Path), State: stateFailed, Reason: reason, Time: w.now()})
		w.succeeded(j.Path)
	}
	return -1
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
