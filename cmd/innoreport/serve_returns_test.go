package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

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
	m := regexp.MustCompile(`<tr class="state-[a-z_]+"><td>` + regexp.QuoteMeta(unit) + `</td>.*?</tr>`).FindString(page)
	if m == "" {
		t.Fatalf("no row for %s:\n%s", unit, page)
	}
	return m
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
	resp, page = post(t, clerk, s.URL+"/unit/submit", url.Values{"csrf": {csrf}})
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(page, "报表有 1 处错误") {
		t.Fatalf("submit with an error: %s\n%s", resp.Status, page)
	}
	if _, page := get(t, bureau, s.URL+"/returns"); !strings.Contains(rowOf(t, page, unit), "未报") {
		t.Errorf("a refused return shows as reported: %s", rowOf(t, page, unit))
	}

	// Fixed, it is accepted, collected and recorded.
	editBook(t, ret, func(f *excelize.File) { set(t, f, "任务清单", "K5", 95) })
	resp = upload(t, clerk, s.URL+"/unit/check", csrf, unit+".xlsx", readFile(t, ret), nil)
	if page := body(t, resp); resp.StatusCode != http.StatusOK || strings.Contains(page, "sev-error") {
		t.Fatalf("the fixed return: %s\n%s", resp.Status, page)
	}
	resp, page = post(t, clerk, s.URL+"/unit/submit", url.Values{"csrf": {csrf}})
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
	m, err := col.ReadMaster(filepath.Join(filepath.Dir(rd), "master.xlsx"))
	if err != nil {
		t.Fatal(err)
	}
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

// TestServeReturnsAtOnce: clerks of every unit submit at the same time;
// each return is collected once and the archive holds them all.
func TestServeReturnsAtOnce(t *testing.T) {
	s, _, rd := returnsSite(t)
	bureau := s.browser(t)
	s.signIn(t, bureau)
	_, page := get(t, bureau, s.URL+"/returns")
	units := regexp.MustCompile(`<tr class="state-missing"><td>([^<]+)</td>`).FindAllStringSubmatch(page, -1)
	if len(units) < 10 {
		t.Fatalf("%d units on the page", len(units))
	}
	errs := make(chan error, len(units))
	for _, m := range units {
		unit := m[1]
		clerk := s.browser(t)
		link := unitLink(t, page, unit)
		go func() {
			errs <- func() error {
				resp, err := clerk.Get(link)
				if err != nil {
					return err
				}
				resp.Body.Close()
				resp, err = clerk.Get(s.URL + "/unit")
				if err != nil {
					return err
				}
				up := csrfRE.FindStringSubmatch(body(t, resp))
				if up == nil {
					return fmt.Errorf("%s: no form", unit)
				}
				data, err := os.ReadFile(filepath.Join(rd, unit+".xlsx"))
				if err != nil {
					return err
				}
				var b bytes.Buffer
				mw := multipart.NewWriter(&b)
				if err := mw.WriteField("csrf", up[1]); err != nil {
					return err
				}
				fw, err := mw.CreateFormFile("workbook", unit+".xlsx")
				if err != nil {
					return err
				}
				if _, err := fw.Write(data); err != nil {
					return err
				}
				if err := mw.Close(); err != nil {
					return err
				}
				resp, err = clerk.Post(s.URL+"/unit/check", mw.FormDataContentType(), &b)
				if err != nil {
					return err
				}
				if p := body(t, resp); resp.StatusCode != http.StatusOK {
					return fmt.Errorf("%s: check: %s\n%s", unit, resp.Status, p)
				}
				resp, err = clerk.PostForm(s.URL+"/unit/submit", url.Values{"csrf": {up[1]}})
				if err != nil {
					return err
				}
				p := body(t, resp)
				if resp.StatusCode == http.StatusUnprocessableEntity && strings.Contains(p, "处错误") {
					return errRefused // the sample's own errors in this unit's rows
				}
				if resp.StatusCode != http.StatusOK || !strings.Contains(p, "已提交并汇入主表") {
					return fmt.Errorf("%s: submit: %s\n%s", unit, resp.Status, p)
				}
				return nil
			}()
		}()
	}
	accepted, refused := 0, 0
	for range units {
		switch err := <-errs; {
		case err == errRefused:
			refused++
		case err != nil:
			t.Error(err)
		default:
			accepted++
		}
	}
	if accepted < 10 {
		t.Fatalf("%d returns accepted, %d refused", accepted, refused)
	}
	_, page = get(t, bureau, s.URL+"/returns")
	if n := strings.Count(page, `<tr class="state-missing">`); n != refused {
		t.Errorf("%d units show as not reported, %d were refused", n, refused)
	}
	db, err := archive.Open(context.Background(), filepath.Join(s.dir, "state", "innoreport.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
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
	m, err := col.ReadMaster(filepath.Join(filepath.Dir(rd), "master.xlsx"))
	if err != nil {
		t.Fatal(err)
	}
	recs, err := db.Returns(context.Background(), m.Campaign, m.Sum)
	seen := map[string]int{}
	for _, r := range recs {
		seen[r.Unit]++
	}
	if err != nil || len(recs) != accepted || len(seen) != accepted {
		t.Errorf("the archive holds %d returns of %d units, want %d: %v", len(recs), len(seen), accepted, err)
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
