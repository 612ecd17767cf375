package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/mail"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"innoreport/internal/mail/mailtest"
	"innoreport/samples"
	"innoreport/templates"
)

// watching runs watch in this process until the test ends; stop ends it
// as SIGTERM does and returns its error.
type watching struct {
	log  *syncBuffer
	stop func() error
}

func startWatch(t *testing.T, args ...string) *watching {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	w := &watching{log: &syncBuffer{}}
	done := make(chan error, 1)
	go func() { done <- run(ctx, append([]string{"watch"}, args...), io.Discard, w.log) }()
	stopped := false
	var result error
	w.stop = func() error {
		if stopped {
			return result
		}
		stopped = true
		cancel()
		select {
		case result = <-done:
		case <-time.After(time.Minute):
			t.Fatal("watch did not stop")
		}
		return result
	}
	t.Cleanup(func() { w.stop() })
	waitFor(t, "watching", time.Minute, func() bool {
		select {
		case err := <-done:
			t.Fatalf("watch ended at once: %v\n%s", err, w.log.String())
		default:
		}
		return strings.Contains(w.log.String(), "msg=watching")
	})
	return w
}

func mailEnv(t *testing.T) *mailtest.Server {
	srv := mailtest.Start(t)
	t.Setenv("INNOREPORT_SMTP_URL", "smtp://"+srv.Addr)
	t.Setenv("INNOREPORT_MAIL_FROM", "kjj@neijiang.example")
	return srv
}

func drop(t *testing.T, inbox, name string, data []byte) {
	t.Helper()
	tmp := filepath.Join(inbox, ".copying-"+fmt.Sprint(time.Now().UnixNano()))
	if err := os.WriteFile(tmp, data, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, filepath.Join(inbox, name)); err != nil {
		t.Fatal(err)
	}
}

func exists(p string) bool {
	_, err := os.Lstat(p)
	return err == nil
}

// Item 2: a workbook with no styles part (which made excelize panic and
// watch exit, then crash-loop under systemd) ends with an outcome, and
// the watcher keeps building.
func TestWatchStylesLessWorkbookKeepsTheWatcherRunning(t *testing.T) {
	src := filepath.Join(corpusDir, "xlsx", "tealeg__noStylesAndSharedStringsTest.xlsx")
	data, err := os.ReadFile(src)
	if err != nil {
		t.Skipf("corpus file not found (%v): it lives beside the project in shared/corpus", err)
	}
	inbox := t.TempDir()
	w := startWatch(t, "-settle", "100ms", "-state", t.TempDir(), inbox)
	drop(t, inbox, "nostyles.xlsx", data)
	waitFor(t, "an outcome for the styles-less workbook", time.Minute, func() bool {
		return exists(filepath.Join(inbox, "done", "nostyles.xlsx")) || exists(filepath.Join(inbox, "failed", "nostyles.xlsx.error.txt"))
	})
	drop(t, inbox, "next.xlsx", variant(t, 3))
	waitFor(t, "the next workbook built", time.Minute, func() bool { return exists(filepath.Join(inbox, "done", "next.xlsx")) })
	if err := w.stop(); err != nil {
		t.Fatalf("watch: %v\n%s", err, w.log.String())
	}
}

// Item 1: a mail planted in the queue (now in the state directory, and in
// the inbox where it used to be) and a planted journal line send nothing
// and are logged; the real report still goes out, to the configured
// recipient only.
func TestWatchPlantedQueueAndJournalSendNothing(t *testing.T) {
	srv := mailEnv(t)
	inbox, state := t.TempDir(), t.TempDir()
	book := variant(t, 11)
	plant := func(dir, to, attachment string) {
		t.Helper()
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		m := map[string]any{"id": "planted", "to": []string{to}, "subject": "planted", "text": "planted",
			"attachments": []map[string]string{{"name": "passwd", "path": attachment}}}
		b, _ := json.Marshal(m)
		if err := os.WriteFile(filepath.Join(dir, "message.json"), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	plant(filepath.Join(state, "mailq", "planted-1"), "attacker@evil.example", "attachment-0.pdf")
	os.WriteFile(filepath.Join(state, "mailq", "planted-1", "attachment-0.pdf"), []byte("x"), 0o644)
	plant(filepath.Join(state, "mailq", "planted-2"), "leader@neijiang.example", "../../../../etc/passwd")
	plant(filepath.Join(inbox, "out", ".mailq", "planted-3"), "attacker@evil.example", "../../../../etc/passwd")
	plant(filepath.Join(inbox, "planted-4"), "attacker@evil.example", "/etc/passwd")
	line := fmt.Sprintf(`{"hash":"%x","name":"x.xlsx","state":"built","dir":%q,"time":"2026-01-01T00:00:00Z"}`,
		sha256.Sum256(book), filepath.Join(inbox, "planted-4"))
	if err := os.WriteFile(filepath.Join(state, "journal.jsonl"), []byte(line+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	w := startWatch(t, "-settle", "100ms", "-state", state, "-mail-to", "leader@neijiang.example", inbox)
	drop(t, inbox, "报表.xlsx", book)
	waitFor(t, "the report mailed", time.Minute, func() bool { return len(srv.Received()) >= 1 })
	time.Sleep(500 * time.Millisecond) // room for a planted mail to go out
	w.stop()
	got := srv.Received()
	if len(got) != 1 {
		t.Fatalf("%d mails, want only the report", len(got))
	}
	if len(got[0].To) != 1 || got[0].To[0] != "leader@neijiang.example" {
		t.Errorf("mailed to %v", got[0].To)
	}
	for name := range attachments(t, got[0].Data) {
		if name == "passwd" {
			t.Error("a planted attachment was sent")
		}
	}
	log := w.log.String()
	for _, s := range []string{"journal line ignored", "attacker@evil.example", "../../../../etc/passwd"} {
		if !strings.Contains(log, s) {
			t.Errorf("the log does not mention %q", s)
		}
	}
}

// Item 10: whoever -notify-to names hears of a workbook that failed and of
// a mail the server refused for good (550), which is not retried.
func TestWatchNotifiesFailures(t *testing.T) {
	srv := mailEnv(t)
	inbox := t.TempDir()
	w := startWatch(t, "-settle", "100ms", "-state", t.TempDir(), "-mail-to", "leader@neijiang.example",
		"-notify-to", "admin@neijiang.example", inbox)
	drop(t, inbox, "损坏.xlsx", []byte("not a workbook"))
	waitFor(t, "a notice of the failed workbook", time.Minute, func() bool { return len(srv.Received()) >= 1 })
	first := srv.Received()[0]
	if first.To[0] != "admin@neijiang.example" || !strings.Contains(subject(t, first.Data), "损坏.xlsx") {
		t.Errorf("notice to %v, subject %q", first.To, subject(t, first.Data))
	}
	srv.Reject(1)
	drop(t, inbox, "好.xlsx", variant(t, 12))
	waitFor(t, "a notice of the refused mail", time.Minute, func() bool { return len(srv.Received()) >= 2 })
	second := srv.Received()[1]
	if second.To[0] != "admin@neijiang.example" || !strings.Contains(subject(t, second.Data), "could not be delivered") {
		t.Errorf("second mail to %v, subject %q", second.To, subject(t, second.Data))
	}
	w.stop()
}

// The template can name who is told, instead of -notify-to.
func TestWatchNotifiesWhomTheTemplateNames(t *testing.T) {
	srv := mailEnv(t)
	tmpl := filepath.Join(t.TempDir(), "city.yaml")
	if err := os.WriteFile(tmpl, append(append([]byte(nil), templates.Builtin...), "\nnotify: [it@neijiang.example]\n"...), 0o644); err != nil {
		t.Fatal(err)
	}
	inbox := t.TempDir()
	w := startWatch(t, "-settle", "100ms", "-state", t.TempDir(), "-template", tmpl, inbox)
	drop(t, inbox, "坏.xlsx", []byte("not a workbook"))
	waitFor(t, "a notice", time.Minute, func() bool { return len(srv.Received()) >= 1 })
	if to := srv.Received()[0].To; len(to) != 1 || to[0] != "it@neijiang.example" {
		t.Errorf("notice to %v", to)
	}
	w.stop()
}

func subject(t *testing.T, raw []byte) string {
	t.Helper()
	msg, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	s, err := new(mime.WordDecoder).DecodeHeader(msg.Header.Get("Subject"))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// Item 7: a 239-byte Chinese name (legal on Linux and Windows) builds;
// the names made from it are cut to fit.
func TestWatchLongChineseName(t *testing.T) {
	inbox := t.TempDir()
	w := startWatch(t, "-settle", "100ms", "-state", t.TempDir(), inbox)
	name := strings.Repeat("内江市科技局关于创建省级创新型城市", 5)[:234] + ".xlsx"
	if len(name) != 239 {
		t.Fatalf("%d bytes", len(name))
	}
	drop(t, inbox, name, variant(t, 13))
	waitFor(t, "done/", time.Minute, func() bool { return exists(filepath.Join(inbox, "done", name)) })
	if pdfs := list(filepath.Join(inbox, "out"), "*/*-report.pdf"); len(pdfs) != 1 {
		t.Errorf("outputs %v", pdfs)
	}
	w.stop()
}

// Item 9: a second watch on the same inbox refuses to start, with one
// clear line, whether or not it is given another state directory.
func TestWatchTwoWatchersCannotShareAnInbox(t *testing.T) {
	t.Setenv("XDG_STATE_HOME", t.TempDir())
	t.Setenv("STATE_DIRECTORY", "")
	inbox := t.TempDir()
	w := startWatch(t, "-settle", "100ms", inbox)
	for _, extra := range [][]string{nil, {"-state", t.TempDir()}} {
		var stderr bytes.Buffer
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		err := run(ctx, append(append([]string{"watch"}, extra...), inbox), io.Discard, &stderr)
		cancel()
		if code := exitCode(err, &stderr); code != exitInput || !strings.Contains(stderr.String(), "another innoreport watch is already running") {
			t.Errorf("%v: exit %d, %s", extra, code, stderr.String())
		}
	}
	w.stop()
	// The default state directory is outside the inbox.
	if exists(filepath.Join(inbox, ".innoreport")) {
		t.Error("state written into the inbox")
	}
}

func TestWatchRefusesStateInTheShare(t *testing.T) {
	inbox := t.TempDir()
	var stderr bytes.Buffer
	err := run(context.Background(), []string{"watch", "-state", filepath.Join(inbox, "out", "s"), inbox}, io.Discard, &stderr)
	if code := exitCode(err, &stderr); code != exitInput || !strings.Contains(stderr.String(), "state directory") {
		t.Errorf("exit %d, %s", code, stderr.String())
	}
}

// Item 11: numeric flags that overflow, are not a number, or are
// negative are refused with the flag named, exit 2.
func TestNumericFlagsAreChecked(t *testing.T) {
	for _, args := range [][]string{
		{"check", "-max-unzip-mb", "17592186044426"},
		{"check", "-max-seconds", "NaN"},
		{"check", "-max-seconds", "+Inf"},
		{"check", "-max-seconds", "-1"},
		{"check", "-max-rows", "-5"},
		{"build", "-max-file-mb", "0"},
		{"watch", "-build-timeout", "0s", "x"},
		{"watch", "-jobs", "0", "x"},
	} {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			err := run(context.Background(), args, &stdout, &stderr)
			if code := exitCode(err, &stderr); code != exitInput || !strings.Contains(stderr.String(), args[1]) {
				t.Errorf("exit %d: %s", code, stderr.String())
			}
		})
	}
}

// Item 11: a file over -max-file-mb is refused before it is read; a
// sparse 3 GB file shows it (reading it whole would take 3 GB).
func TestBigFileRefusedUnread(t *testing.T) {
	p := filepath.Join(t.TempDir(), "huge.xlsx")
	f, err := os.Create(p)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Truncate(3 << 30); err != nil {
		t.Skipf("cannot make a sparse file: %v", err)
	}
	f.Close()
	var stdout, stderr bytes.Buffer
	err = run(context.Background(), []string{"check", p}, &stdout, &stderr)
	if code := exitCode(err, &stderr); code != exitInput || !strings.Contains(stderr.String(), "-max-file-mb") || !strings.Contains(stderr.String(), "(limit)") {
		t.Errorf("exit %d: %s", code, stderr.String())
	}
}

// Item 11: build -format json stays valid JSON for a file name that is
// not UTF-8.
func TestBuildJSONWithANameThatIsNotUTF8(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "\xff\xfe报表.xlsx")
	if err := os.WriteFile(p, samples.Workbook, 0o644); err != nil {
		t.Fatal(err)
	}
	var stdout, stderr bytes.Buffer
	if err := run(context.Background(), []string{"build", "-format", "json", "-out", filepath.Join(dir, "out"), p}, &stdout, &stderr); err != nil {
		t.Fatalf("%v: %s", err, stderr.String())
	}
	var v struct {
		Outputs struct{ PDF, XLSX string }
	}
	if err := json.Unmarshal(stdout.Bytes(), &v); err != nil {
		t.Fatalf("invalid JSON: %v\n%s", err, stdout.String())
	}
	if !strings.HasSuffix(v.Outputs.PDF, "报表-report.pdf") {
		t.Errorf("outputs %+v", v.Outputs)
	}
}

// Item 3: a workbook replaced while its previous version builds is built
// again from its new content, and that is what is mailed.
func TestWatchReplacedWhileBuildingMailsTheNewContent(t *testing.T) {
	srv := mailtest.Start(t)
	inbox := t.TempDir()
	env := []string{"INNOREPORT_SMTP_URL=smtp://" + srv.Addr, "INNOREPORT_MAIL_FROM=kjj@neijiang.example", "INNOREPORT_TEST_BUILD_DELAY=1s"}
	drop(t, inbox, "报表.xlsx", variant(t, 21))
	_, log := child(t, env, "watch", "-settle", "100ms", "-state", t.TempDir(), "-mail-to", "leader@neijiang.example", "-mail-workbook", inbox)
	await(t, log, "building")
	drop(t, inbox, "报表.xlsx", variant(t, 22))
	waitFor(t, "filed", time.Minute, func() bool { return exists(filepath.Join(inbox, "done", "报表.xlsx")) })
	waitFor(t, "mailed", time.Minute, func() bool { return len(srv.Received()) >= 1 })
	time.Sleep(500 * time.Millisecond) // room for a second mail to show
	if n := len(srv.Received()); n != 1 {
		t.Fatalf("%d mails, want 1", n)
	}
	for name, data := range attachments(t, srv.Received()[0].Data) {
		if !strings.HasSuffix(name, "-updated.xlsx") {
			continue
		}
		f, err := excelize.OpenReader(bytes.NewReader(data))
		if err != nil {
			t.Fatal(err)
		}
		if v, _ := f.GetCellValue("任务清单", "M5"); v != "第22份" {
			t.Errorf("the mailed workbook holds %q, want the new content 第22份", v)
		}
		f.Close()
		return
	}
	t.Error("no updated workbook attached")
}

// Item 6: a copy that stalls for three times -settle is built whole.
func TestWatchPausedCopyIsBuiltWhole(t *testing.T) {
	inbox := t.TempDir()
	w := startWatch(t, "-settle", "150ms", "-state", t.TempDir(), inbox)
	data := variant(t, 23)
	f, err := os.Create(filepath.Join(inbox, "慢.xlsx"))
	if err != nil {
		t.Fatal(err)
	}
	f.Write(data[:len(data)/2])
	f.Sync()
	time.Sleep(450 * time.Millisecond)
	f.Write(data[len(data)/2:])
	f.Close()
	waitFor(t, "done/", time.Minute, func() bool { return exists(filepath.Join(inbox, "done", "慢.xlsx")) })
	js := list(filepath.Join(inbox, "out"), "慢-*/慢-findings.json")
	if len(js) != 1 {
		t.Fatalf("outputs %v", js)
	}
	if b, _ := os.ReadFile(js[0]); !bytes.Contains(b, []byte(`"total": 39`)) {
		t.Error("the paused copy was read before it was complete")
	}
	if !strings.Contains(w.log.String(), "incomplete; waiting") {
		t.Error("the pause was not seen: the test proves nothing")
	}
	w.stop()
}
