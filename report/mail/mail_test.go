package mail_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"io"
	"mime"
	"mime/multipart"
	"net/mail"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	rmail "innoreport/report/mail"
	"innoreport/report/mail/mailtest"
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
			b, _ := os.ReadFile(filepath.Join(q.Dir, "abc123", "message.json"))
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
