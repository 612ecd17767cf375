package main

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"innoreport/publish"
	"innoreport/report/archive"
	"innoreport/samples"
)

// returnsSite is serve -master over the sample, split into its units'
// returns (due far ahead, so a return today is on time).
func returnsSite(t *testing.T) (*site, string, string) {
	t.Helper()
	dir := t.TempDir()
	mp := filepath.Join(dir, "master.xlsx")
	if err := os.WriteFile(mp, samples.Workbook, 0o644); err != nil {
		t.Fatal(err)
	}
	rd := filepath.Join(dir, "ret")
	if _, stderr, err := runOK(t, "split", "-out", rd, "-deadline", "2099-12-31", mp); err != nil {
		t.Fatalf("split: %v\n%s", err, stderr)
	}
	t.Setenv("INNOREPORT_SMTP_URL", "")
	return newSite(t, "-master", mp), mp, rd
}

// unitLink finds unit's link on the bureau's 报送情况 page.
func unitLink(t *testing.T, page, unit string) string {
	t.Helper()
	m := regexp.MustCompile(`<td>` + regexp.QuoteMeta(unit) + `</td>.*?<code>(http://[^<]+/u/[0-9a-f]{64})</code>`).FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("no link for %s on the page:\n%s", unit, page)
	}
	return m[1]
}

// rowOf is unit's row of the 报送情况 table.
func rowOf(t *testing.T, page, unit string) string {
	t.Helper()
	m := regexp.MustCompile(`<tr class="state-[a-z_]+" data-unit="[^"]*"><td>` + regexp.QuoteMeta(unit) + `</td>.*?</tr>`).FindString(page)
	if m == "" {
		t.Fatalf("no row for %s:\n%s", unit, page)
	}
	return m
}

// sumOf is the checked return's sum the submit form names.
func sumOf(t *testing.T, page string) string {
	t.Helper()
	m := sumRE.FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("no submit form on the page:\n%s", page)
	}
	return m[1]
}

func body(t *testing.T, resp *http.Response) string {
	t.Helper()
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func post(t *testing.T, c *http.Client, u string, form url.Values) (*http.Response, string) {
	t.Helper()
	resp, err := c.PostForm(u, form)
	if err != nil {
		t.Fatal(err)
	}
	return resp, body(t, resp)
}

func readFile(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestServeReturns(t *testing.T) {
	s, _, rd := returnsSite(t)
	const unit, other = "内江市科学技术局", "内江市财政局"
	bureau := s.browser(t)
	bcsrf := s.signIn(t, bureau)
	resp, page := get(t, bureau, s.URL+"/returns")
	if resp.StatusCode != http.StatusOK || !strings.Contains(rowOf(t, page, unit), "未报") {
		t.Fatalf("/returns: %s, %s's row: %s", resp.Status, unit, rowOf(t, page, unit))
	}
	link, otherLink := unitLink(t, page, unit), unitLink(t, page, other)
	if link == otherLink {
		t.Fatal("two units share a link")
	}

	// Bad tokens sign nobody in.
	anon := s.browser(t)
	for _, bad := range []string{"/u/deadbeef", "/u/" + strings.Repeat("0", 64), strings.Replace(otherLink, s.URL, "", 1)[:len(otherLink)-len(s.URL)-1] + "x"} {
		if resp, _ := get(t, anon, s.URL+bad); resp.StatusCode != http.StatusNotFound {
			t.Errorf("GET %s: %s, want 404", bad, resp.Status)
		}
	}
	if resp, _ := get(t, anon, s.URL+"/unit"); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("/unit without a link: %s, want a redirect to sign in", resp.Status)
	}

	// The link signs in the unit, and its page is the unit's.
	clerk := s.browser(t)
	if resp, _ := get(t, clerk, link); resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/unit" {
		t.Fatalf("the link: %s → %q", resp.Status, resp.Header.Get("Location"))
	}
	resp, page = get(t, clerk, s.URL+"/unit")
	if resp.StatusCode != http.StatusOK || !strings.Contains(page, unit) || strings.Contains(page, other) {
		t.Fatalf("/unit: %s\n%s", resp.Status, page)
	}
	csrf := csrfOf(t, page)

	// Nothing else is the unit's to see.
	for _, p := range []string{"/", "/history", "/returns", "/jobs/" + strings.Repeat("a", 32)} {
		if resp, _ := get(t, clerk, s.URL+p); resp.StatusCode != http.StatusForbidden {
			t.Errorf("unit GET %s: %s, want 403", p, resp.Status)
		}
	}
	if resp, _ := post(t, clerk, s.URL+"/returns/remind", url.Values{"csrf": {csrf}}); resp.StatusCode != http.StatusForbidden {
		t.Errorf("unit POST /returns/remind: %s, want 403", resp.Status)
	}
	if resp := upload(t, clerk, s.URL+"/check", csrf, "w.xlsx", samples.Workbook, nil); resp.StatusCode != http.StatusForbidden {
		t.Errorf("unit POST /check: %s, want 403", resp.Status)
	} else {
		resp.Body.Close()
	}
	if resp := upload(t, clerk, s.URL+"/api/build", "", "w.xlsx", samples.Workbook, nil); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("unit POST /api/build: %s, want 401", resp.Status)
	} else {
		resp.Body.Close()
	}
	// The bureau is no unit: it submits no return.
	if resp, _ := get(t, bureau, s.URL+"/unit"); resp.StatusCode != http.StatusForbidden {
		t.Errorf("bureau /unit: %s, want 403", resp.Status)
	}

	// Another unit's return is refused.
	resp = upload(t, clerk, s.URL+"/unit/check", csrf, other+".xlsx", readFile(t, filepath.Join(rd, other+".xlsx")), nil)
	if page := body(t, resp); resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(page, "不是"+unit+"的") {
		t.Errorf("another unit's return: %s\n%s", resp.Status, page)
	}

	// A return with an error: its findings shown at their cells, the
	// submit refused with the reason.
	ret := filepath.Join(rd, unit+".xlsx")
	editBook(t, ret, func(f *excelize.File) { set(t, f, "任务清单", "K5", 130) })
	resp = upload(t, clerk, s.URL+"/unit/check", csrf, unit+".xlsx", readFile(t, ret), nil)
	page = body(t, resp)
	if resp.StatusCode != http.StatusOK || !strings.Contains(page, `<td class="where">任务清单!K5</td>`) || !strings.Contains(page, "sev-error") {
		t.Fatalf("the return with an error: %s\n%s", resp.Status, page)
	}
	if resp, _ := post(t, clerk, s.URL+"/unit/submit", url.Values{"csrf": {"x" + csrf[1:]}}); resp.StatusCode != http.StatusForbidden {
		t.Errorf("submit with a wrong CSRF token: %s, want 403", resp.Status)
	}
	resp, page = post(t, clerk, s.URL+"/unit/submit", url.Values{"csrf": {csrf}, "sum": {sumOf(t, page)}})
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(page, "报表有 1 处错误") {
		t.Fatalf("submit with an error: %s\n%s", resp.Status, page)
	}
	if _, page := get(t, bureau, s.URL+"/returns"); !strings.Contains(rowOf(t, page, unit), "未报") {
		t.Errorf("a refused return shows as reported: %s", rowOf(t, page, unit))
	}

	// Fixed, it is accepted, collected and recorded.
	editBook(t, ret, func(f *excelize.File) { set(t, f, "任务清单", "K5", 95) })
	resp = upload(t, clerk, s.URL+"/unit/check", csrf, unit+".xlsx", readFile(t, ret), nil)
	if page = body(t, resp); resp.StatusCode != http.StatusOK || strings.Contains(page, "sev-error") {
		t.Fatalf("the fixed return: %s\n%s", resp.Status, page)
	}
	resp, page = post(t, clerk, s.URL+"/unit/submit", url.Values{"csrf": {csrf}, "sum": {sumOf(t, page)}})
	if resp.StatusCode != http.StatusOK || !strings.Contains(page, "已提交并汇入主表") {
		t.Fatalf("submit the fixed return: %s\n%s", resp.Status, page)
	}
	_, page = get(t, bureau, s.URL+"/returns")
	row := rowOf(t, page, unit)
	if !strings.Contains(row, "已报") || !strings.Contains(row, unit+".xlsx") || !regexp.MustCompile(`<td class="n">[1-9]\d*</td>`).MatchString(row) {
		t.Errorf("the bureau's row of %s: %s", unit, row)
	}
	if !strings.Contains(rowOf(t, page, other), "未报") {
		t.Errorf("%s shows as reported", other)
	}
	db, err := archive.Open(context.Background(), filepath.Join(s.dir, "state", "innoreport.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	m := readMasterAsCollect(t, filepath.Join(filepath.Dir(rd), "master.xlsx"))
	recs, err := db.Returns(context.Background(), m.Campaign, m.Sum)
	if err != nil || len(recs) != 1 || recs[0].Unit != unit {
		t.Errorf("the archive's returns: %+v %v", recs, err)
	}
	if _, err := os.Stat(filepath.Join(s.dir, "state", "collected", "master-collected.xlsx")); err != nil {
		t.Errorf("no collected master: %v", err)
	}

	// Remind the rest: CSRF-checked; without SMTP the page says so.
	if resp, _ := post(t, bureau, s.URL+"/returns/remind", url.Values{"csrf": {"x"}}); resp.StatusCode != http.StatusForbidden {
		t.Errorf("remind with a bad CSRF token: %s, want 403", resp.Status)
	}
	resp, page = post(t, bureau, s.URL+"/returns/remind", url.Values{"csrf": {bcsrf}})
	if resp.StatusCode != http.StatusServiceUnavailable || !strings.Contains(page, "未配置邮件服务器") || !strings.Contains(page, other) {
		t.Errorf("remind without SMTP: %s\n%s", resp.Status, page)
	}
	if strings.Contains(page[strings.Index(page, `class="remind"`):strings.Index(page, "</ul>")], unit) {
		t.Errorf("%s, which reported, would be reminded", unit)
	}
}

var errRefused = errors.New("refused for its errors")

// twentyUnits are the units of the workbook TestServeReturnsAtOnce
// makes: the first twenty of the sample's unit list.
var twentyUnits = []string{
	"内江市科学技术局", "内江市发展和改革委员会", "内江市经济和信息化局", "内江市教育和体育局", "内江市财政局",
	"内江市人力资源和社会保障局", "内江市自然资源和规划局", "内江市住房和城乡建设局", "内江市农业农村局", "内江市商务局",
	"内江市市场监督管理局", "内江市统计局", "内江市地方金融监督管理局", "国家税务总局内江市税务局", "中共内江市委组织部",
	"中共内江市委宣传部", "内江市科学技术协会", "内江市总工会", "共青团内江市委员会", "内江师范学院",
}

// twentyUnitMaster is the sample as a bureau of twenty lead units would
// keep it: every task and indicator given to one of them in turn, and the
// sample's deliberate errors corrected, so every return can be submitted.
func twentyUnitMaster(t *testing.T) []byte {
	t.Helper()
	f, err := excelize.OpenReader(bytes.NewReader(samples.Workbook))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for cell, v := range map[string]any{"A27": 23, "F31": "2021年12月底", "J38": "推进中", "K43": 100} {
		set(t, f, "任务清单", cell, v)
	}
	for i, r := 0, 5; r <= 43; i, r = i+1, r+1 {
		set(t, f, "任务清单", fmt.Sprintf("G%d", r), twentyUnits[i%len(twentyUnits)])
	}
	for i, r := 0, 3; r <= 20; i, r = i+1, r+1 {
		set(t, f, "指标体系", fmt.Sprintf("K%d", r), twentyUnits[(i+7)%len(twentyUnits)])
	}
	var b bytes.Buffer
	if err := f.Write(&b); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// noteRow is the first row of the task list led by unit.
func noteRow(t *testing.T, f *excelize.File, unit string) int {
	t.Helper()
	rows, err := f.GetRows("任务清单")
	if err != nil {
		t.Fatal(err)
	}
	for i, r := range rows {
		if i >= 4 && len(r) > 6 && r[6] == unit {
			return i + 1
		}
	}
	t.Fatalf("no task led by %s", unit)
	return 0
}

// TestServeReturnsAtOnce: the clerks of twenty units submit at the same
// moment, each a note of its own in its return; each return is collected
// once, the collected master holds every note, and the archive holds every
// return once, whole.
func TestServeReturnsAtOnce(t *testing.T) {
	dir := t.TempDir()
	mp := filepath.Join(dir, "master.xlsx")
	if err := os.WriteFile(mp, twentyUnitMaster(t), 0o644); err != nil {
		t.Fatal(err)
	}
	rd := filepath.Join(dir, "ret")
	if _, stderr, err := runOK(t, "split", "-out", rd, "-deadline", "2099-12-31", mp); err != nil {
		t.Fatalf("split: %v\n%s", err, stderr)
	}
	t.Setenv("INNOREPORT_SMTP_URL", "")
	s := newSite(t, "-master", mp)
	bureau := s.browser(t)
	s.signIn(t, bureau)
	_, page := get(t, bureau, s.URL+"/returns")
	if n := strings.Count(page, `<tr class="state-missing" `); n != len(twentyUnits) {
		t.Fatalf("%d units not reported on the page, want %d", n, len(twentyUnits))
	}
	data := map[string][]byte{}
	for _, u := range twentyUnits {
		p := filepath.Join(rd, u+".xlsx")
		editBook(t, p, func(f *excelize.File) {
			set(t, f, "任务清单", fmt.Sprintf("L%d", noteRow(t, f, u)), u+"已按时报送")
		})
		data[u] = readFile(t, p)
	}
	start := make(chan struct{})
	errs := make(chan error, len(twentyUnits))
	for _, u := range twentyUnits {
		clerk, link := s.browser(t), unitLink(t, page, u)
		go func() {
			<-start
			errs <- submitReturn(clerk, s.URL, link, u+".xlsx", data[u])
		}()
	}
	close(start)
	for range twentyUnits {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
	if t.Failed() {
		t.FailNow()
	}
	_, page = get(t, bureau, s.URL+"/returns")
	for _, u := range twentyUnits {
		if row := rowOf(t, page, u); !strings.Contains(row, "已报") || !strings.Contains(row, u+".xlsx") {
			t.Errorf("%s's row: %s", u, row)
		}
	}

	// The collected master holds every unit's note, in its own row.
	f, err := excelize.OpenFile(filepath.Join(s.dir, "state", "collected", "master-collected.xlsx"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for _, u := range twentyUnits {
		if v, _ := f.GetCellValue("任务清单", fmt.Sprintf("L%d", noteRow(t, f, u))); v != u+"已按时报送" {
			t.Errorf("%s's note in the collected master: %q", u, v)
		}
	}

	// The archive: whole, and every return in it once, as uploaded.
	ctx := context.Background()
	dbPath := filepath.Join(s.dir, "state", "innoreport.db")
	raw, err := sql.Open("sqlite", "file:"+dbPath+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	var check string
	if err := raw.QueryRowContext(ctx, "PRAGMA integrity_check").Scan(&check); err != nil || check != "ok" {
		t.Errorf("the archive's integrity check: %q %v", check, err)
	}
	db, err := archive.Open(ctx, dbPath)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	m := readMasterAsCollect(t, mp)
	recs, err := db.Returns(ctx, m.Campaign, m.Sum)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]int{}
	for _, r := range recs {
		seen[r.Unit]++
		if r.SHA256 != archive.Sum(data[r.Unit]) {
			t.Errorf("%s's return in the archive is not the one uploaded", r.Unit)
		}
		if b, err := db.Workbook(ctx, r.SHA256); err != nil || !bytes.Equal(b, data[r.Unit]) {
			t.Errorf("%s's workbook in the archive: %d bytes, %v", r.Unit, len(b), err)
		}
	}
	for _, u := range twentyUnits {
		if seen[u] != 1 {
			t.Errorf("%s's return recorded %d times, want once", u, seen[u])
		}
	}
	if len(recs) != len(twentyUnits) {
		t.Errorf("the archive holds %d returns, want %d", len(recs), len(twentyUnits))
	}
}

// TestServeWithoutMaster: no -master, no returns: the menu's 报送情况 says
// why, and no token link signs anyone in.
func TestServeWithoutMaster(t *testing.T) {
	s := newSite(t)
	c := s.browser(t)
	s.signIn(t, c)
	if resp, page := get(t, c, s.URL+"/returns"); resp.StatusCode != http.StatusNotFound || !strings.Contains(page, "-master") {
		t.Errorf("/returns without -master: %s\n%s", resp.Status, page)
	}
	if resp, _ := get(t, s.browser(t), s.URL+"/u/"+strings.Repeat("a", 64)); resp.StatusCode != http.StatusNotFound {
		t.Errorf("a token link without -master: %s", resp.Status)
	}
}

// A checked return not yet submitted waits on disk for its unit: a server
// started again on the same state folder shows it, checked afresh, and
// submits it. What it reads back is checked: bytes that are not those
// checked, or a meta of another unit, are set aside, never shown.
func TestServePendingSurvivesRestart(t *testing.T) {
	s, mp, rd := returnsSite(t)
	state := filepath.Join(s.dir, "state")
	const unit, other = "内江市科学技术局", "内江市财政局"
	bureau := s.browser(t)
	s.signIn(t, bureau)
	_, page := get(t, bureau, s.URL+"/returns")
	link := strings.Replace(unitLink(t, page, unit), s.URL, "", 1)
	otherLink := strings.Replace(unitLink(t, page, other), s.URL, "", 1)

	// A clerk checks, and does not submit.
	clerk := s.browser(t)
	get(t, clerk, s.URL+link)
	_, page = get(t, clerk, s.URL+"/unit")
	data := readFile(t, filepath.Join(rd, unit+".xlsx"))
	resp := upload(t, clerk, s.URL+"/unit/check", csrfOf(t, page), "我们的报表.xlsx", data, nil)
	page = body(t, resp)
	sum := sumOf(t, page)

	// Another clerk of the same unit uploads another return meanwhile:
	// the first one's submit names what it saw, and is refused.
	clerk2 := s.browser(t)
	get(t, clerk2, s.URL+link)
	_, page2 := get(t, clerk2, s.URL+"/unit")
	edited := filepath.Join(t.TempDir(), unit+".xlsx")
	if err := os.WriteFile(edited, data, 0o644); err != nil {
		t.Fatal(err)
	}
	editBook(t, edited, func(f *excelize.File) { set(t, f, "任务清单", "L5", "第二位填报人的说明") })
	resp = upload(t, clerk2, s.URL+"/unit/check", csrfOf(t, page2), "第二份.xlsx", readFile(t, edited), nil)
	if p := body(t, resp); resp.StatusCode != http.StatusOK || sumOf(t, p) == sum {
		t.Fatalf("the second clerk's check: %s", resp.Status)
	}
	resp, page = post(t, clerk, s.URL+"/unit/submit", url.Values{"csrf": {csrfOf(t, page)}, "sum": {sum}})
	if resp.StatusCode != http.StatusConflict || !strings.Contains(page, "第二份.xlsx") {
		t.Fatalf("a submit of a replaced return: %s\n%s", resp.Status, page)
	}
	// The first clerk checks theirs again.
	resp = upload(t, clerk, s.URL+"/unit/check", csrfOf(t, page), "我们的报表.xlsx", data, nil)
	body(t, resp)

	// Another server on the same state folder (a restart: no session, no
	// memory) shows the return to the unit's link, checked again.
	s2 := newSite(t, "-master", mp, "-state", state)
	clerk = s2.browser(t)
	get(t, clerk, s2.URL+link)
	resp, page = get(t, clerk, s2.URL+"/unit")
	if resp.StatusCode != http.StatusOK || !strings.Contains(page, "我们的报表.xlsx") || sumOf(t, page) != sum {
		t.Fatalf("after the restart the checked return is not shown: %s\n%s", resp.Status, page)
	}
	// The other unit has nothing waiting.
	c3 := s2.browser(t)
	get(t, c3, s2.URL+otherLink)
	if _, p := get(t, c3, s2.URL+"/unit"); strings.Contains(p, `name="sum"`) {
		t.Errorf("%s sees a checked return it never uploaded", other)
	}
	resp, page = post(t, clerk, s2.URL+"/unit/submit", url.Values{"csrf": {csrfOf(t, page)}, "sum": {sum}})
	if resp.StatusCode != http.StatusOK || !strings.Contains(page, "已提交并汇入主表") || !strings.Contains(page, "我们的报表.xlsx") {
		t.Fatalf("submit after the restart: %s\n%s", resp.Status, page)
	}
	if left, _ := filepath.Glob(filepath.Join(state, "pending", "*")); len(left) != 0 {
		t.Errorf("a submitted return is still kept: %v", left)
	}

	// Tampered with on disk: set aside, not shown.
	for name, tamper := range map[string]func(upload, meta string){
		"other bytes": func(upload, _ string) {
			if err := os.WriteFile(upload, readFile(t, filepath.Join(rd, other+".xlsx")), 0o600); err != nil {
				t.Fatal(err)
			}
		},
		"another unit's meta": func(_, meta string) {
			b := strings.Replace(string(readFile(t, meta)), unit, other, 1)
			if err := os.WriteFile(meta, []byte(b), 0o600); err != nil {
				t.Fatal(err)
			}
		},
		"a link": func(upload, _ string) {
			target := filepath.Join(t.TempDir(), "x")
			if err := os.Rename(upload, target); err != nil {
				t.Fatal(err)
			}
			if err := os.Symlink(target, upload); err != nil {
				t.Fatal(err)
			}
		},
	} {
		c := s.browser(t)
		get(t, c, s.URL+link)
		_, p := get(t, c, s.URL+"/unit")
		body(t, upload(t, c, s.URL+"/unit/check", csrfOf(t, p), "再一份.xlsx", data, nil))
		files, _ := filepath.Glob(filepath.Join(state, "pending", "*"))
		var up, meta string
		for _, f := range files {
			if strings.HasSuffix(f, ".json") {
				meta = f
			} else {
				up = f
			}
		}
		if up == "" || meta == "" {
			t.Fatalf("%s: the kept files: %v", name, files)
		}
		tamper(up, meta)
		fresh := newSite(t, "-master", mp, "-state", state)
		c = fresh.browser(t)
		get(t, c, fresh.URL+link)
		if _, p := get(t, c, fresh.URL+"/unit"); strings.Contains(p, "再一份.xlsx") {
			t.Errorf("%s: a tampered kept return is shown", name)
		}
		if left, _ := filepath.Glob(filepath.Join(state, "pending", "*")); len(left) != 0 {
			t.Errorf("%s: the tampered files are still there: %v", name, left)
		}
	}
}

// The 报送情况 keeps itself current: without JavaScript the page reloads
// itself (a meta refresh to /returns, so a reminder's answer is not posted
// again); with it, the page's script redraws it from status.json, which
// only the bureau may read.
func TestServeReturnsLive(t *testing.T) {
	s, _, rd := returnsSite(t)
	const unit = "内江市财政局"
	bureau := s.browser(t)
	s.signIn(t, bureau)
	_, page := get(t, bureau, s.URL+"/returns")
	if !strings.Contains(page, `<noscript><meta http-equiv="refresh" content="30; url=/returns"></noscript>`) ||
		!strings.Contains(page, `data-live="/returns/status.json"`) {
		t.Errorf("the 报送情况 page neither reloads nor redraws itself:\n%s", page)
	}
	status := func() (int, map[string]any) {
		resp, b := get(t, bureau, s.URL+"/returns/status.json")
		var d struct {
			Reported, Missing int
			Rows              []map[string]any
		}
		if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "application/json" {
			t.Fatalf("status.json: %s %s", resp.Status, resp.Header.Get("Content-Type"))
		}
		if err := json.Unmarshal([]byte(b), &d); err != nil {
			t.Fatal(err)
		}
		for _, r := range d.Rows {
			if r["unit"] == unit {
				return d.Reported, r
			}
		}
		t.Fatalf("no row of %s in %s", unit, b)
		return 0, nil
	}
	if n, row := status(); n != 0 || row["state"] != "missing" || row["label"] != "未报" || row["file"] != "" {
		t.Errorf("before: %d reported, %s's row %v", n, unit, row)
	}
	link := unitLink(t, page, unit)
	if err := submitReturn(s.browser(t), s.URL, link, unit+".xlsx", readFile(t, filepath.Join(rd, unit+".xlsx"))); err != nil {
		t.Fatal(err)
	}
	if n, row := status(); n != 1 || row["state"] != "on_time" || row["label"] != "已报" || row["file"] != unit+".xlsx" || row["rows_updated"] == "" {
		t.Errorf("after: %d reported, %s's row %v", n, unit, row)
	}
	clerk := s.browser(t)
	get(t, clerk, link)
	if resp, _ := get(t, clerk, s.URL+"/returns/status.json"); resp.StatusCode != http.StatusForbidden {
		t.Errorf("a unit reads status.json: %s, want 403", resp.Status)
	}
	if resp, _ := get(t, s.browser(t), s.URL+"/returns/status.json"); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("status.json without signing in: %s, want a redirect to sign in", resp.Status)
	}
}

// readMasterAsCollect reads the master at path as collect with its default
// flags does, for the campaign and checksum its returns are filed under.
func readMasterAsCollect(t *testing.T, path string) *publish.Master {
	t.Helper()
	var c collectFlags
	fs := newFlagSet("collect", io.Discard, &c.common)
	c.registerCollect(fs)
	if err := parseFlags(fs, nil); err != nil {
		t.Fatal(err)
	}
	col, err := c.collector()
	if err != nil {
		t.Fatal(err)
	}
	m, err := col.ReadMaster(path)
	if err != nil {
		t.Fatal(err)
	}
	return m
}
