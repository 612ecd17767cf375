package watch

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// workbook is a small complete zip carrying text, standing in for a
// workbook: the watcher only needs a complete zip, the fake build reads
// the text back.
func workbook(t *testing.T, text string) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	f, err := zw.Create("xl/workbook.xml")
	if err != nil {
		t.Fatal(err)
	}
	// Some bulk, so that a half of it is a real half.
	fmt.Fprintf(f, "<workbook>%s%s</workbook>", text, strings.Repeat(" ", 4000))
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// textOf reads back what workbook wrote.
func textOf(data []byte) string {
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return "<not a zip: " + err.Error() + ">"
	}
	f, err := zr.File[0].Open()
	if err != nil {
		return "<" + err.Error() + ">"
	}
	defer f.Close()
	var b bytes.Buffer
	b.ReadFrom(f)
	return strings.TrimSpace(strings.TrimSuffix(strings.TrimPrefix(b.String(), "<workbook>"), "</workbook>"))
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// harness runs a Watcher in this process with a fake build that writes
// the workbook's text into <name>-report.txt and records each build. A
// text starting with "BAD" fails as bad input, "PANIC" panics.
type harness struct {
	t                    *testing.T
	w                    *Watcher
	inbox, outbox, state string
	log                  *syncBuffer
	cancel               context.CancelFunc
	done                 chan error
	stopped              bool

	mu     sync.Mutex
	builds []string // texts built, in order
	after  []string // texts AfterBuild saw
	gate   func(text string)
}

func newHarness(t *testing.T) *harness {
	root := t.TempDir()
	h := &harness{t: t, inbox: filepath.Join(root, "inbox"), state: filepath.Join(root, "state"), log: &syncBuffer{}}
	h.outbox = filepath.Join(h.inbox, "out")
	if err := os.MkdirAll(h.inbox, 0o755); err != nil {
		t.Fatal(err)
	}
	h.w = &Watcher{
		Inbox: h.inbox, Outbox: h.outbox, State: h.state, Jobs: 2,
		Settle: 150 * time.Millisecond, Poll: 25 * time.Millisecond, Retry: []time.Duration{50 * time.Millisecond},
		Log: slog.New(slog.NewTextHandler(h.log, nil)),
		Build: func(ctx context.Context, j Job, dir string) error {
			text := textOf(j.Data)
			h.mu.Lock()
			h.builds = append(h.builds, text)
			gate := h.gate
			h.mu.Unlock()
			if gate != nil {
				gate(text)
			}
			switch {
			case strings.HasPrefix(text, "BAD"):
				return fmt.Errorf("%w: %s", ErrBadInput, text)
			case strings.HasPrefix(text, "PANIC"):
				var m map[string]int
				m["styles"]++ // what a library's nil map does
			}
			if err := os.WriteFile(filepath.Join(dir, j.Name+"-report.txt"), []byte(text), 0o644); err != nil {
				return err
			}
			return os.WriteFile(filepath.Join(dir, ".mail"), []byte(text), 0o644)
		},
		Explain: func(err error) string { return "explained: " + err.Error() },
		AfterBuild: func(ctx context.Context, j Job, dir string) error {
			b, err := os.ReadFile(filepath.Join(dir, ".mail"))
			if err != nil {
				return err
			}
			h.mu.Lock()
			h.after = append(h.after, string(b))
			h.mu.Unlock()
			return nil
		},
	}
	return h
}

func (h *harness) start() {
	ctx, cancel := context.WithCancel(context.Background())
	h.cancel, h.done = cancel, make(chan error, 1)
	go func() { h.done <- h.w.Run(ctx) }()
	h.t.Cleanup(func() {
		if !h.stopped {
			cancel()
			select {
			case <-h.done:
			case <-time.After(20 * time.Second):
			}
		}
	})
	h.waitLog("watching")
}

// stop ends the watcher as SIGTERM does and fails if it does not end.
func (h *harness) stop() {
	h.t.Helper()
	h.stopped = true
	h.cancel()
	select {
	case err := <-h.done:
		if err != nil {
			h.t.Fatalf("Run: %v", err)
		}
	case <-time.After(20 * time.Second):
		h.t.Fatal("the watcher did not stop")
	}
}

func (h *harness) drop(name string, data []byte) {
	h.t.Helper()
	// Written beside and renamed in, as a careful copier does, unless a
	// test writes it itself.
	tmp := filepath.Join(h.inbox, ".incoming-"+fmt.Sprint(time.Now().UnixNano()))
	if err := os.WriteFile(tmp, data, 0o644); err != nil {
		h.t.Fatal(err)
	}
	if err := os.Rename(tmp, filepath.Join(h.inbox, name)); err != nil {
		h.t.Fatal(err)
	}
}

func (h *harness) waitLog(s string) {
	h.t.Helper()
	waitFor(h.t, fmt.Sprintf("%q in the log", s), func() bool { return strings.Contains(h.log.String(), s) })
}

func (h *harness) built() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]string(nil), h.builds...)
}

func (h *harness) mailed() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]string(nil), h.after...)
}

func (h *harness) in(sub, name string) bool {
	_, err := os.Lstat(filepath.Join(h.inbox, sub, name))
	return err == nil
}

func (h *harness) read(sub, name string) string {
	b, err := os.ReadFile(filepath.Join(h.inbox, sub, name))
	if err != nil {
		return ""
	}
	return string(b)
}

func waitFor(t *testing.T, what string, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestBuildsAndFiles(t *testing.T) {
	h := newHarness(t)
	h.start()
	h.drop("县区.xlsx", workbook(t, "hello"))
	waitFor(t, "done/", func() bool { return h.in("done", "县区.xlsx") })
	if got := h.built(); len(got) != 1 || got[0] != "hello" {
		t.Errorf("built %q", got)
	}
	outs, _ := filepath.Glob(filepath.Join(h.outbox, "县区-*", "县区-report.txt"))
	if len(outs) != 1 {
		t.Fatalf("outputs %v", outs)
	}
	if leaked, _ := filepath.Glob(filepath.Join(h.outbox, "*", ".mail")); len(leaked) != 0 {
		t.Errorf("the state's own files were published: %v", leaked)
	}
	if got := h.mailed(); len(got) != 1 || got[0] != "hello" {
		t.Errorf("AfterBuild saw %q", got)
	}
	h.stop()
}

// Item 6: a copy that stalls for three times -settle is waited for, not
// read half-written.
func TestPausedCopyIsBuiltWhole(t *testing.T) {
	h := newHarness(t)
	h.start()
	data := workbook(t, "whole")
	f, err := os.Create(filepath.Join(h.inbox, "slow.xlsx"))
	must(t, err)
	_, err = f.Write(data[:len(data)/2])
	must(t, err)
	must(t, f.Sync())
	time.Sleep(3 * h.w.Settle)
	h.waitLog("incomplete; waiting")
	_, err = f.Write(data[len(data)/2:])
	must(t, err)
	must(t, f.Close())
	waitFor(t, "done/", func() bool { return h.in("done", "slow.xlsx") })
	if got := h.built(); len(got) != 1 || got[0] != "whole" {
		t.Errorf("built %q", got)
	}
	if h.in("failed", "slow.xlsx") {
		t.Error("the slow copy was failed")
	}
	h.stop()
}

// A zip cut short that never completes is built at last (where the real
// build fails it as damaged), not left forever.
func TestIncompleteForeverIsBuiltAtLast(t *testing.T) {
	h := newHarness(t)
	h.w.Incomplete = 600 * time.Millisecond
	h.start()
	data := workbook(t, "cut")
	h.drop("cut.xlsx", data[:len(data)-30])
	waitFor(t, "filed", func() bool { return h.in("done", "cut.xlsx") })
	if got := h.built(); len(got) != 1 || !strings.Contains(got[0], "not a zip") {
		t.Errorf("built %q", got)
	}
	h.stop()
}

// Item 3: a file replaced while its previous version builds is built
// again from its new content; the old one is neither published nor
// mailed.
func TestReplacedWhileBuildingBuildsTheNewContent(t *testing.T) {
	h := newHarness(t)
	started, release := make(chan bool, 1), make(chan bool)
	h.gate = func(text string) {
		if text == "old" {
			started <- true
			<-release
		}
	}
	h.start()
	h.drop("报表.xlsx", workbook(t, "old"))
	<-started
	h.drop("报表.xlsx", workbook(t, "new"))
	close(release)
	waitFor(t, "done/", func() bool { return h.in("done", "报表.xlsx") })
	waitFor(t, "the new content mailed", func() bool { return len(h.mailed()) > 0 })
	if got := h.mailed(); len(got) != 1 || got[0] != "new" {
		t.Errorf("mailed %q, want only the new content", got)
	}
	if got, _ := os.ReadFile(filepath.Join(h.inbox, "done", "报表.xlsx")); textOf(got) != "new" {
		t.Errorf("done/ holds %q", textOf(got))
	}
	outs, _ := filepath.Glob(filepath.Join(h.outbox, "*", "*-report.txt"))
	if len(outs) != 1 {
		t.Fatalf("outputs %v", outs)
	}
	if b, _ := os.ReadFile(outs[0]); string(b) != "new" {
		t.Errorf("published %q", b)
	}
	h.stop()
}

// Item 2: a build that panics fails its file; the watcher carries on, and
// the same bytes again are not built again.
func TestPanicFailsTheFileAndTheWatcherCarriesOn(t *testing.T) {
	h := newHarness(t)
	h.start()
	h.drop("nostyles.xlsx", workbook(t, "PANIC"))
	waitFor(t, "failed/", func() bool { return h.in("failed", "nostyles.xlsx.error.txt") })
	if r := h.read("failed", "nostyles.xlsx.error.txt"); !strings.Contains(r, "failed on this file") {
		t.Errorf("reason %q", r)
	}
	h.drop("next.xlsx", workbook(t, "next"))
	waitFor(t, "the next one built", func() bool { return h.in("done", "next.xlsx") })
	h.drop("again.xlsx", workbook(t, "PANIC"))
	waitFor(t, "the same bytes failed again", func() bool { return h.in("failed", "again.xlsx") })
	if n := strings.Count(strings.Join(h.built(), ","), "PANIC"); n != 1 {
		t.Errorf("the panicking content was built %d times", n)
	}
	h.stop()
}

func TestBuildOverTimeIsFailed(t *testing.T) {
	h := newHarness(t)
	h.w.BuildTimeout = 200 * time.Millisecond
	h.gate = func(text string) {
		if text == "slow" {
			time.Sleep(2 * time.Second)
		}
	}
	h.start()
	h.drop("slow.xlsx", workbook(t, "slow"))
	waitFor(t, "failed/", func() bool { return h.in("failed", "slow.xlsx.error.txt") })
	if r := h.read("failed", "slow.xlsx.error.txt"); !strings.Contains(r, "longer than") {
		t.Errorf("reason %q", r)
	}
	h.stop()
}

// Items 7 and 8: a failure of the environment is retried and never held
// against the content.
func TestEnvironmentFailureIsRetriedNotRecorded(t *testing.T) {
	h := newHarness(t)
	var mu sync.Mutex
	full := 3
	build := h.w.Build
	h.w.Build = func(ctx context.Context, j Job, dir string) error {
		mu.Lock()
		defer mu.Unlock()
		if full > 0 {
			full--
			return &os.PathError{Op: "write", Path: dir, Err: syscall.ENOSPC}
		}
		return build(ctx, j, dir)
	}
	h.start()
	h.drop("disk.xlsx", workbook(t, "disk"))
	waitFor(t, "done/ after the disk has room", func() bool { return h.in("done", "disk.xlsx") })
	if h.in("failed", "disk.xlsx") {
		t.Error("a full disk failed the file")
	}
	if !strings.Contains(h.log.String(), "will retry") {
		t.Error("no retry in the log")
	}
	h.stop()
}

// Item 9: the same bytes under two names at once are built once.
func TestSameContentUnderTwoNamesIsBuiltOnce(t *testing.T) {
	h := newHarness(t)
	h.gate = func(string) { time.Sleep(300 * time.Millisecond) }
	h.start()
	data := workbook(t, "twin")
	h.drop("a.xlsx", data)
	h.drop("b.xlsx", data)
	waitFor(t, "both filed", func() bool { return h.in("done", "a.xlsx") && h.in("done", "b.xlsx") })
	if got := h.built(); len(got) != 1 {
		t.Errorf("built %d times", len(got))
	}
	if !strings.Contains(h.log.String(), "duplicate") {
		t.Error("the duplicate is not said in the log")
	}
	h.stop()
}

// Item 9: two watchers cannot share an inbox or a state directory.
func TestTwoWatchersCannotShare(t *testing.T) {
	h := newHarness(t)
	h.start()
	for name, w := range map[string]*Watcher{
		"same inbox, other state": {Inbox: h.inbox, Outbox: h.outbox, State: filepath.Join(t.TempDir(), "s2"), Build: h.w.Build},
		"other inbox, same state": {Inbox: t.TempDir(), Outbox: t.TempDir(), State: h.state, Build: h.w.Build},
	} {
		t.Run(name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			if err := w.Run(ctx); !errors.Is(err, ErrLocked) {
				t.Errorf("second watcher: %v, want ErrLocked", err)
			}
		})
	}
	h.stop()
}

// Item 1: the state cannot live in the share.
func TestStateInsideTheShareIsRefused(t *testing.T) {
	inbox := t.TempDir()
	for _, state := range []string{filepath.Join(inbox, ".innoreport"), filepath.Join(inbox, "out", "state"), inbox} {
		w := &Watcher{Inbox: inbox, Outbox: filepath.Join(inbox, "out"), State: state}
		if err := w.Run(context.Background()); !errors.Is(err, ErrStateInShare) {
			t.Errorf("state %s: %v", state, err)
		}
	}
}

// Item 1: a journal line that points outside the outbox is ignored and
// logged, so it cannot mark content as done (or anything else).
func TestPlantedJournalLineIsIgnored(t *testing.T) {
	h := newHarness(t)
	data := workbook(t, "planted")
	sum := fmt.Sprintf("%x", sha256.Sum256(data))
	must(t, os.MkdirAll(h.state, 0o700))
	lines := fmt.Sprintf(`{"hash":%q,"name":"x.xlsx","state":"built","dir":"/etc","time":"2026-01-01T00:00:00Z"}
{"hash":"../../etc/passwd","name":"y","state":"done","time":"2026-01-01T00:00:00Z"}
`, sum)
	must(t, os.WriteFile(filepath.Join(h.state, "journal.jsonl"), []byte(lines), 0o600))
	h.start()
	h.waitLog("journal line ignored")
	if n := strings.Count(h.log.String(), "journal line ignored"); n != 2 {
		t.Errorf("%d lines ignored, want 2:\n%s", n, h.log.String())
	}
	h.drop("x.xlsx", data)
	waitFor(t, "built", func() bool { return h.in("done", "x.xlsx") })
	if got := h.built(); len(got) != 1 {
		t.Errorf("built %q: the planted line was trusted", got)
	}
	h.stop()
}

// Items 10 and 11: every file gets a place and a reason of its own.
func TestEveryFileGetsAnOutcome(t *testing.T) {
	h := newHarness(t)
	h.start()
	h.drop("a.xlsx", workbook(t, "BAD one"))
	h.drop("a.xlsm", workbook(t, "BAD two"))
	h.drop("旧版.xls", []byte("\xd0\xcf\x11\xe0 legacy"))
	h.drop("说明.txt", []byte("notes"))
	h.drop("~$a.xlsx", []byte("lock"))
	waitFor(t, "all filed", func() bool {
		return h.in("failed", "a.xlsx.error.txt") && h.in("failed", "a.xlsm.error.txt") &&
			h.in("failed", "旧版.xls.error.txt") && h.in("ignored", "说明.txt.why.txt")
	})
	if a, b := h.read("failed", "a.xlsx.error.txt"), h.read("failed", "a.xlsm.error.txt"); !strings.Contains(a, "BAD one") || !strings.Contains(b, "BAD two") {
		t.Errorf("reasons %q, %q", a, b)
	}
	if r := h.read("failed", "旧版.xls.error.txt"); !strings.Contains(r, "另存为") || !strings.Contains(r, "Save it as .xlsx") {
		t.Errorf(".xls reason %q", r)
	}
	if !h.in("", "~$a.xlsx") {
		t.Error("an Office lock file was moved")
	}
	for _, s := range []string{"旧版.xls", "说明.txt", "~$a.xlsx"} {
		if !strings.Contains(h.log.String(), s) {
			t.Errorf("no log line for %s", s)
		}
	}
	h.stop()
}

// Items 7 and 11: a 239-byte Chinese name builds, and a too-big file is
// refused unread.
func TestLongNameAndSizeCap(t *testing.T) {
	h := newHarness(t)
	h.w.MaxFileSize = 64 << 10
	h.start()
	long := strings.Repeat("内江市科技局关于创新型城市", 6)[:234] + ".xlsx" // 239 bytes
	if len(long) != 239 {
		t.Fatalf("name of %d bytes", len(long))
	}
	h.drop(long, workbook(t, "long"))
	big := make([]byte, 1<<20)
	copy(big, "PK\x03\x04")
	h.drop("big.xlsx", big)
	waitFor(t, "both filed", func() bool { return h.in("done", long) && h.in("failed", "big.xlsx.error.txt") })
	for _, b := range h.built() {
		if b != "long" {
			t.Errorf("built %q", b)
		}
	}
	if outs, _ := filepath.Glob(filepath.Join(h.outbox, "*", "*-report.txt")); len(outs) != 1 {
		t.Errorf("outputs %v", outs)
	}
	h.stop()
}

func TestComplete(t *testing.T) {
	data := workbook(t, "x")
	if !complete(data) {
		t.Fatal("a whole zip is incomplete")
	}
	for _, n := range []int{0, 2, 100, len(data) / 2, len(data) - 1} {
		if complete(data[:n]) {
			t.Errorf("%d of %d bytes taken as complete", n, len(data))
		}
	}
	padded := append(append([]byte(nil), data...), make([]byte, 512)...) // preallocated, tail not yet written
	if complete(padded) {
		t.Error("a zip followed by zeros taken as complete")
	}
	if !complete([]byte("a,b\n1,2\n")) {
		t.Error("a file that is no zip should be left to the build to judge")
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// A build that will not end does not hold up a stop past StopTimeout.
func TestStopDoesNotWaitForAHungBuild(t *testing.T) {
	h := newHarness(t)
	h.w.StopTimeout = 300 * time.Millisecond
	hung := make(chan bool)
	t.Cleanup(func() { close(hung) })
	h.gate = func(string) { <-hung }
	h.start()
	h.drop("hang.xlsx", workbook(t, "hang"))
	h.waitLog("building")
	h.stop()
	if !strings.Contains(h.log.String(), "abandoned") {
		t.Error("no word of the abandoned build")
	}
	if h.in("done", "hang.xlsx") || h.in("failed", "hang.xlsx") {
		t.Error("a build cut short by the stop filed its workbook")
	}
}

// Item 8: a file deleted while it waited its turn is not recorded as
// failed; the same content dropped again is built.
func TestDeletedWhileQueuedIsNotHeldAgainstIt(t *testing.T) {
	h := newHarness(t)
	h.w.Jobs = 1
	started, release := make(chan bool, 1), make(chan bool)
	h.gate = func(text string) {
		if text == "first" {
			started <- true
			<-release
		}
	}
	h.start()
	h.drop("first.xlsx", workbook(t, "first"))
	<-started
	second := workbook(t, "second")
	h.drop("second.xlsx", second)
	time.Sleep(3 * h.w.Settle) // settled, waiting for the one worker
	must(t, os.Remove(filepath.Join(h.inbox, "second.xlsx")))
	close(release)
	h.waitLog("removed before it was built")
	h.drop("again.xlsx", second)
	waitFor(t, "the same content built", func() bool { return h.in("done", "again.xlsx") })
	if h.in("failed", "again.xlsx") || len(h.built()) != 2 {
		t.Errorf("built %q", h.built())
	}
	h.stop()
}
