package mail_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"mime/multipart"
	"net/mail"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	rmail "innoreport/internal/mail"
	"innoreport/internal/mail/mailtest"
)

func config(t *testing.T, addr string) rmail.Config {
	t.Helper()
	env := map[string]string{"INNOREPORT_SMTP_URL": "smtp://" + addr, "INNOREPORT_MAIL_FROM": "kjj@neijiang.example"}
	cfg, err := rmail.ConfigFromEnv(func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

func message(t *testing.T) (*rmail.Message, []byte) {
	t.Helper()
	pdf := bytes.Repeat([]byte("%PDF-1.4 report bytes\x00\x01\xff"), 500)
	p := filepath.Join(t.TempDir(), "r.pdf")
	if err := os.WriteFile(p, pdf, 0o644); err != nil {
		t.Fatal(err)
	}
	return &rmail.Message{
		ID: "abc123", To: []string{"leader@neijiang.example", "province@sc.example"},
		// Workbook text with a line break must not start a new header.
		Subject:     "内江市创建省级创新型城市工作成效报告（截至2021年12月31日）\r\nBcc: evil@x.example",
		Text:        "39项任务已完成28项。",
		HTML:        "<p>39项任务已完成28项。</p>",
		Attachments: []rmail.Attachment{{Name: "内江-创建成效报告.pdf", Path: p}},
		Date:        time.Date(2022, 1, 5, 9, 0, 0, 0, time.UTC),
	}, pdf
}

// parts walks a MIME tree, collecting leaf parts.
func parts(t *testing.T, ct string, body io.Reader, out *[]*multipart.Part, datas *[][]byte) {
	media, params, err := mime.ParseMediaType(ct)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(media, "multipart/") {
		return
	}
	mr := multipart.NewReader(body, params["boundary"])
	for {
		p, err := mr.NextPart()
		if err == io.EOF {
			return
		}
		if err != nil {
			t.Fatal(err)
		}
		pct := p.Header.Get("Content-Type")
		if strings.HasPrefix(pct, "multipart/") {
			parts(t, pct, p, out, datas)
			continue
		}
		var r io.Reader = p
		if strings.EqualFold(p.Header.Get("Content-Transfer-Encoding"), "base64") {
			r = base64.NewDecoder(base64.StdEncoding, p)
		}
		data, err := io.ReadAll(r)
		if err != nil {
			t.Fatal(err)
		}
		*out = append(*out, p)
		*datas = append(*datas, data)
	}
}

func TestSendDeliversTheAttachmentByteForByte(t *testing.T) {
	srv := mailtest.Start(t)
	m, pdf := message(t)
	if err := rmail.Send(context.Background(), config(t, srv.Addr), m); err != nil {
		t.Fatal(err)
	}
	got := srv.Received()
	if len(got) != 1 || len(got[0].To) != 2 {
		t.Fatalf("received %+v", got)
	}
	msg, err := mail.ReadMessage(bytes.NewReader(got[0].Data))
	if err != nil {
		t.Fatal(err)
	}
	if msg.Header.Get("Bcc") != "" {
		t.Error("a line break in the subject injected a Bcc header")
	}
	subj, err := new(mime.WordDecoder).DecodeHeader(msg.Header.Get("Subject"))
	if err != nil || !strings.HasPrefix(subj, "内江市创建省级创新型城市工作成效报告") {
		t.Errorf("subject = %q, %v", subj, err)
	}
	var ps []*multipart.Part
	var datas [][]byte
	parts(t, msg.Header.Get("Content-Type"), msg.Body, &ps, &datas)
	found := false
	for i, p := range ps {
		cd := p.Header.Get("Content-Disposition")
		if !strings.HasPrefix(cd, "attachment") {
			continue
		}
		found = true
		// Go's mime reads filename* (RFC 2231) in preference.
		_, params, err := mime.ParseMediaType(cd)
		if err != nil || params["filename"] != "内江-创建成效报告.pdf" {
			t.Errorf("attachment name = %q (%v) from %q", params["filename"], err, cd)
		}
		if !strings.Contains(cd, "=?UTF-8?b?") && !strings.Contains(cd, "=?UTF-8?B?") {
			t.Errorf("no RFC 2047 form of the name for older clients: %q", cd)
		}
		if !bytes.Equal(datas[i], pdf) {
			t.Errorf("attachment differs from the PDF: %d bytes, want %d", len(datas[i]), len(pdf))
		}
	}
	if !found {
		t.Error("no attachment")
	}
	if !strings.Contains(msg.Header.Get("Message-Id"), "abc123") {
		t.Errorf("Message-ID = %q", msg.Header.Get("Message-Id"))
	}
}

func TestQueueRetriesThenSendsOnce(t *testing.T) {
	srv := mailtest.Start(t)
	srv.Refuse(2)
	clock := time.Date(2022, 1, 5, 9, 0, 0, 0, time.UTC)
	q := &rmail.Queue{
		Dir: filepath.Join(t.TempDir(), "mailq"), Config: config(t, srv.Addr),
		Backoff: []time.Duration{time.Minute, 5 * time.Minute}, Now: func() time.Time { return clock },
	}
	m, pdf := message(t)
	if err := q.Put(m); err != nil {
		t.Fatal(err)
	}
	if err := q.Put(m); err != nil { // the same report again: not queued twice
		t.Fatal(err)
	}
	ctx := context.Background()
	for i, want := range []int{0, 0, 1} {
		sent, next, err := q.Flush(ctx)
		if err != nil || sent != want {
			b, _ := os.ReadFile(filepath.Join(q.Dir, m.ID, "message.json"))
			t.Fatalf("flush %d: sent %d, err %v; want %d\n%s", i, sent, err, want, b)
		}
		if want == 0 {
			// Not due again until the backoff has passed.
			if s, _, _ := q.Flush(ctx); s != 0 {
				t.Fatal("retried before the backoff")
			}
			clock = next
		}
	}
	if n := len(srv.Received()); n != 1 {
		t.Fatalf("server got %d mails, want 1", n)
	}
	if pending, _ := q.Pending(); len(pending) != 0 {
		t.Errorf("still pending: %v", pending)
	}
	// A new queue over the same folder (a restart) sends nothing again.
	q2 := *q
	if sent, _, _ := q2.Flush(ctx); sent != 0 || len(srv.Received()) != 1 {
		t.Error("a restart sent the mail again")
	}
	if err := q2.Put(m); err != nil {
		t.Fatal(err)
	}
	if pending, _ := q2.Pending(); len(pending) != 0 {
		t.Error("a sent mail was queued again")
	}
	msg, _ := mail.ReadMessage(bytes.NewReader(srv.Received()[0].Data))
	var ps []*multipart.Part
	var datas [][]byte
	parts(t, msg.Header.Get("Content-Type"), msg.Body, &ps, &datas)
	ok := false
	for _, d := range datas {
		ok = ok || bytes.Equal(d, pdf)
	}
	if !ok {
		t.Error("the queued mail's attachment differs from the PDF")
	}
}

func TestConfigErrorsNameTheVariable(t *testing.T) {
	for env, says := range map[[2]string]string{
		{"", ""}:                          "INNOREPORT_SMTP_URL is not set",
		{"http://x", ""}:                  "INNOREPORT_SMTP_URL must look like",
		{"smtp://host:99999", "a@b.cn"}:   "bad port",
		{"smtp://relay:25", ""}:           "INNOREPORT_MAIL_FROM",
		{"smtp://relay:25", "not mail"}:   "INNOREPORT_MAIL_FROM is not a valid address",
		{"smtps://u%40x.cn:pw@h:465", ""}: "",
	} {
		_, err := rmail.ConfigFromEnv(func(k string) string {
			return map[string]string{"INNOREPORT_SMTP_URL": env[0], "INNOREPORT_MAIL_FROM": env[1]}[k]
		})
		if says == "" {
			if err != nil {
				t.Errorf("%v: %v", env, err)
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), says) {
			t.Errorf("%v: err %v, want %q", env, err, says)
		}
	}
	if _, err := rmail.ParseRecipients("a@b.cn, c@d.cn"); err != nil {
		t.Error(err)
	}
	if _, err := rmail.ParseRecipients("a@b.cn\r\nBcc: x@y.cn"); err == nil {
		t.Error("a recipient with a line break was accepted")
	}
	u, _ := url.Parse("smtp://user:secret@h:587")
	if strings.Contains(rmail.Redacted(u), "secret") {
		t.Error("Redacted shows the password")
	}
}

// A password is never sent in clear: smtp:// with a user demands STARTTLS,
// which this plain test server does not offer.
func TestPasswordNeedsTLS(t *testing.T) {
	srv := mailtest.Start(t)
	env := map[string]string{"INNOREPORT_SMTP_URL": "smtp://user:secret@" + srv.Addr, "INNOREPORT_MAIL_FROM": "kjj@neijiang.example"}
	cfg, err := rmail.ConfigFromEnv(func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	m, _ := message(t)
	if err := rmail.Send(context.Background(), cfg, m); err == nil {
		t.Fatal("sent a password over a connection without TLS")
	}
	if len(srv.Received()) != 0 {
		t.Error("the server received a mail")
	}
}

func newQueue(t *testing.T, srv *mailtest.Server) *rmail.Queue {
	t.Helper()
	return &rmail.Queue{Dir: filepath.Join(t.TempDir(), "mailq"), Config: config(t, srv.Addr),
		Backoff: []time.Duration{time.Millisecond}, Allowed: []string{"leader@neijiang.example", "province@sc.example"}}
}

// Item 4: a mail's identity is all that makes it different, so another
// recipient (or a rebuilt attachment) is sent, and the same mail is not.
func TestIdentityIncludesRecipientsAndAttachments(t *testing.T) {
	srv := mailtest.Start(t)
	q := newQueue(t, srv)
	ctx := context.Background()
	m, _ := message(t)
	m.To = []string{"leader@neijiang.example"}
	must(t, q.Put(m))
	first := m.ID
	q.Flush(ctx)
	if q.Status(first) != rmail.StatusSent {
		t.Fatalf("status %q", q.Status(first))
	}
	again := *m
	must(t, q.Put(&again))
	if again.ID != first {
		t.Error("the same mail got another identity")
	}
	second := *m
	second.To = []string{"province@sc.example"}
	must(t, q.Put(&second))
	if second.ID == first {
		t.Fatal("another recipient, the same identity")
	}
	rebuilt := *m
	rebuilt.Attachments = []rmail.Attachment{{Name: m.Attachments[0].Name, Path: filepath.Join(t.TempDir(), "r.pdf")}}
	must(t, os.WriteFile(rebuilt.Attachments[0].Path, []byte("%PDF another build"), 0o644))
	must(t, q.Put(&rebuilt))
	if rebuilt.ID == first || rebuilt.ID == second.ID {
		t.Fatal("another attachment, the same identity")
	}
	q.Flush(ctx)
	got := srv.Received()
	if len(got) != 3 {
		t.Fatalf("%d mails, want 3", len(got))
	}
	if to := got[1].To; len(to) != 1 || to[0] != "province@sc.example" {
		t.Errorf("the second mail went to %v", to)
	}
}

// Item 1: what is planted in the queue folder is never sent, and said so.
func TestPlantedQueueEntriesSendNothing(t *testing.T) {
	srv := mailtest.Start(t)
	q := newQueue(t, srv)
	var log bytes.Buffer
	q.Log = slog.New(slog.NewTextHandler(&log, nil))
	plant := func(id, body string) {
		must(t, os.MkdirAll(filepath.Join(q.Dir, id), 0o755))
		must(t, os.WriteFile(filepath.Join(q.Dir, id, "message.json"), []byte(body), 0o644))
	}
	plant("evil-recipient", `{"id":"x","to":["attacker@evil.example"],"subject":"s","text":"t","attachments":[]}`)
	plant("evil-path", `{"id":"y","to":["leader@neijiang.example"],"subject":"s","text":"t","attachments":[{"name":"passwd","path":"../../../../etc/passwd"}]}`)
	plant("evil-link", `{"id":"z","to":["leader@neijiang.example"],"subject":"s","text":"t","attachments":[{"name":"passwd","path":"a.pdf"}]}`)
	must(t, os.Symlink("/etc/passwd", filepath.Join(q.Dir, "evil-link", "a.pdf")))
	must(t, os.Symlink(t.TempDir(), filepath.Join(q.Dir, "evil-dirlink")))
	if sent, _, err := q.Flush(context.Background()); sent != 0 || err != nil {
		t.Fatalf("sent %d, %v", sent, err)
	}
	if n := len(srv.Received()); n != 0 {
		t.Fatalf("%d planted mails sent", n)
	}
	for _, s := range []string{"attacker@evil.example", "../../../../etc/passwd", "a.pdf is not a plain file", "evil-dirlink"} {
		if !strings.Contains(log.String(), s) {
			t.Errorf("log does not say %q:\n%s", s, log.String())
		}
	}
	if p, _ := q.Pending(); len(p) != 0 {
		t.Errorf("still pending: %v", p)
	}
}

// Item 10: a permanent refusal (550) is not retried forever: the mail goes
// to dead/ and someone is told.
func TestPermanentRefusalGoesToDeadLetters(t *testing.T) {
	srv := mailtest.Start(t)
	srv.Reject(1)
	q := newQueue(t, srv)
	var dead []string
	q.OnDead = func(m *rmail.Message, err error) { dead = append(dead, m.Subject+" | "+err.Error()) }
	m, _ := message(t)
	must(t, q.Put(m))
	if sent, _, _ := q.Flush(context.Background()); sent != 0 {
		t.Fatal("sent")
	}
	if q.Status(m.ID) != rmail.StatusDead {
		t.Errorf("status %q, want dead", q.Status(m.ID))
	}
	if len(dead) != 1 || !strings.Contains(dead[0], "550") {
		t.Errorf("OnDead told %q", dead)
	}
	if p, _ := q.Pending(); len(p) != 0 {
		t.Errorf("a dead mail is still pending: %v", p)
	}
}

// Item 10: a sent mail keeps its record but not its attachments once the
// retention has passed.
func TestSentMailKeepsARecordNotTheAttachments(t *testing.T) {
	srv := mailtest.Start(t)
	q := newQueue(t, srv)
	clock := time.Date(2026, 1, 1, 9, 0, 0, 0, time.UTC)
	q.Now = func() time.Time { return clock }
	q.Retention = 24 * time.Hour
	m, _ := message(t)
	must(t, q.Put(m))
	q.Flush(context.Background())
	dir := filepath.Join(q.Dir, "sent", m.ID)
	if files, _ := filepath.Glob(filepath.Join(dir, "attachment-*")); len(files) != 1 {
		t.Fatalf("attachments right after sending: %v", files)
	}
	clock = clock.Add(25 * time.Hour)
	q.Flush(context.Background())
	if files, _ := filepath.Glob(filepath.Join(dir, "attachment-*")); len(files) != 0 {
		t.Errorf("attachments kept past the retention: %v", files)
	}
	b, err := os.ReadFile(filepath.Join(dir, "message.json"))
	if err != nil || !strings.Contains(string(b), "sent_at") {
		t.Errorf("the record is gone: %v", err)
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// A keyed mail (a receipt for one return) is one mail to its recipients,
// whatever its text says when it is written again.
func TestKeyStandsForTheContent(t *testing.T) {
	a := &rmail.Message{To: []string{"czj@neijiang.example"}, Key: "receipt abc", Subject: "回执", Text: "汇入 2 处"}
	b := *a
	b.Text = "汇入 2 处\n仍落后的任务 1 项"
	c := *a
	c.To = []string{"other@neijiang.example"}
	ia, _ := rmail.Identity(a)
	ib, _ := rmail.Identity(&b)
	ic, _ := rmail.Identity(&c)
	if ia != ib {
		t.Error("a keyed mail written again with other text got another identity")
	}
	if ia == ic {
		t.Error("a keyed mail to another recipient kept its identity")
	}
}

// Deliver tries once more than Backoff has waits, on the queue's own
// backoff, then leaves the mail queued; a refusal shorter than that is
// retried through.
func TestDeliverGivesUpAfterTheBackoff(t *testing.T) {
	for _, c := range []struct {
		name    string
		refuse  int
		sent    int
		left    int
		refused int // tries the server saw and refused
	}{
		{"two refusals, sent on the third try", 2, 1, 0, 2},
		{"always refused, left queued after three tries", 100, 0, 1, 3},
	} {
		t.Run(c.name, func(t *testing.T) {
			srv := mailtest.Start(t)
			srv.Refuse(c.refuse)
			q := &rmail.Queue{Dir: filepath.Join(t.TempDir(), "mailq"), Config: config(t, srv.Addr),
				Backoff: []time.Duration{20 * time.Millisecond, 40 * time.Millisecond}}
			m, _ := message(t)
			if err := q.Put(m); err != nil {
				t.Fatal(err)
			}
			left, err := q.Deliver(context.Background(), m.ID)
			if err != nil {
				t.Fatal(err)
			}
			if len(srv.Received()) != c.sent || len(left) != c.left {
				t.Errorf("sent %d, left %v; want %d sent, %d left", len(srv.Received()), left, c.sent, c.left)
			}
			b, err := os.ReadFile(filepath.Join(q.Dir, m.ID, "message.json"))
			if c.left > 0 && (err != nil || !strings.Contains(string(b), fmt.Sprintf(`"attempts": %d`, c.refused))) {
				t.Errorf("the queued mail's record: %s %v; want %d attempts", b, err, c.refused)
			}
		})
	}
}
