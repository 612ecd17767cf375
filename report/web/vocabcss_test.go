package web

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"innoreport/report"
)

// The badges' colours are the report's: every return state and severity
// has a rule in /assets/vocab.css with its type's colour, and the login
// page (as every page) links the sheet and offers the other language in
// its own words.
func TestVocabCSS(t *testing.T) {
	dir := t.TempDir()
	users := filepath.Join(dir, "users.txt")
	if err := os.WriteFile(users, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	u, err := LoadUsers(users)
	if err != nil {
		t.Fatal(err)
	}
	never := func(context.Context, Upload, string, func(string)) (*Build, error) {
		return nil, errors.New("not called")
	}
	srv, err := New(Config{Build: never, State: filepath.Join(dir, "state"), Users: u})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv)
	defer ts.Close()
	get := func(path string) (*http.Response, string) {
		t.Helper()
		resp, err := http.Get(ts.URL + path)
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
	resp, css := get("/assets/vocab.css")
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/css") {
		t.Fatalf("vocab.css: %s %s", resp.Status, resp.Header.Get("Content-Type"))
	}
	for _, s := range report.ReturnStates {
		if want := ".badge.state-" + s.String() + " { background: #" + s.Color(); !strings.Contains(css, want) {
			t.Errorf("vocab.css lacks %q:\n%s", want, css)
		}
	}
	for _, s := range []report.Severity{report.Info, report.Warning, report.Error} {
		if want := ".badge.sev-" + s.String() + " { background: #" + s.Fill(); !strings.Contains(css, want) {
			t.Errorf("vocab.css lacks %q:\n%s", want, css)
		}
	}
	if _, style := get("/assets/style.css"); strings.Contains(style, ".badge.state-") || strings.Contains(style, ".badge.sev-") {
		t.Error("style.css keeps a second palette for the badges")
	}
	_, zh := get("/login?lang=zh")
	if !strings.Contains(zh, `href="/assets/vocab.css"`) || !strings.Contains(zh, `<html lang="zh-CN">`) || !strings.Contains(zh, `lang="en">English</a>`) {
		t.Errorf("the Chinese login page lacks the sheet, its lang or the English link:\n%s", zh)
	}
	_, en := get("/login?lang=en")
	if !strings.Contains(en, `<html lang="en">`) || !strings.Contains(en, `lang="zh-CN">中文</a>`) {
		t.Errorf("the English login page lacks its lang or the Chinese link:\n%s", en)
	}
}
