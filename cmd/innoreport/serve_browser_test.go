package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/chromedp"

	"innoreport/internal/tooltest"
	"innoreport/samples"
)

// TestServeInChromium drives the page as a person does, in a real
// headless Chromium: sign in, upload the sample, read the findings,
// filter them, download the PDF, open the history. Each page's screenshot
// is kept in the test's folder, and copied to $INNOREPORT_SCREENSHOTS
// where that is set (how docs/images was made).
func TestServeInChromium(t *testing.T) {
	exe := tooltest.Need(t, "chromium", "chromium")
	s := newSite(t)
	shots := t.TempDir()
	book := filepath.Join(t.TempDir(), "内江市任务清单.xlsx")
	if err := os.WriteFile(book, samples.Workbook, 0o644); err != nil {
		t.Fatal(err)
	}
	bctx := startChromium(t, exe)

	shot := screenshot(shots)
	css := func(s string) chromedp.CSS { return chromedp.CSS(s) }
	if err := chromedp.Do(bctx,
		chromedp.Navigate(s.URL+"/"),
		chromedp.WaitVisible(css(`input[name=password]`)),
		shot("login"),
		chromedp.SendKeys(css(`input[name=name]`), "wang"),
		chromedp.SendKeys(css(`input[name=password]`), "secret-pass"),
		chromedp.Submit(css(`input[name=password]`)),
		chromedp.WaitVisible(css(`#drop`)),
		shot("home"),
		chromedp.SetUploadFiles(css(`input[type=file]`), []string{book}),
		chromedp.Click(css(`#upload button[type=submit]`)),
		chromedp.WaitVisible(css(`table.findings`)),
		shot("result"),
	); err != nil {
		t.Fatal(err)
	}
	title, err := chromedp.Run(bctx, chromedp.Title())
	if err != nil {
		t.Fatal(err)
	}
	findings, err := chromedp.Run(bctx, chromedp.Text(css(`table.findings`)))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(title, "检查结果") || !strings.Contains(findings, "任务清单!") {
		t.Errorf("result page: title %q, findings %q", title, findings[:min(200, len(findings))])
	}
	// The filter form: warnings only.
	if err := chromedp.Do(bctx,
		chromedp.SetValue(css(`select[name=severity]`), "warning"),
		chromedp.Click(css(`.filters button`)),
	); err != nil {
		t.Fatal(err)
	}
	// The old page still shows its table until the new one replaces it:
	// wait for the new address first.
	var url string
	for range 200 {
		if url, err = chromedp.Run(bctx, chromedp.Location()); err != nil {
			t.Fatal(err)
		}
		if strings.Contains(url, "severity=warning") {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if err := chromedp.Do(bctx, chromedp.WaitVisible(css(`table.findings`))); err != nil {
		t.Fatal(err)
	}
	rows, err := chromedp.Run(bctx, chromedp.Evaluate[[]string](`Array.from(document.querySelectorAll("table.findings tbody tr")).map(r => r.className)`))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(url, "severity=warning") || len(rows) == 0 {
		t.Errorf("filter: %s, %d rows", url, len(rows))
	}
	for _, r := range rows {
		if r != "sev-warning" {
			t.Errorf("filtered to warnings, a row is %q", r)
		}
	}
	// Download the PDF as a person would: click the link.
	dl := t.TempDir()
	progress := chromedp.Events(bctx, browser.DownloadProgress)
	yes := true
	if err := chromedp.Do(bctx,
		chromedp.Func(func(ctx context.Context, _ *chromedp.Target) error {
			_, err := chromedp.Call(ctx, browser.SetDownloadBehavior, browser.SetDownloadBehaviorParams{
				Behavior: browser.SetDownloadBehaviorBehaviorAllowAndName, DownloadPath: dl, EventsEnabled: &yes})
			return err
		}),
		chromedp.Click(css(`a.button[href$="/pdf"]`)),
	); err != nil {
		t.Fatal(err)
	}
	for ev, err := range progress {
		if err != nil {
			t.Fatal(err)
		}
		if ev.State != browser.DownloadProgressStateCompleted {
			continue
		}
		data, err := os.ReadFile(filepath.Join(dl, ev.GUID))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.HasPrefix(data, []byte("%PDF-")) || len(data) < 10000 {
			t.Errorf("the downloaded PDF starts %q, %d bytes", data[:min(8, len(data))], len(data))
		}
		break
	}
	if err := chromedp.Do(bctx,
		chromedp.Navigate(s.URL+"/history"),
		chromedp.WaitVisible(css(`svg.trend`)),
		shot("history"),
	); err != nil {
		t.Fatal(err)
	}
	points, err := chromedp.Run(bctx, chromedp.Evaluate[int](`document.querySelectorAll("svg.trend circle").length`))
	if err != nil {
		t.Fatal(err)
	}
	if points != 1 {
		t.Errorf("the trend chart has %d points, want 1 period", points)
	}
	if err := chromedp.Do(bctx,
		chromedp.Navigate(s.URL+"/?lang=en"),
		chromedp.WaitVisible(css(`#drop`)),
		shot("home-en"),
	); err != nil {
		t.Fatal(err)
	}
	// Drag and drop (the script): a file dropped on the box is uploaded at
	// once; this one is no workbook, and the page says why.
	if err := chromedp.Do(bctx,
		chromedp.Navigate(s.URL+"/?lang=zh"),
		chromedp.WaitVisible(css(`#drop`)),
		chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
			_, err := chromedp.Evaluate[bool](`(() => {
				const dt = new DataTransfer();
				dt.items.add(new File(["not a workbook"], "拖进来的.xlsx"));
				document.getElementById("drop").dispatchEvent(new DragEvent("drop", {dataTransfer: dt, bubbles: true, cancelable: true}));
				return true;
			})()`)(ctx, tg)
			return err
		}),
		chromedp.WaitVisible(css(`p.error`)),
		shot("failed"),
	); err != nil {
		t.Fatal(err)
	}
	failed, err := chromedp.Run(bctx, chromedp.Text(css(`main`)))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(failed, "拖进来的.xlsx") || !strings.Contains(failed, "不是 .xlsx 工作簿") {
		t.Errorf("the dropped file's page says %q", failed)
	}
	t.Logf("screenshots in %s", shots)
}

// startChromium starts a headless Chromium for the test, with nothing that
// phones home (the machine has no internet), and gives its context.
func startChromium(t *testing.T, exe string) context.Context {
	t.Helper()
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(exe), chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck, chromedp.UserDataDir(t.TempDir()), chromedp.WindowSize(1200, 900),
		chromedp.Flag("disable-quic", true), chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true), chromedp.Flag("disable-sync", true),
	}
	ctx, cancel := context.WithTimeout(context.Background(), 150*time.Second)
	t.Cleanup(cancel)
	actx, acancel := chromedp.NewExecAllocator(ctx, opts...)
	t.Cleanup(acancel)
	bctx, bcancel := chromedp.NewContext(actx)
	t.Cleanup(bcancel)
	return bctx
}

// screenshot saves the page, once its fonts are loaded (or the shot shows
// blank text), into shots and into $INNOREPORT_SCREENSHOTS where set.
func screenshot(shots string) func(name string) chromedp.Action[chromedp.Void] {
	return func(name string) chromedp.Action[chromedp.Void] {
		return chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
			if _, err := chromedp.Evaluate[bool](`document.fonts.ready.then(() => true)`, chromedp.EvalAwaitPromise)(ctx, tg); err != nil {
				return err
			}
			png, err := chromedp.FullScreenshot(100)(ctx, tg)
			if err != nil {
				return err
			}
			if err := os.WriteFile(filepath.Join(shots, name+".png"), png, 0o644); err != nil {
				return err
			}
			if dir := os.Getenv("INNOREPORT_SCREENSHOTS"); dir != "" {
				return os.WriteFile(filepath.Join(dir, name+".png"), png, 0o644)
			}
			return nil
		})
	}
}
