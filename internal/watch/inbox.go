package watch

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"innoreport/internal/atomicfile"
	"innoreport/internal/fsname"
)

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
			w.fail(ctx, path, w.explainFailure(&SizeError{Name: base, Max: w.MaxFileSize}))
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

// SizeError is a file over MaxFileSize, refused unread. The watcher
// knows nothing of the report, so Explain words it (publish as the
// report's LimitError, the one message every limit has); Error is the
// plain fallback.
type SizeError struct {
	Name string
	Max  int64 // bytes
}

func (e *SizeError) Error() string {
	return fmt.Sprintf("%s: the file is over the %d MB limit (-max-file-mb) and was not read", e.Name, e.Max>>20)
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
