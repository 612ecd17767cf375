package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/mail"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"innoreport/internal/mail/mailtest"
	"innoreport/internal/watch"
	"innoreport/publish"
	"innoreport/samples"
)

// variant is the sample with one remark changed, so each copy has its own
// content (and hash).
func variant(t *testing.T, n int) []byte {
	t.Helper()
	f, err := excelize.OpenReader(bytes.NewReader(samples.Workbook))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := f.SetCellValue("任务清单", "M5", fmt.Sprintf("第%d份", n)); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func waitFor(t *testing.T, what string, limit time.Duration, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func list(dir, pattern string) []string {
	m, _ := filepath.Glob(filepath.Join(dir, pattern))
	return m
}

// outputs lists the finished output folders, not half-made ones.
func outputs(outbox string) []string {
	var out []string
	for _, d := range list(outbox, "*") {
		if fi, err := os.Stat(d); err == nil && fi.IsDir() && !strings.HasPrefix(filepath.Base(d), ".") {
			out = append(out, d)
		}
	}
	return out
}

func TestWatchDropAtOnce(t *testing.T) {
	inbox, state := t.TempDir(), t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	var stderr syncBuffer
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"watch", "-settle", "400ms", "-jobs", "2", "-incomplete-wait", "2s", "-state", state, inbox}, io.Discard, &stderr)
	}()
	const good = 40
	for i := range good {
		if i == 7 {
			continue // written slowly, below
		}
		if err := os.WriteFile(filepath.Join(inbox, fmt.Sprintf("县区%02d.xlsx", i)), variant(t, i), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	bad := map[string][]byte{
		"损坏.xlsx":  []byte("this is not a workbook"),
		"截断.xlsx":  samples.Workbook[:4000],
		"旧版.xlsx":  append([]byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1}, make([]byte, 600)...),
		"空文件.xlsx": nil,
		"伪装.xlsx":  []byte("a,b,c,d\n1,2,3,4\n"),
	}
	for name, data := range bad {
		os.WriteFile(filepath.Join(inbox, name), data, 0o644)
	}
	ignored := []string{"~$县区01.xlsx", ".隐藏.xlsx", "草稿.xlsx.tmp", "~临时.xlsx"}
	os.WriteFile(filepath.Join(inbox, "说明.txt"), []byte("notes"), 0o644)
	for _, name := range ignored {
		os.WriteFile(filepath.Join(inbox, name), samples.Workbook, 0o644)
	}
	// One copied slowly: a chunk every 100 ms for about two seconds.
	slow := variant(t, 7)
	go func() {
		f, err := os.Create(filepath.Join(inbox, "县区07.xlsx"))
		if err != nil {
			return
		}
		step := len(slow)/20 + 1
		for i := 0; i < len(slow); i += step {
			f.Write(slow[i:min(i+step, len(slow))])
			f.Sync()
			time.Sleep(100 * time.Millisecond)
		}
		f.Close()
	}()
	outbox := filepath.Join(inbox, "out")
	waitFor(t, "every workbook filed", 3*time.Minute, func() bool {
		return len(list(filepath.Join(inbox, "done"), "*.xlsx")) == good &&
			len(list(filepath.Join(inbox, "failed"), "*.xlsx")) == len(bad)
	})
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if got := len(outputs(outbox)); got != good {
		t.Errorf("%d output folders for %d good workbooks", got, good)
	}
	for _, d := range outputs(outbox) {
		for _, suffix := range []string{"-report.pdf", "-report.docx", "-updated.xlsx", "-findings.json"} {
			if len(list(d, "*"+suffix)) != 1 {
				t.Errorf("%s lacks its %s", d, suffix)
			}
		}
	}
	for name := range bad {
		txt := filepath.Join(inbox, "failed", name+".error.txt")
		b, err := os.ReadFile(txt)
		if err != nil || !strings.Contains(string(b), "无法生成报告") || !strings.Contains(string(b), "could not be built") {
			t.Errorf("%s: reason %q, %v", name, b, err)
		}
	}
	for _, name := range ignored {
		if _, err := os.Stat(filepath.Join(inbox, name)); err != nil {
			t.Errorf("%s should have been left alone: %v", name, err)
		}
	}
	// What is not a workbook gets a place and a reason too.
	if _, err := os.Stat(filepath.Join(inbox, "ignored", "说明.txt.why.txt")); err != nil {
		t.Errorf("说明.txt not filed under ignored/ with why: %v", err)
	}
	// The slow copy was read whole: its build saw all 39 tasks.
	js := list(outbox, "县区07-*/县区07-findings.json")
	if len(js) != 1 {
		t.Fatalf("slow copy outputs: %v", js)
	}
	if b, _ := os.ReadFile(js[0]); !bytes.Contains(b, []byte(`"total": 39`)) {
		t.Error("the slowly written workbook was read before it was complete")
	}
	if strings.Contains(stderr.String(), "panic") {
		t.Errorf("log mentions a panic:\n%s", stderr.String())
	}
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

// child starts the command in its own process: the test binary, told by
// INNOREPORT_AS_MAIN to be innoreport.
func child(t *testing.T, env []string, args ...string) (*exec.Cmd, *bufio.Scanner) {
	t.Helper()
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = append(os.Environ(), append([]string{"INNOREPORT_AS_MAIN=1"}, env...)...)
	r, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	return cmd, bufio.NewScanner(r)
}

// await reads log lines until one contains s.
func await(t *testing.T, sc *bufio.Scanner, s string) {
	t.Helper()
	found := make(chan bool, 1)
	go func() {
		for sc.Scan() {
			if strings.Contains(sc.Text(), s) {
				found <- true
				go func() {
					for sc.Scan() {
					}
				}()
				return
			}
		}
		found <- false
	}()
	select {
	case ok := <-found:
		if !ok {
			t.Fatalf("the watcher ended before logging %q", s)
		}
	case <-time.After(2 * time.Minute):
		t.Fatalf("no %q in the log", s)
	}
}

func attachments(t *testing.T, raw []byte) map[string][]byte {
	t.Helper()
	msg, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]byte{}
	var walk func(ct string, r io.Reader)
	walk = func(ct string, r io.Reader) {
		media, params, _ := mime.ParseMediaType(ct)
		if !strings.HasPrefix(media, "multipart/") {
			return
		}
		mr := multipart.NewReader(r, params["boundary"])
		for {
			p, err := mr.NextPart()
			if err != nil {
				return
			}
			if pct := p.Header.Get("Content-Type"); strings.HasPrefix(pct, "multipart/") {
				walk(pct, p)
				continue
			}
			_, dp, _ := mime.ParseMediaType(p.Header.Get("Content-Disposition"))
			if dp["filename"] == "" {
				continue
			}
			var body io.Reader = p
			if strings.EqualFold(p.Header.Get("Content-Transfer-Encoding"), "base64") {
				body = base64.NewDecoder(base64.StdEncoding, p)
			}
			data, _ := io.ReadAll(body)
			out[dp["filename"]] = data
		}
	}
	walk(msg.Header.Get("Content-Type"), msg.Body)
	return out
}

// A watcher killed with -9 in the middle of a build, then restarted,
// builds and mails every workbook exactly once.
func TestWatchKilledAndRestarted(t *testing.T) {
	srv := mailtest.Start(t)
	inbox := t.TempDir()
	for i := range 3 {
		os.WriteFile(filepath.Join(inbox, fmt.Sprintf("报表%d.xlsx", i)), variant(t, 100+i), 0o644)
	}
	env := []string{"INNOREPORT_SMTP_URL=smtp://" + srv.Addr, "INNOREPORT_MAIL_FROM=kjj@neijiang.example"}
	args := []string{"watch", "-settle", "200ms", "-jobs", "1", "-state", t.TempDir(), "-mail-to", "leader@neijiang.example", inbox}
	cmd, log := child(t, append(env, "INNOREPORT_TEST_BUILD_DELAY=1500ms"), args...)
	await(t, log, "building")
	// Let the first finish and the second start, then kill mid-build.
	time.Sleep(300 * time.Millisecond)
	waitFor(t, "a first build", time.Minute, func() bool { return len(outputs(filepath.Join(inbox, "out"))) >= 1 })
	time.Sleep(400 * time.Millisecond)
	cmd.Process.Signal(syscall.SIGKILL)
	cmd.Wait()
	before := len(outputs(filepath.Join(inbox, "out")))
	if before >= 3 {
		t.Fatalf("all three built before the kill (%d): the test proves nothing", before)
	}

	cmd2, log2 := child(t, env, args...)
	_ = log2
	waitFor(t, "all filed after the restart", 2*time.Minute, func() bool {
		return len(list(filepath.Join(inbox, "done"), "*.xlsx")) == 3
	})
	waitFor(t, "three mails", time.Minute, func() bool { return len(srv.Received()) >= 3 })
	time.Sleep(500 * time.Millisecond) // room for a duplicate to show
	cmd2.Process.Signal(syscall.SIGTERM)
	if err := cmd2.Wait(); err != nil {
		t.Errorf("watcher exit after SIGTERM: %v", err)
	}
	outs := outputs(filepath.Join(inbox, "out"))
	if len(outs) != 3 {
		t.Errorf("%d output folders, want 3: %v", len(outs), outs)
	}
	if left := list(filepath.Join(inbox, "out"), ".partial-*"); len(left) != 0 {
		t.Errorf("half outputs left: %v", left)
	}
	if got := len(srv.Received()); got != 3 {
		t.Errorf("%d mails, want 3", got)
	}
	// Each mail carries its own report's PDF, byte for byte.
	pdfs := map[string][]byte{}
	for _, d := range outs {
		for _, p := range list(d, "*-report.pdf") {
			b, _ := os.ReadFile(p)
			pdfs[filepath.Base(p)] = b
		}
	}
	for _, r := range srv.Received() {
		for name, data := range attachments(t, r.Data) {
			if want, ok := pdfs[name]; !ok || !bytes.Equal(data, want) {
				t.Errorf("attachment %s differs from the built PDF", name)
			}
		}
	}
}

// SIGTERM lets the build under way finish, whole.
func TestWatchSIGTERMFinishesTheBuild(t *testing.T) {
	inbox := t.TempDir()
	os.WriteFile(filepath.Join(inbox, "一份.xlsx"), variant(t, 1), 0o644)
	cmd, log := child(t, []string{"INNOREPORT_TEST_BUILD_DELAY=800ms"}, "watch", "-settle", "100ms", "-state", t.TempDir(), "-log-format", "json", inbox)
	await(t, log, `"msg":"building"`)
	cmd.Process.Signal(syscall.SIGTERM)
	if err := cmd.Wait(); err != nil {
		t.Fatalf("exit after SIGTERM: %v", err)
	}
	outs := outputs(filepath.Join(inbox, "out"))
	if len(outs) != 1 || len(list(outs[0], "*-report.pdf")) != 1 || len(list(outs[0], "*-updated.xlsx")) != 1 {
		t.Errorf("the build under way did not finish: %v", outs)
	}
	if len(list(filepath.Join(inbox, "done"), "*.xlsx")) != 1 {
		t.Error("the workbook was not filed under done/")
	}
}

func TestBuildMails(t *testing.T) {
	srv := mailtest.Start(t)
	srv.Refuse(1)
	old := mailRetries
	mailRetries = []time.Duration{50 * time.Millisecond}
	defer func() { mailRetries = old }()
	t.Setenv("INNOREPORT_SMTP_URL", "smtp://"+srv.Addr)
	t.Setenv("INNOREPORT_MAIL_FROM", "kjj@neijiang.example")
	// The same report byte for byte whenever it is built, so that asking
	// again for the same mail is the same mail.
	t.Setenv("SOURCE_DATE_EPOCH", "1640995200")
	out := t.TempDir()
	var stdout, stderr bytes.Buffer
	err := run(context.Background(), []string{"build", "-out", out, "-mail-to", "leader@neijiang.example", "-mail-workbook"}, &stdout, &stderr)
	if err != nil {
		t.Fatalf("%v\n%s", err, stderr.String())
	}
	got := srv.Received()
	if len(got) != 1 {
		t.Fatalf("%d mails, want 1 after one refusal", len(got))
	}
	att := attachments(t, got[0].Data)
	pdf, _ := os.ReadFile(filepath.Join(out, "neijiang-2021-report.pdf"))
	book, _ := os.ReadFile(filepath.Join(out, "neijiang-2021-updated.xlsx"))
	if !bytes.Equal(att["neijiang-2021-report.pdf"], pdf) || !bytes.Equal(att["neijiang-2021-updated.xlsx"], book) {
		t.Errorf("attachments differ from the outputs: %v", len(att))
	}
	msg, _ := mail.ReadMessage(bytes.NewReader(got[0].Data))
	subj, _ := new(mime.WordDecoder).DecodeHeader(msg.Header.Get("Subject"))
	if subj != "内江市创建省级创新型城市工作成效报告（截至2021年12月31日）" {
		t.Errorf("subject %q", subj)
	}
	// A server that keeps refusing: the mail stays queued, and says so.
	srv.Refuse(100)
	out2 := t.TempDir()
	err = run(context.Background(), []string{"build", "-out", out2, "-mail-to", "leader@neijiang.example", "-lang", "en"}, &stdout, &stderr)
	if code := exitCode(err, &stderr); code != exitInput || !strings.Contains(stderr.String(), "next build or watch sends it") {
		t.Errorf("exit %d, stderr %s", code, stderr.String())
	}
	if len(list(filepath.Join(out2, ".mailq"), "*")) == 0 {
		t.Error("the unsent mail is not kept in the queue")
	}
	// The next run sends it.
	srv.Refuse(0)
	stderr.Reset()
	if err := run(context.Background(), []string{"build", "-out", out2, "-mail-to", "leader@neijiang.example", "-lang", "en"}, &stdout, &stderr); err != nil {
		t.Fatalf("%v: %s", err, stderr.String())
	}
	if n := len(srv.Received()); n != 2 {
		t.Errorf("%d mails after the queue flushed, want 2 (the same report, once)", n)
	}
}

func TestMailSetupErrors(t *testing.T) {
	t.Setenv("INNOREPORT_SMTP_URL", "")
	var stdout, stderr bytes.Buffer
	err := run(context.Background(), []string{"build", "-out", t.TempDir(), "-mail-to", "a@b.cn"}, &stdout, &stderr)
	if code := exitCode(err, &stderr); code != exitInput || !strings.Contains(stderr.String(), "INNOREPORT_SMTP_URL") {
		t.Errorf("exit %d: %s", code, stderr.String())
	}
}

// Item 4: asking for the report to go to another recipient sends it, and
// "sent" is said only of a mail the server took.
func TestBuildMailsTheSecondRecipient(t *testing.T) {
	srv := mailtest.Start(t)
	t.Setenv("INNOREPORT_SMTP_URL", "smtp://"+srv.Addr)
	t.Setenv("INNOREPORT_MAIL_FROM", "kjj@neijiang.example")
	t.Setenv("SOURCE_DATE_EPOCH", "1640995200")
	out := t.TempDir()
	build := func(to string) string {
		t.Helper()
		var stdout, stderr bytes.Buffer
		if err := run(context.Background(), []string{"build", "-out", out, "-mail-to", to}, &stdout, &stderr); err != nil {
			t.Fatalf("%v\n%s", err, stderr.String())
		}
		return stderr.String()
	}
	build("a@neijiang.example")
	said := build("b@neijiang.example")
	got := srv.Received()
	if len(got) != 2 || len(got[1].To) != 1 || got[1].To[0] != "b@neijiang.example" {
		t.Fatalf("mails %d; the second to %v", len(got), got[len(got)-1].To)
	}
	if !strings.Contains(said, "mail sent to b@neijiang.example") {
		t.Errorf("stderr %q", said)
	}
	// The very same mail again is not sent again, and not claimed sent.
	said = build("b@neijiang.example")
	if n := len(srv.Received()); n != 2 {
		t.Errorf("%d mails after asking for the same one again", n)
	}
	if strings.Contains(said, "mail sent to") || !strings.Contains(said, "sent to b@neijiang.example before") {
		t.Errorf("stderr %q", said)
	}
	// A server that refuses for good: not "sent", exit 2, the mail set aside.
	srv.Reject(1)
	var stdout, stderr bytes.Buffer
	err := run(context.Background(), []string{"build", "-out", out, "-mail-to", "c@neijiang.example"}, &stdout, &stderr)
	if code := exitCode(err, &stderr); code != exitInput || strings.Contains(stderr.String(), "mail sent") || !strings.Contains(stderr.String(), "(mail-rejected)") {
		t.Errorf("exit %d: %s", code, stderr.String())
	}
}

// watch in this process with a fake build: the command hands the build
// the bytes dropped, says whether to compose mail (not without -mail-to),
// publishes what it wrote and files the workbook under done/.
func TestWatchFakeBuildInProcess(t *testing.T) {
	inbox := t.TempDir()
	type call struct {
		name     string
		data     []byte
		withMail bool
	}
	calls := make(chan call, 4)
	old := watchHook
	watchHook = func(w *publish.Watch) {
		w.Build = func(ctx context.Context, j watch.Job, dir string, withMail bool) error {
			calls <- call{j.Name, j.Data, withMail}
			return os.WriteFile(filepath.Join(dir, j.Name+"-report.pdf"), []byte("%PDF fake"), 0o644)
		}
	}
	t.Cleanup(func() { watchHook = old })
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	var stderr syncBuffer
	go func() {
		done <- run(ctx, []string{"watch", "-settle", "100ms", "-state", t.TempDir(), "-db", "none", inbox}, io.Discard, &stderr)
	}()
	book := variant(t, 3)
	if err := os.WriteFile(filepath.Join(inbox, "县区.xlsx"), book, 0o644); err != nil {
		t.Fatal(err)
	}
	var c call
	select {
	case c = <-calls:
	case <-time.After(time.Minute):
		t.Fatalf("no build\n%s", stderr.String())
	}
	waitFor(t, "the workbook under done/", time.Minute, func() bool { return len(list(filepath.Join(inbox, "done"), "*.xlsx")) == 1 })
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("watch: %v\n%s", err, stderr.String())
	}
	if c.name != "县区" || !bytes.Equal(c.data, book) || c.withMail {
		t.Errorf("build of %q, %d bytes, withMail %v; want 县区, the %d bytes dropped, no mail", c.name, len(c.data), c.withMail, len(book))
	}
	if outs := outputs(filepath.Join(inbox, "out")); len(outs) != 1 || len(list(outs[0], "县区-report.pdf")) != 1 {
		t.Errorf("published %v", outs)
	}
}
