package main

import (
	"bytes"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/http"
	"net/mail"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"innoreport/internal/mail/mailtest"
)

// mailText is a mail's plain text, decoded.
func mailText(t *testing.T, raw []byte) string {
	t.Helper()
	msg, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	var find func(ct, cte string, r io.Reader) string
	find = func(ct, cte string, r io.Reader) string {
		media, params, _ := mime.ParseMediaType(ct)
		if strings.HasPrefix(media, "multipart/") {
			mr := multipart.NewReader(r, params["boundary"])
			for {
				p, err := mr.NextPart()
				if err != nil {
					return ""
				}
				if s := find(p.Header.Get("Content-Type"), p.Header.Get("Content-Transfer-Encoding"), p); s != "" {
					return s
				}
			}
		}
		if media != "text/plain" {
			return ""
		}
		if strings.EqualFold(cte, "quoted-printable") {
			r = quotedprintable.NewReader(r)
		}
		b, err := io.ReadAll(r)
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	return find(msg.Header.Get("Content-Type"), msg.Header.Get("Content-Transfer-Encoding"), msg.Body)
}

// mailTo is the one mail to addr.
func mailTo(t *testing.T, srv *mailtest.Server, addr string) []byte {
	t.Helper()
	var found [][]byte
	for _, m := range srv.Received() {
		if slices.Equal(m.To, []string{addr}) {
			found = append(found, m.Data)
		}
	}
	if len(found) != 1 {
		t.Fatalf("%d mails to %s, want 1", len(found), addr)
	}
	return found[0]
}

var linkRE = regexp.MustCompile(`https://innoreport\.kjj\.example/u/([0-9a-f]{64})`)

// The reminder carries the unit's link, derived from serve's state folder,
// and the link opens that unit's page in serve; split lists the same
// links. A link from another state folder's key opens nothing.
func TestUnitLinkInMail(t *testing.T) {
	srv := mailEnv(t)
	dir := t.TempDir()
	state := filepath.Join(dir, "state")
	mp, _ := splitMaster(t, filepath.Join(dir, "m"), withAddresses(t))
	const base = "https://innoreport.kjj.example/"
	list, stderr, err := runOK(t, "split", "-out", filepath.Join(dir, "ret"), "-link-base", base, "-state", state, mp)
	if err != nil {
		t.Fatalf("split: %v\n%s", err, stderr)
	}
	if _, stderr, err := runOK(t, "remind", "-out", filepath.Join(dir, "out"), "-deadline", "2099-12-31",
		"-link-base", base, "-state", state, mp); err != nil {
		t.Fatalf("remind: %v\n%s", err, stderr)
	}
	s := newSite(t, "-master", mp, "-state", state)
	for addr, unit := range map[string]string{"czj@neijiang.example": "内江市财政局", "nyj@neijiang.example": "内江市农业农村局"} {
		text := mailText(t, mailTo(t, srv, addr))
		m := linkRE.FindStringSubmatch(text)
		if m == nil {
			t.Fatalf("no link in the reminder to %s:\n%s", addr, text)
		}
		if !regexp.MustCompile(regexp.QuoteMeta(unit) + `\.xlsx\t` + regexp.QuoteMeta(unit) + `\t.*\t` + regexp.QuoteMeta(m[0]) + "\n").MatchString(list) {
			t.Errorf("split does not list %s's link %s:\n%s", unit, m[0], list)
		}
		clerk := s.browser(t)
		resp, _ := get(t, clerk, s.URL+"/u/"+m[1])
		if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/unit" {
			t.Fatalf("%s's link: %s → %q", unit, resp.Status, resp.Header.Get("Location"))
		}
		if resp, page := get(t, clerk, s.URL+"/unit"); resp.StatusCode != http.StatusOK || !strings.Contains(page, "<h1>报送 · "+unit+"</h1>") {
			t.Errorf("%s's page: %s\n%s", unit, resp.Status, page)
		}
	}
	other, _, err := runOK(t, "split", "-out", filepath.Join(dir, "ret2"), "-link-base", base, "-state", filepath.Join(dir, "other"), mp)
	if err != nil {
		t.Fatal(err)
	}
	m := linkRE.FindStringSubmatch(other)
	if m == nil {
		t.Fatalf("no links listed:\n%s", other)
	}
	if resp, _ := get(t, s.browser(t), s.URL+"/u/"+m[1]); resp.StatusCode != http.StatusNotFound {
		t.Errorf("a link of another state folder: %s, want 404", resp.Status)
	}
	if _, _, err := runOK(t, "split", "-out", filepath.Join(dir, "ret3"), "-link-base", "javascript:alert(1)", mp); err == nil || exitCode(err, &bytes.Buffer{}) != exitInput {
		t.Errorf("split -link-base javascript: %v, want a usage error", err)
	}
}

// submitReturn is a clerk opening link, checking the return and
// submitting it; errRefused where its findings stop it.
func submitReturn(c *http.Client, site, link, name string, data []byte) error {
	resp, err := c.Get(link)
	if err != nil {
		return err
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther {
		return fmt.Errorf("%s: the link: %s", name, resp.Status)
	}
	page, status, err := fetch(c, http.MethodGet, site+"/unit", "", nil)
	if err != nil {
		return err
	}
	up := csrfRE.FindStringSubmatch(page)
	if up == nil {
		return fmt.Errorf("%s: no form (%d)", name, status)
	}
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	if err := mw.WriteField("csrf", up[1]); err != nil {
		return err
	}
	fw, err := mw.CreateFormFile("workbook", name)
	if err != nil {
		return err
	}
	if _, err := fw.Write(data); err != nil {
		return err
	}
	if err := mw.Close(); err != nil {
		return err
	}
	page, status, err = fetch(c, http.MethodPost, site+"/unit/check", mw.FormDataContentType(), &b)
	if err != nil {
		return err
	}
	if status != http.StatusOK {
		return fmt.Errorf("%s: check: %d\n%s", name, status, page)
	}
	form := url.Values{"csrf": {up[1]}}
	if m := sumRE.FindStringSubmatch(page); m != nil {
		form.Set("sum", m[1])
	}
	page, status, err = fetch(c, http.MethodPost, site+"/unit/submit", "application/x-www-form-urlencoded", strings.NewReader(form.Encode()))
	if err != nil {
		return err
	}
	if status == http.StatusUnprocessableEntity && strings.Contains(page, "处错误") {
		return errRefused
	}
	if status != http.StatusOK || !strings.Contains(page, "已提交并汇入主表") {
		return fmt.Errorf("%s: submit: %d\n%s", name, status, page)
	}
	return nil
}

var sumRE = regexp.MustCompile(`name="sum" value="([0-9a-f]{64})"`)

// fetch is one request whose answer is read whole; safe off the test's
// goroutine.
func fetch(c *http.Client, method, u, ctype string, body io.Reader) (string, int, error) {
	req, err := http.NewRequest(method, u, body)
	if err != nil {
		return "", 0, err
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	resp, err := c.Do(req)
	if err != nil {
		return "", 0, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return string(b), resp.StatusCode, err
}

// A return submitted through serve gets its unit a receipt, as watch
// -master sends it; once a return, and none to a unit without an address.
func TestServeSubmitSendsReceipt(t *testing.T) {
	srv := mailEnv(t)
	dir := t.TempDir()
	mp := filepath.Join(dir, "master.xlsx")
	if err := os.WriteFile(mp, withAddresses(t), 0o644); err != nil {
		t.Fatal(err)
	}
	rd := filepath.Join(dir, "ret")
	if _, stderr, err := runOK(t, "split", "-out", rd, "-deadline", "2099-12-31", mp); err != nil {
		t.Fatalf("split: %v\n%s", err, stderr)
	}
	s := newSite(t, "-master", mp)
	bureau := s.browser(t)
	s.signIn(t, bureau)
	_, page := get(t, bureau, s.URL+"/returns")
	const unit, silent = "内江市财政局", "内江市发展和改革委员会"
	for _, u := range []string{unit, silent} {
		if err := submitReturn(s.browser(t), s.URL, unitLink(t, page, u), u+".xlsx", readFile(t, filepath.Join(rd, u+".xlsx"))); err != nil {
			t.Fatal(err)
		}
	}
	waitFor(t, "the receipt", time.Minute, func() bool { return len(srv.Received()) > 0 })
	raw := mailTo(t, srv, "czj@neijiang.example")
	msg, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	subject, err := new(mime.WordDecoder).DecodeHeader(msg.Header.Get("Subject"))
	if err != nil || !strings.Contains(subject, "【回执】") || !strings.Contains(subject, unit) {
		t.Errorf("the receipt's subject %q (%v)", subject, err)
	}
	if text := mailText(t, raw); !strings.Contains(text, "已收到您的报表 "+unit+".xlsx") || !strings.Contains(text, "汇入") {
		t.Errorf("the receipt's text:\n%s", text)
	}
	// The same return again: taken once, one receipt.
	if err := submitReturn(s.browser(t), s.URL, unitLink(t, page, unit), "again.xlsx", readFile(t, filepath.Join(rd, unit+".xlsx"))); err != nil {
		t.Fatal(err)
	}
	time.Sleep(time.Second)
	if got := srv.Received(); len(got) != 1 {
		var to []string
		for _, m := range got {
			to = append(to, m.To...)
		}
		t.Errorf("mails to %v, want the one receipt to czj", to)
	}
}
