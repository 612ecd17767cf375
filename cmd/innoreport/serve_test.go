package main

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"math/big"
	"mime/multipart"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"innoreport/report"
	"innoreport/report/archive"
	"innoreport/report/web"
	"innoreport/samples"
)

// site is a running `serve` for a test, with a user wang (password
// "secret-pass") and wang's API token.
type site struct {
	*httptest.Server
	dir   string
	token string
	log   *bytes.Buffer
}

func newSite(t *testing.T, flags ...string) *site {
	t.Helper()
	dir := t.TempDir()
	users := filepath.Join(dir, "users.txt")
	token, err := web.AddUser(users, "wang", web.RoleBureau, "secret-pass")
	if err != nil {
		t.Fatal(err)
	}
	var logBuf bytes.Buffer
	args := append([]string{"-users", users, "-state", filepath.Join(dir, "state")}, flags...)
	srv, _, _, err := newServer(args, &logBuf)
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv)
	t.Cleanup(func() {
		ts.Close()
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		if err := srv.Close(ctx); err != nil {
			t.Error(err)
		}
	})
	return &site{Server: ts, dir: dir, token: token, log: &logBuf}
}

// browser is a client with cookies that does not follow redirects, so
// tests see each answer.
func (s *site) browser(t *testing.T) *http.Client {
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

func get(t *testing.T, c *http.Client, u string) (*http.Response, string) {
	t.Helper()
	resp, err := c.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, string(b)
}

var csrfRE = regexp.MustCompile(`name="csrf" value="([0-9a-f]+)"`)

func csrfOf(t *testing.T, page string) string {
	t.Helper()
	m := csrfRE.FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("no CSRF token in the page:\n%s", page)
	}
	return m[1]
}

// signIn signs c in as wang and returns the CSRF token of the start page.
func (s *site) signIn(t *testing.T, c *http.Client) string {
	t.Helper()
	_, page := get(t, c, s.URL+"/login")
	resp, err := c.PostForm(s.URL+"/login", url.Values{"csrf": {csrfOf(t, page)}, "name": {"wang"}, "password": {"secret-pass"}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/" {
		t.Fatalf("sign-in: %s, Location %q", resp.Status, resp.Header.Get("Location"))
	}
	_, home := get(t, c, s.URL+"/")
	return csrfOf(t, home)
}

// upload posts a workbook as the page's form does.
func upload(t *testing.T, c *http.Client, u, csrf, name string, data []byte, header http.Header) *http.Response {
	t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	if csrf != "" {
		if err := mw.WriteField("csrf", csrf); err != nil {
			t.Fatal(err)
		}
	}
	fw, err := mw.CreateFormFile("workbook", name)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := fw.Write(data); err != nil {
		t.Fatal(err)
	}
	if err := mw.Close(); err != nil {
		t.Fatal(err)
	}
	req, err := http.NewRequest("POST", u, &body)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", mw.FormDataContentType())
	for k, v := range header {
		req.Header[k] = v
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	return resp
}

// waitJob follows the progress page until the job's page is no longer it.
func waitJob(t *testing.T, c *http.Client, u string) (*http.Response, string) {
	t.Helper()
	for range 600 {
		resp, page := get(t, c, u)
		if !strings.Contains(page, `http-equiv="refresh"`) {
			return resp, page
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("%s never finished", u)
	return nil, ""
}

func TestServeCheckWorkbook(t *testing.T) {
	s := newSite(t)
	c := s.browser(t)
	resp, _ := get(t, c, s.URL+"/")
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/login" {
		t.Fatalf("anonymous start page: %s → %q, want a redirect to /login", resp.Status, resp.Header.Get("Location"))
	}
	for h, want := range map[string]string{
		"Content-Security-Policy": "default-src 'none'", "X-Content-Type-Options": "nosniff",
		"X-Frame-Options": "DENY", "Referrer-Policy": "same-origin",
	} {
		if got := resp.Header.Get(h); !strings.Contains(got, want) {
			t.Errorf("%s = %q, want %q", h, got, want)
		}
	}
	if ck := resp.Header.Get("Set-Cookie"); !strings.Contains(ck, "HttpOnly") || !strings.Contains(ck, "SameSite=Strict") || strings.Contains(ck, "Secure") {
		t.Errorf("session cookie over plain HTTP = %q: want HttpOnly, SameSite=Strict, not Secure", ck)
	}
	csrf := s.signIn(t, c)
	resp = upload(t, c, s.URL+"/check", csrf, "任务清单 2021.xlsx", samples.Workbook, nil)
	resp.Body.Close()
	loc := resp.Header.Get("Location")
	if resp.StatusCode != http.StatusSeeOther || !regexp.MustCompile(`^/jobs/[0-9a-f]{32}$`).MatchString(loc) {
		t.Fatalf("upload: %s → %q", resp.Status, loc)
	}
	resp, page := waitJob(t, c, s.URL+loc)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("result page %s:\n%s", resp.Status, page)
	}
	for _, want := range []string{"任务清单 2021.xlsx", "分板块", "优化创新布局", `class="findings"`, "任务清单!", "下载 PDF 报告", `<option value="warning"`} {
		if !strings.Contains(page, want) {
			t.Errorf("result page lacks %q", want)
		}
	}
	// The section table names every state as the report does, and a
	// section's counts add up to its tasks (推动产业转型升级: 5 = 3 done,
	// 1 ahead, 1 behind).
	for _, st := range report.States {
		if !strings.Contains(page, "<th>"+st.Label(report.Zh)+"</th>") {
			t.Errorf("the section table has no column %s", st.Label(report.Zh))
		}
	}
	row := regexp.MustCompile(`<td>推动产业转型升级</td>((?:<td class="n">[^<]*</td>)+)`).FindStringSubmatch(page)
	if row == nil {
		t.Fatal("no row for 推动产业转型升级")
	}
	cells := regexp.MustCompile(`<td class="n">([^<]*)</td>`).FindAllStringSubmatch(row[1], -1)
	sum := 0
	for _, c := range cells[1 : len(cells)-1] {
		n, _ := strconv.Atoi(c[1])
		sum += n
	}
	if total, _ := strconv.Atoi(cells[0][1]); sum != total {
		t.Errorf("推动产业转型升级: states add to %d, tasks %d", sum, total)
	}
	// The filters work as plain links: no script needed.
	_, errs := get(t, c, s.URL+loc+"?severity=error")
	_, warns := get(t, c, s.URL+loc+"?severity=warning")
	if strings.Contains(warns, `<tr class="sev-error">`) || !strings.Contains(warns, `<tr class="sev-warning">`) {
		t.Errorf("?severity=warning shows other severities, or no warning")
	}
	if strings.Contains(errs, `<tr class="sev-warning">`) {
		t.Errorf("?severity=error shows warnings")
	}
	sheetRE := regexp.MustCompile(`<td class="where">([^!<]+)!`)
	sheets := map[string]bool{}
	for _, m := range sheetRE.FindAllStringSubmatch(page, -1) {
		sheets[m[1]] = true
	}
	if len(sheets) < 2 {
		t.Fatalf("the sample's findings are on %d sheets; the sheet filter needs two", len(sheets))
	}
	for sh := range sheets {
		_, only := get(t, c, s.URL+loc+"?sheet="+url.QueryEscape(sh))
		for _, m := range sheetRE.FindAllStringSubmatch(only, -1) {
			if m[1] != sh {
				t.Errorf("?sheet=%s shows a finding on %s", sh, m[1])
			}
		}
	}
	_, en := get(t, c, s.URL+loc+"?lang=en")
	if !strings.Contains(en, "Download the PDF report") || !strings.Contains(en, `lang="en"`) {
		t.Errorf("?lang=en is not English")
	}
	_, still := get(t, c, s.URL+"/")
	if !strings.Contains(still, "Check a workbook") {
		t.Errorf("the English choice is not remembered")
	}
	get(t, c, s.URL+"/?lang=zh")
	for format, magic := range map[string]string{"pdf": "%PDF-", "docx": "PK", "xlsx": "PK"} {
		resp, body := get(t, c, s.URL+loc+"/"+format)
		if resp.StatusCode != http.StatusOK || !strings.HasPrefix(body, magic) {
			t.Errorf("%s download: %s, starts %q", format, resp.Status, body[:min(8, len(body))])
		}
		if cd := resp.Header.Get("Content-Disposition"); !strings.HasPrefix(cd, "attachment") || !strings.Contains(cd, "2021") {
			t.Errorf("%s Content-Disposition = %q", format, cd)
		}
	}
	// History: the period, its trend, and its outputs kept by the server.
	_, hist := get(t, c, s.URL+"/history")
	for _, want := range []string{"<svg", "<polyline", "2021-", "任务清单 2021.xlsx", `href="/files/`} {
		if !strings.Contains(hist, want) {
			t.Errorf("history page lacks %q", want)
		}
	}
	m := regexp.MustCompile(`href="(/files/[0-9a-f]{64}\?name=[^"]+\.pdf)"`).FindStringSubmatch(hist)
	if m == nil {
		t.Fatal("history page has no archived PDF link")
	}
	resp, body := get(t, c, s.URL+strings.ReplaceAll(m[1], "&amp;", "&"))
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(body, "%PDF-") {
		t.Errorf("archived PDF: %s", resp.Status)
	}
	m = regexp.MustCompile(`href="(/history/workbook/[0-9a-f]{64}[^"]*)"`).FindStringSubmatch(hist)
	if m == nil {
		t.Fatal("history page has no archived workbook link")
	}
	if resp, body := get(t, c, s.URL+strings.ReplaceAll(m[1], "&amp;", "&")); resp.StatusCode != http.StatusOK || body != string(samples.Workbook) {
		t.Errorf("archived workbook: %s, %d bytes; want the upload back", resp.Status, len(body))
	}
	// Every asset comes from this server: the intranet has no CDN.
	refRE := regexp.MustCompile(`(?:src|href)="([^"]*)"`)
	for _, p := range []string{page, hist, still} {
		for _, m := range refRE.FindAllStringSubmatch(p, -1) {
			if !strings.HasPrefix(m[1], "/") || strings.HasPrefix(m[1], "//") {
				t.Errorf("a page refers to %q, not to this server", m[1])
			}
		}
	}
	for p, ctype := range map[string]string{"/assets/style.css": "text/css", "/assets/app.js": "javascript", "/font.ttf": "font/ttf"} {
		if resp, body := get(t, c, s.URL+p); resp.StatusCode != http.StatusOK || !strings.Contains(resp.Header.Get("Content-Type"), ctype) || len(body) == 0 {
			t.Errorf("%s: %s %s", p, resp.Status, resp.Header.Get("Content-Type"))
		}
	}
	// Signing out ends the session.
	resp, err := c.PostForm(s.URL+"/logout", url.Values{"csrf": {csrf}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp, _ := get(t, c, s.URL+loc); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("after signing out the job page answers %s", resp.Status)
	}
}

// Every page and file refuses a visitor who has not signed in, and the
// API refuses without a valid token; a session cookie is no API token.
func TestServeRefusals(t *testing.T) {
	s := newSite(t)
	c := s.browser(t)
	signed := s.browser(t)
	csrf := s.signIn(t, signed)
	resp := upload(t, signed, s.URL+"/check", csrf, "a.xlsx", samples.Workbook, nil)
	resp.Body.Close()
	job := resp.Header.Get("Location")
	waitJob(t, signed, s.URL+job)
	for _, p := range []string{"/", "/history", job, job + "/pdf", "/files/" + strings.Repeat("0", 64), "/history/workbook/" + strings.Repeat("0", 64)} {
		if resp, _ := get(t, c, s.URL+p); resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/login" {
			t.Errorf("anonymous GET %s: %s, want 303 to /login", p, resp.Status)
		}
	}
	resp = upload(t, c, s.URL+"/check", "", "a.xlsx", samples.Workbook, nil)
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/login" {
		t.Errorf("anonymous upload: %s", resp.Status)
	}
	// Wrong password, unknown user.
	_, page := get(t, c, s.URL+"/login")
	for _, who := range [][2]string{{"wang", "wrong-pass"}, {"li", "secret-pass"}} {
		resp, err := c.PostForm(s.URL+"/login", url.Values{"csrf": {csrfOf(t, page)}, "name": {who[0]}, "password": {who[1]}})
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("sign-in as %s/%s: %s, want 401", who[0], who[1], resp.Status)
		}
	}
	// The API: no token, a wrong one, a session cookie instead.
	for name, h := range map[string]http.Header{
		"none": {}, "wrong": {"Authorization": {"Bearer " + strings.Repeat("ab", 32)}},
		"basic": {"Authorization": {"Basic d2FuZzpzZWNyZXQtcGFzcw=="}},
	} {
		resp := upload(t, http.DefaultClient, s.URL+"/api/build", "", "a.xlsx", samples.Workbook, h)
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusUnauthorized || !strings.HasPrefix(resp.Header.Get("WWW-Authenticate"), "Bearer") || !json.Valid(body) {
			t.Errorf("API with %s token: %s %s", name, resp.Status, body)
		}
	}
	resp = upload(t, signed, s.URL+"/api/build", "", "a.xlsx", samples.Workbook, nil)
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("API with a session cookie: %s, want 401", resp.Status)
	}
	id := strings.TrimPrefix(job, "/jobs/")
	if resp, _ := get(t, http.DefaultClient, s.URL+"/api/jobs/"+id+"/pdf"); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("API file without a token: %s", resp.Status)
	}
	// Ids that are not ids.
	for _, p := range []string{"/jobs/../../etc/passwd", "/jobs/" + strings.Repeat("z", 32), job + "/exe", "/files/..%2f..%2fusers.txt"} {
		if resp, _ := get(t, signed, s.URL+p); resp.StatusCode == http.StatusOK {
			t.Errorf("GET %s answered 200", p)
		}
	}
}

// Every form refuses a missing or wrong CSRF token, and does nothing.
func TestServeCSRF(t *testing.T) {
	s := newSite(t)
	c := s.browser(t)
	_, page := get(t, c, s.URL+"/login")
	resp, err := c.PostForm(s.URL+"/login", url.Values{"name": {"wang"}, "password": {"secret-pass"}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("sign-in without a token: %s, want 403", resp.Status)
	}
	resp, err = c.PostForm(s.URL+"/login", url.Values{"csrf": {csrfOf(t, page) + "0"}, "name": {"wang"}, "password": {"secret-pass"}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("sign-in with a wrong token: %s, want 403", resp.Status)
	}
	csrf := s.signIn(t, c)
	for name, tok := range map[string]string{"missing": "", "wrong": strings.Repeat("0", len(csrf))} {
		resp := upload(t, c, s.URL+"/check", tok, "a.xlsx", samples.Workbook, nil)
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusForbidden || !strings.Contains(string(body), "CSRF") {
			t.Errorf("upload with a %s token: %s", name, resp.Status)
		}
	}
	resp, err = c.PostForm(s.URL+"/logout", url.Values{})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("sign-out without a token: %s", resp.Status)
	}
	if _, home := get(t, c, s.URL+"/"); strings.Contains(home, "/jobs/") {
		t.Errorf("a refused upload was built anyway")
	}
	for _, d := range []string{"jobs", "uploads"} {
		entries, err := os.ReadDir(filepath.Join(s.dir, "state", d))
		if err != nil || len(entries) != 0 {
			t.Errorf("refused uploads left %d entries in %s (%v)", len(entries), d, err)
		}
	}
}

// zipBomb is a workbook-shaped zip whose one sheet unpacks to size bytes.
func zipBomb(t *testing.T, size int) []byte {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, f := range []struct{ name, body string }{
		{"[Content_Types].xml", `<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/></Types>`},
		{"xl/workbook.xml", `<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheets><sheet name="任务清单" sheetId="1"/></sheets></workbook>`},
	} {
		w, err := zw.Create(f.name)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := io.WriteString(w, f.body); err != nil {
			t.Fatal(err)
		}
	}
	w, err := zw.Create("xl/worksheets/sheet1.xml")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Write(bytes.Repeat([]byte(" "), size)); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// Hostile uploads: too big, not a workbook, a zip bomb, a name that
// climbs out of the folder. Each is refused with a message, and nothing
// is written outside the state folder.
func TestServeHostileUploads(t *testing.T) {
	s := newSite(t, "-max-file-mb", "1", "-max-unzip-mb", "4")
	c := s.browser(t)
	csrf := s.signIn(t, c)

	resp := upload(t, c, s.URL+"/check", csrf, "big.xlsx", bytes.Repeat([]byte("x"), 3<<20), nil)
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusRequestEntityTooLarge || !strings.Contains(string(body), "1 MB") {
		t.Errorf("a 3 MB upload under a 1 MB limit: %s", resp.Status)
	}
	resp = upload(t, http.DefaultClient, s.URL+"/api/build", "", "big.xlsx", bytes.Repeat([]byte("x"), 3<<20), http.Header{"Authorization": {"Bearer " + s.token}})
	resp.Body.Close()
	if resp.StatusCode != http.StatusRequestEntityTooLarge {
		t.Errorf("a 3 MB API upload: %s", resp.Status)
	}
	if left, err := os.ReadDir(filepath.Join(s.dir, "state", "uploads")); err != nil || len(left) != 0 {
		t.Errorf("refused uploads left %d spooled files (%v)", len(left), err)
	}

	bomb := zipBomb(t, 64<<20)
	if len(bomb) > 1<<20 {
		t.Fatalf("the bomb is %d bytes: too big to get past the upload limit", len(bomb))
	}
	for _, tc := range []struct {
		name string
		data []byte
		want string // in the failure page
	}{
		{"notes.xlsx", []byte("this is not a workbook at all"), "xlsx"},
		{"bomb.xlsx", bomb, "MB"},
	} {
		resp := upload(t, c, s.URL+"/check", csrf, tc.name, tc.data, nil)
		resp.Body.Close()
		resp, page := waitJob(t, c, s.URL+resp.Header.Get("Location"))
		if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(page, `class="error"`) || !strings.Contains(page, tc.want) {
			t.Errorf("%s: %s\n%s", tc.name, resp.Status, page)
		}
		if strings.Contains(page, "goroutine") || strings.Contains(page, ".go:") {
			t.Errorf("%s: the page shows a stack trace", tc.name)
		}
	}

	evil := `..\..\..\evil<script>.xlsx`
	resp = upload(t, c, s.URL+"/check", csrf, "../../../"+evil, samples.Workbook, nil)
	resp.Body.Close()
	loc := resp.Header.Get("Location")
	resp, page := waitJob(t, c, s.URL+loc)
	if resp.StatusCode != http.StatusOK || strings.Contains(page, "<script>.xlsx") || !strings.Contains(page, "evil&lt;script&gt;.xlsx") {
		t.Errorf("traversal name: %s; the name must be shown escaped, last element only", resp.Status)
	}
	var names []string
	err := filepath.WalkDir(s.dir, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		names = append(names, d.Name())
		if strings.Contains(d.Name(), "evil") {
			t.Errorf("the sender's name reached a path: %s", p)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(names) == 0 {
		t.Fatal("walked nothing")
	}
	resp, _ = get(t, c, s.URL+loc+"/pdf")
	if cd := resp.Header.Get("Content-Disposition"); strings.Contains(cd, "/") || strings.Contains(cd, `\`) || !strings.Contains(cd, "evil") {
		t.Errorf("download name = %q", cd)
	}
}

func TestServeAPI(t *testing.T) {
	s := newSite(t)
	auth := http.Header{"Authorization": {"Bearer " + s.token}}
	resp := upload(t, http.DefaultClient, s.URL+"/api/build", "", "q3.xlsx", samples.Workbook, auth)
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("API build: %s %s", resp.Status, body)
	}
	var got struct {
		Workbook string              `json:"workbook"`
		Tasks    struct{ Total int } `json:"tasks"`
		Findings []json.RawMessage   `json:"findings"`
		Outputs  map[string]string   `json:"outputs"`
	}
	if err := json.Unmarshal(body, &got); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, body)
	}
	// The same answer as build -format json, but for the outputs.
	var cli bytes.Buffer
	if err := run(context.Background(), []string{"build", "-db", "none", "-format", "json", "-out", t.TempDir()}, &cli, io.Discard); err != nil {
		t.Fatal(err)
	}
	var want struct {
		Tasks    struct{ Total int } `json:"tasks"`
		Findings []json.RawMessage   `json:"findings"`
		Compare  json.RawMessage     `json:"compare"`
	}
	if err := json.Unmarshal(cli.Bytes(), &want); err != nil {
		t.Fatal(err)
	}
	if got.Workbook != "q3.xlsx" || got.Tasks.Total != want.Tasks.Total || len(got.Findings) != len(want.Findings) || got.Tasks.Total == 0 {
		t.Errorf("API: workbook %q, %d tasks, %d findings; build: %d tasks, %d findings", got.Workbook, got.Tasks.Total, len(got.Findings), want.Tasks.Total, len(want.Findings))
	}
	if len(got.Outputs) != 3 {
		t.Fatalf("outputs = %v", got.Outputs)
	}
	for f, u := range got.Outputs {
		if !strings.HasPrefix(u, s.URL+"/api/jobs/") {
			t.Errorf("%s output %q is not a URL of this server", f, u)
		}
		req, _ := http.NewRequest("GET", u, nil)
		req.Header = auth
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		data, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || (f == "pdf" && !bytes.HasPrefix(data, []byte("%PDF-"))) {
			t.Errorf("%s: %s", u, resp.Status)
		}
	}
	// Behind a trusted proxy, the URLs are the proxy's.
	p := newSite(t, "-trust-proxy")
	h := http.Header{"Authorization": {"Bearer " + p.token}, "X-Forwarded-Proto": {"https"}, "X-Forwarded-Host": {"kjj.example.gov.cn"}}
	resp = upload(t, http.DefaultClient, p.URL+"/api/build", "", "q3.xlsx", samples.Workbook, h)
	body, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(body), `"https://kjj.example.gov.cn/api/jobs/`) {
		t.Errorf("behind a proxy the outputs are not its URLs:\n%s", body)
	}
	if resp.Header.Get("Strict-Transport-Security") == "" {
		t.Errorf("no HSTS over the proxy's HTTPS")
	}
	// Not behind one: the headers are a client's lie and are ignored.
	resp = upload(t, http.DefaultClient, s.URL+"/api/build", "", "q3.xlsx", samples.Workbook, http.Header{"Authorization": {"Bearer " + s.token}, "X-Forwarded-Host": {"evil.example"}})
	body, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	if strings.Contains(string(body), "evil.example") {
		t.Errorf("X-Forwarded-Host believed without -trust-proxy")
	}
}

// Twenty clerks upload at once: each upload is built exactly once, and
// the archive is whole afterwards.
func TestServeConcurrentUploads(t *testing.T) {
	s := newSite(t, "-workers", "2", "-formats", "pdf")
	const n = 20
	ids := make([]string, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var body bytes.Buffer
			mw := multipart.NewWriter(&body)
			fw, _ := mw.CreateFormFile("workbook", fmt.Sprintf("clerk%02d.xlsx", i))
			fw.Write(samples.Workbook)
			mw.Close()
			req, _ := http.NewRequest("POST", s.URL+"/api/build", &body)
			req.Header.Set("Content-Type", mw.FormDataContentType())
			req.Header.Set("Authorization", "Bearer "+s.token)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Error(err)
				return
			}
			defer resp.Body.Close()
			var got struct {
				Workbook string            `json:"workbook"`
				Outputs  map[string]string `json:"outputs"`
			}
			if err := json.NewDecoder(resp.Body).Decode(&got); err != nil || resp.StatusCode != http.StatusOK {
				t.Errorf("clerk %d: %s %v", i, resp.Status, err)
				return
			}
			if got.Workbook != fmt.Sprintf("clerk%02d.xlsx", i) {
				t.Errorf("clerk %d got the answer for %s", i, got.Workbook)
			}
			ids[i] = strings.TrimPrefix(strings.TrimSuffix(got.Outputs["pdf"], "/pdf"), s.URL+"/api/jobs/")
		}()
	}
	wg.Wait()
	seen := map[string]bool{}
	for i, id := range ids {
		if id == "" || seen[id] {
			t.Errorf("clerk %d: job %q missing or shared", i, id)
		}
		seen[id] = true
	}
	jobs, err := os.ReadDir(filepath.Join(s.dir, "state", "jobs"))
	if err != nil || len(jobs) != n {
		t.Fatalf("%d job folders for %d uploads (%v)", len(jobs), n, err)
	}
	for _, j := range jobs {
		files, err := os.ReadDir(filepath.Join(s.dir, "state", "jobs", j.Name()))
		if err != nil || len(files) != 2 || files[0].Name() != "upload" || files[1].Name() != "workbook-report.pdf" {
			t.Errorf("job %s holds %v (%v), want its upload and its PDF", j.Name(), files, err)
		}
		if data, err := os.ReadFile(filepath.Join(s.dir, "state", "jobs", j.Name(), "upload")); err != nil || !bytes.Equal(data, samples.Workbook) {
			t.Errorf("job %s: the kept upload is not what was sent (%v)", j.Name(), err)
		}
	}
	a, err := archive.Open(context.Background(), filepath.Join(s.dir, "state", "innoreport.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	periods, err := a.Periods(context.Background(), "")
	if err != nil {
		t.Fatal(err)
	}
	// The same campaign and date: one period, the last upload's, whole.
	if len(periods) != 1 || len(periods[0].Outputs) != 1 || !strings.HasPrefix(periods[0].WorkbookName, "clerk") {
		t.Fatalf("archive after %d uploads: %+v", n, periods)
	}
	if book, err := a.Workbook(context.Background(), periods[0].WorkbookSHA256); err != nil || !bytes.Equal(book, samples.Workbook) {
		t.Errorf("the archived workbook is not the upload (%v)", err)
	}
	if _, err := os.Stat(filepath.Join(s.dir, "state", "outputs", periods[0].Outputs[0].SHA256)); err != nil {
		t.Errorf("the archived PDF is not kept by the server: %v", err)
	}
}

// SIGTERM (here, the context ending) lets a build under way finish and
// answer, then serve returns cleanly.
func TestServeGracefulShutdown(t *testing.T) {
	dir := t.TempDir()
	users := filepath.Join(dir, "users.txt")
	token, err := web.AddUser(users, "wang", web.RoleBureau, "secret-pass")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"serve", "-addr", "127.0.0.1:0", "-users", users, "-state", filepath.Join(dir, "state")}, io.Discard, pw)
		pw.Close()
	}()
	buf := make([]byte, 4096)
	n, err := pr.Read(buf)
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`serving on (http://\S+)`).FindSubmatch(buf[:n])
	if m == nil {
		t.Fatalf("serve said %q", buf[:n])
	}
	go io.Copy(io.Discard, pr)
	answered := make(chan int, 1)
	go func() {
		code := 0
		defer func() { answered <- code }() // also if upload fails the test
		resp := upload(t, http.DefaultClient, string(m[1])+"/api/build", "", "a.xlsx", samples.Workbook, http.Header{"Authorization": {"Bearer " + token}})
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		code = resp.StatusCode
	}()
	// Stop once the build is under way.
	for range 500 {
		if e, _ := os.ReadDir(filepath.Join(dir, "state", "jobs")); len(e) > 0 {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("serve after SIGTERM: %v", err)
	}
	if code := <-answered; code != http.StatusOK {
		t.Errorf("the build under way at SIGTERM answered %d", code)
	}
}

func TestUsersAdd(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "users.txt")
	stdin = strings.NewReader("short\n")
	defer func() { stdin = os.Stdin }()
	if err := run(context.Background(), []string{"users", "add", "-file", file, "li"}, io.Discard, io.Discard); err == nil {
		t.Error("a 5-character password was accepted")
	}
	stdin = strings.NewReader("long enough\n")
	if err := run(context.Background(), []string{"users", "add", "-file", file, "li\tx"}, io.Discard, io.Discard); err == nil {
		t.Error("a name with a tab was accepted")
	}
	var out bytes.Buffer
	stdin = strings.NewReader("long enough\n")
	if err := run(context.Background(), []string{"users", "add", "-file", file, "li"}, &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(data), "long enough") || strings.Contains(string(data), strings.TrimSpace(out.String())) {
		t.Errorf("the users file holds the password or the token in clear:\n%s", data)
	}
	u, err := web.LoadUsers(file)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := u.Login("li", "long enough"); !ok {
		t.Error("li cannot sign in with the password given")
	}
	if _, ok := u.Login("li", "long enougH"); ok {
		t.Error("a wrong password signs in")
	}
	if who, ok := u.Token(strings.TrimSpace(out.String())); !ok || who.Name != "li" {
		t.Error("the printed token is not li's")
	}
}

// With -tls-cert and -tls-key, serve speaks HTTPS itself and its cookies
// are Secure.
func TestServeTLS(t *testing.T) {
	dir := t.TempDir()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "127.0.0.1"},
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kder, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	certFile, keyFile := filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	if err := os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kder}), 0o600); err != nil {
		t.Fatal(err)
	}
	users := filepath.Join(dir, "users.txt")
	if _, err := web.AddUser(users, "wang", web.RoleBureau, "secret-pass"); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"serve", "-addr", "127.0.0.1:0", "-users", users, "-state", filepath.Join(dir, "state"),
			"-tls-cert", certFile, "-tls-key", keyFile}, io.Discard, pw)
		pw.Close()
	}()
	buf := make([]byte, 4096)
	n, err := pr.Read(buf)
	if err != nil {
		t.Fatal(err)
	}
	go io.Copy(io.Discard, pr)
	m := regexp.MustCompile(`serving on (https://\S+)`).FindSubmatch(buf[:n])
	if m == nil {
		t.Fatalf("serve said %q", buf[:n])
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	c := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	resp, err := c.Get(string(m[1]) + "/login")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if ck := resp.Header.Get("Set-Cookie"); !strings.Contains(ck, "; Secure") || !strings.Contains(ck, "HttpOnly") {
		t.Errorf("cookie over TLS = %q, want Secure and HttpOnly", ck)
	}
	if resp.Header.Get("Strict-Transport-Security") == "" {
		t.Error("no HSTS over TLS")
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}
