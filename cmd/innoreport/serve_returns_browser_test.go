package main

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/xuri/excelize/v2"

	"innoreport/internal/tooltest"
)

// TestServeReturnsInChromium is a clerk's return through its token link,
// in a real headless Chromium: refused with an error, fixed, accepted,
// and shown on the bureau's 报送情况 page. Screenshots are kept as in
// TestServeInChromium.
func TestServeReturnsInChromium(t *testing.T) {
	exe := tooltest.Need(t, "chromium", "chromium")
	s, _, rd := returnsSite(t)
	const unit = "内江市科学技术局"
	shots := t.TempDir()
	bad := filepath.Join(t.TempDir(), unit+".xlsx")
	copyFile(t, filepath.Join(rd, unit+".xlsx"), bad)
	editBook(t, bad, func(f *excelize.File) { set(t, f, "任务清单", "K5", 130) })
	good := filepath.Join(t.TempDir(), unit+".xlsx")
	copyFile(t, filepath.Join(rd, unit+".xlsx"), good)
	editBook(t, good, func(f *excelize.File) {
		set(t, f, "任务清单", "K5", 95)
		set(t, f, "任务清单", "L5", "三个县均已申报省级创新型县")
	})

	bctx := startChromium(t, exe)
	shot := screenshot(shots)
	css := func(s string) chromedp.CSS { return chromedp.CSS(s) }
	signIn := []chromedp.Action[chromedp.Void]{
		chromedp.Navigate(s.URL + "/login"),
		chromedp.WaitVisible(css(`input[name=password]`)),
		chromedp.SendKeys(css(`input[name=name]`), "wang"),
		chromedp.SendKeys(css(`input[name=password]`), "secret-pass"),
		chromedp.Submit(css(`input[name=password]`)),
		chromedp.WaitVisible(css(`#drop`)),
		chromedp.Navigate(s.URL + "/returns"),
		chromedp.WaitVisible(css(`table.returns`)),
	}
	if err := chromedp.Do(bctx, signIn...); err != nil {
		t.Fatal(err)
	}
	// The bureau reads the unit's link off its row, and signs out.
	rowJS := func(sel string) string {
		return "[...document.querySelectorAll('table.returns tbody tr')].find(r => r.cells[0].textContent === '" + unit + "')" + sel
	}
	link, err := chromedp.Run(bctx, chromedp.Evaluate[string](rowJS(".querySelector('code').textContent")))
	if err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(bctx,
		chromedp.Click(css(`header form button`)),
		chromedp.WaitVisible(css(`input[name=password]`)),
		chromedp.Navigate(link),
		chromedp.WaitVisible(css(`#return-upload`)),
		chromedp.SetUploadFiles(css(`#return-upload input[type=file]`), []string{bad}),
		chromedp.Click(css(`#return-upload button[type=submit]`)),
		chromedp.WaitVisible(css(`table.findings`)),
		chromedp.Click(css(`#submit`)),
		chromedp.WaitVisible(css(`p.error`)),
		shot("unit-refused"),
	); err != nil {
		t.Fatal(err)
	}
	refused, err := chromedp.Run(bctx, chromedp.Text(css(`main`)))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(refused, "报表有 1 处错误") || !strings.Contains(refused, "任务清单!K5") {
		t.Errorf("the refused return's page says %q", refused)
	}
	for i, a := range []chromedp.Action[chromedp.Void]{
		chromedp.SetUploadFiles(css(`#return-upload input[type=file]`), []string{good}),
		chromedp.Click(css(`#return-upload button[type=submit]`)),
		// The refused page has a submit button too: wait for this check's.
		chromedp.WaitVisible(css(`#findings[data-errors="0"]`)),
		chromedp.Click(css(`#submit`)),
		chromedp.WaitVisible(css(`#submitted`)),
		shot("unit"),
		chromedp.Click(css(`header form button`)),
		chromedp.WaitVisible(css(`input[name=password]`)),
	} {
		if err := chromedp.Do(bctx, a); err != nil {
			t.Fatalf("step %d: %v", i, err)
		}
	}
	if err := chromedp.Do(bctx, append(signIn, shot("returns"))...); err != nil {
		t.Fatal(err)
	}
	row, err := chromedp.Run(bctx, chromedp.Evaluate[string](rowJS(".textContent")))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(row, "已报") || !strings.Contains(row, unit+".xlsx") {
		t.Errorf("%s's row on the 报送情况 page: %q", unit, row)
	}

	// Live: another unit submits while the page is open; its row turns
	// without a reload (the mark set on this page stays).
	const other = "内江市财政局"
	otherRow := func(sel string) string { return strings.Replace(rowJS(sel), "'"+unit+"'", "'"+other+"'", 1) }
	otherLink, err := chromedp.Run(bctx, chromedp.Evaluate[string](otherRow(".querySelector('code').textContent")))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Run(bctx, chromedp.Evaluate[int]("window.innoreportMark = 7")); err != nil {
		t.Fatal(err)
	}
	if err := submitReturn(s.browser(t), s.URL, otherLink, other+".xlsx", readFile(t, filepath.Join(rd, other+".xlsx"))); err != nil {
		t.Fatal(err)
	}
	var live string
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(250 * time.Millisecond) {
		if live, err = chromedp.Run(bctx, chromedp.Evaluate[string](otherRow(".textContent + ' ' + window.innoreportMark + ' ' + document.getElementById('missing').textContent"))); err != nil {
			t.Fatal(err)
		}
		if strings.Contains(live, "已报") {
			break
		}
	}
	if !strings.Contains(live, "已报") || !strings.Contains(live, other+".xlsx") || !strings.Contains(live, " 7 ") {
		t.Errorf("%s's row did not turn in place: %q", other, live)
	}
	if err := chromedp.Do(bctx, shot("returns-live")); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshots in %s", shots)
}
