package web

import (
	"bytes"
	"context"
	"errors"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"innoreport/report"
)

// A build the test holds open: the progress page, a panicking build and
// shutdown, which need a build that does not end on its own.
func TestJobProgress(t *testing.T) {
	dir := t.TempDir()
	users := filepath.Join(dir, "users.txt")
	if _, err := AddUser(users, "wang", RoleBureau, "secret-pass"); err != nil {
		t.Fatal(err)
	}
	u, err := LoadUsers(users)
	if err != nil {
		t.Fatal(err)
	}
	release := make(chan struct{})
	build := func(ctx context.Context, up Upload, dir string, progress func(string)) (*Build, error) {
		progress("读取 / reading " + up.Name)
		<-release
		if up.Name == "panic.xlsx" {
			panic("boom")
		}
		return nil, &report.BilingualError{Err: report.ErrNotWorkbook, Msg: report.Text{Zh: "不是工作簿", En: "not a workbook"}}
	}
	srv, err := New(Config{Build: build, State: filepath.Join(dir, "state"), DB: filepath.Join(dir, "none.db"), Users: u, Workers: 1})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv)
	defer ts.Close()
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	page := func(p string) (int, string) {
		resp, err := c.Get(ts.URL + p)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	csrfRE := regexp.MustCompile(`name="csrf" value="([0-9a-f]+)"`)
	_, login := page("/login")
	resp, err := c.PostForm(ts.URL+"/login", url.Values{"csrf": {csrfRE.FindStringSubmatch(login)[1]}, "name": {"wang"}, "password": {"secret-pass"}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	_, home := page("/")
	csrf := csrfRE.FindStringSubmatch(home)[1]
	post := func(name string) string {
		var body bytes.Buffer
		mw := multipart.NewWriter(&body)
		mw.WriteField("csrf", csrf)
		fw, _ := mw.CreateFormFile("workbook", name)
		fw.Write([]byte("PK whatever"))
		mw.Close()
		resp, err := c.Post(ts.URL+"/check", mw.FormDataContentType(), &body)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.Header.Get("Location")
	}
	first, second := post("panic.xlsx"), post("slow.xlsx")
	// The first holds the only slot; both pages refresh themselves, the
	// first saying what it is doing, the second queued.
	for range 100 {
		if _, p := page(first); strings.Contains(p, "reading panic.xlsx") {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	for _, p := range []string{first, second} {
		code, body := page(p)
		if code != http.StatusOK || !strings.Contains(body, `<meta http-equiv="refresh" content="1">`) {
			t.Errorf("%s while building: %d, no refresh", p, code)
		}
	}
	if _, p := page(second); !strings.Contains(p, "排队等候") {
		t.Errorf("the second job is not shown queued")
	}
	if _, p := page(first); !strings.Contains(p, "reading panic.xlsx") {
		t.Errorf("the first job's stage is not shown")
	}
	// Close waits for the builds under way.
	closed := make(chan error, 1)
	go func() { closed <- srv.Close(context.Background()) }()
	select {
	case <-closed:
		t.Fatal("Close returned while builds were under way")
	case <-time.After(100 * time.Millisecond):
	}
	close(release)
	if err := <-closed; err != nil {
		t.Fatal(err)
	}
	// The panic failed its job, not the server; the other failed as its
	// builder said, in the page's words.
	code, body := page(first)
	if code != http.StatusUnprocessableEntity || strings.Contains(body, "boom") || strings.Contains(body, "goroutine") {
		t.Errorf("panicked job: %d\n%s", code, body)
	}
	code, body = page(second)
	if code != http.StatusUnprocessableEntity || !strings.Contains(body, "不是工作簿") {
		t.Errorf("failed job: %d\n%s", code, body)
	}
	// After Close, no new build starts.
	if _, err := srv.start("wang", Upload{Name: "late.xlsx", Data: []byte("x")}); !errors.Is(err, errClosing) {
		t.Errorf("a build started after Close: %v", err)
	}
}

// Ten wrong passwords from one address lock it out for a while, even
// with the right one; another address still signs in.
func TestSignInLimit(t *testing.T) {
	dir := t.TempDir()
	users := filepath.Join(dir, "users.txt")
	if _, err := AddUser(users, "wang", RoleBureau, "secret-pass"); err != nil {
		t.Fatal(err)
	}
	u, err := LoadUsers(users)
	if err != nil {
		t.Fatal(err)
	}
	never := func(context.Context, Upload, string, func(string)) (*Build, error) {
		return nil, errors.New("not called")
	}
	srv, err := New(Config{Build: never, State: filepath.Join(dir, "state"), Users: u, TrustProxy: true})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv)
	defer ts.Close()
	csrfRE := regexp.MustCompile(`name="csrf" value="([0-9a-f]+)"`)
	try := func(from, password string) int {
		jar, _ := cookiejar.New(nil)
		c := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
		resp, err := c.Get(ts.URL + "/login")
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		form := url.Values{"csrf": {csrfRE.FindStringSubmatch(string(b))[1]}, "name": {"wang"}, "password": {password}}
		req, _ := http.NewRequest("POST", ts.URL+"/login", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("X-Forwarded-For", from)
		resp, err = c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	for i := range maxFailures {
		if code := try("10.0.0.7", "guess"); code != http.StatusUnauthorized {
			t.Fatalf("guess %d: %d", i, code)
		}
	}
	if code := try("10.0.0.7", "secret-pass"); code != http.StatusTooManyRequests {
		t.Errorf("after %d wrong passwords the right one answers %d, want 429", maxFailures, code)
	}
	if code := try("10.0.0.8", "secret-pass"); code != http.StatusSeeOther {
		t.Errorf("another address: %d, want to be signed in", code)
	}
}
