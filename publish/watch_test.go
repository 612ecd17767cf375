package publish

import (
	"archive/zip"
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"innoreport/internal/mail"
	"innoreport/internal/mail/mailtest"
	"innoreport/internal/watch"
	"innoreport/report"
)

// A watch with a fake build, in this process: what the build writes is
// published under the outbox and the workbook filed under done/; a
// workbook the build refuses is filed under failed/ with the refusal in
// both languages, and -notify-to is mailed; an archive that cannot be used
// is the machine's trouble, retried rather than failed.
func TestWatchFakeBuild(t *testing.T) {
	srv := mailtest.Start(t)
	u, err := url.Parse("smtp://" + srv.Addr)
	if err != nil {
		t.Fatal(err)
	}
	inbox, state := t.TempDir(), t.TempDir()
	outbox := filepath.Join(inbox, "out")
	var mu sync.Mutex // guards archiveDown
	archiveDown := true
	w := &Watch{
		Watcher: &watch.Watcher{Inbox: inbox, Outbox: outbox, State: state, Jobs: 1, Settle: 50 * time.Millisecond,
			Poll: 10 * time.Millisecond, Retry: []time.Duration{100 * time.Millisecond}, Log: slog.New(slog.DiscardHandler)},
		Pipeline: &Pipeline{SMTP: mail.Config{URL: u, From: "kjj@neijiang.example"}},
		NotifyTo: []string{"it@neijiang.example"},
		Build: func(ctx context.Context, j watch.Job, dir string, withMail bool) error {
			mu.Lock()
			defer mu.Unlock()
			switch filepath.Base(j.Path) {
			case "坏.xlsx":
				return &report.BilingualError{Msg: report.Text{Zh: "第3行看不懂", En: "row 3 is unreadable"}}
			case "存档.xlsx":
				if !archiveDown {
					break
				}
				archiveDown = false
				return fmt.Errorf("%w: disk full", ErrArchive)
			}
			if withMail {
				return errors.New("withMail without -mail-to")
			}
			return os.WriteFile(filepath.Join(dir, j.Name+"-report.pdf"), j.Data, 0o644)
		},
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- w.Run(ctx) }()
	for name, text := range map[string]string{"好.xlsx": "good workbook", "坏.xlsx": "bad workbook", "存档.xlsx": "archive first"} {
		if err := os.WriteFile(filepath.Join(inbox, name), zipped(t, text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	waitUntil(t, "all three filed", func() bool {
		return exists(filepath.Join(inbox, "done", "好.xlsx")) && exists(filepath.Join(inbox, "failed", "坏.xlsx")) &&
			exists(filepath.Join(inbox, "done", "存档.xlsx"))
	})
	waitUntil(t, "the notice", func() bool { return len(srv.Received()) == 1 })
	cancel()
	if err := <-done; err != nil && !errors.Is(err, context.Canceled) {
		t.Errorf("Run: %v", err)
	}
	pdfs, _ := filepath.Glob(filepath.Join(outbox, "*", "好-report.pdf"))
	if len(pdfs) != 1 {
		t.Fatalf("published %v, want one 好-report.pdf", pdfs)
	}
	if got, _ := os.ReadFile(pdfs[0]); string(got) != string(zipped(t, "good workbook")) {
		t.Errorf("the build did not get the bytes dropped")
	}
	why, err := os.ReadFile(filepath.Join(inbox, "failed", "坏.xlsx.error.txt"))
	if err != nil || !strings.Contains(string(why), "第3行看不懂") || !strings.Contains(string(why), "row 3 is unreadable") {
		t.Errorf("failed/坏.xlsx.error.txt: %q %v", why, err)
	}
	if got := srv.Received(); len(got) != 1 || !strings.Contains(string(got[0].Data), "it@neijiang.example") {
		t.Errorf("notices: %d", len(got))
	}
	mu.Lock()
	defer mu.Unlock()
	if archiveDown {
		t.Error("the archive's failure was not retried")
	}
}

// zipped is a small complete zip: the watcher settles only on one.
func zipped(t *testing.T, text string) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	f, err := zw.Create("xl/workbook.xml")
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprint(f, text)
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func waitUntil(t *testing.T, what string, ok func() bool) {
	t.Helper()
	for deadline := time.Now().Add(30 * time.Second); !ok(); time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
	}
}

func exists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

// A file the watcher refuses for its size, or a build it stops for its
// time, is explained as every other limit is: the report's LimitError,
// naming the file where it has one, and the flag.
func TestExplainWatchLimits(t *testing.T) {
	for _, tc := range []struct {
		name string
		err  error
		want []string
	}{
		{"size", &watch.SizeError{Name: "big.xlsx", Max: 3 << 20}, []string{
			"big.xlsx: 文件大小超过上限 3 MB（可用 -max-file-mb 调整）",
			"big.xlsx: the file's size is over the limit of 3 MB (raise it with -max-file-mb)"}},
		{"time", &watch.TimeoutError{Limit: 90 * time.Second}, []string{
			"\n生成时间超过上限 90 秒（可用 -build-timeout 调整）",
			"\nthe build's time is over the limit of 90 s (raise it with -build-timeout)"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := Explain(tc.err)
			for _, want := range tc.want {
				if !strings.Contains(got, want) {
					t.Errorf("Explain = %q, lacks %q", got, want)
				}
			}
		})
	}
}
