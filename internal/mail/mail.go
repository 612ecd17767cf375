// Package mail sends finished reports by SMTP and keeps those it could not
// send in a queue folder, retried with backoff across restarts.
package mail

import (
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	gomail "github.com/wneessen/go-mail"
)

// ErrConfig marks SMTP settings that cannot work.
var ErrConfig = errors.New("mail: bad SMTP settings")

// Config is where and as whom to send.
type Config struct {
	URL  *url.URL // smtp://user:pass@host:587 or smtps://…; password never on the command line
	From string
}

// ConfigError says what is wrong with the SMTP settings, in Chinese and
// English; it is ErrConfig to errors.Is.
type ConfigError struct{ Zh, En string }

func (e *ConfigError) Error() string { return e.Zh + " / " + e.En }
func (e *ConfigError) Unwrap() error { return ErrConfig }

func configError(zh, en string) error { return &ConfigError{Zh: zh, En: en} }

// ConfigFromEnv reads INNOREPORT_SMTP_URL and INNOREPORT_MAIL_FROM; each
// error names the variable at fault.
func ConfigFromEnv(getenv func(string) string) (Config, error) {
	raw := getenv("INNOREPORT_SMTP_URL")
	if raw == "" {
		return Config{}, configError("未设置环境变量 INNOREPORT_SMTP_URL（例如 smtp://user:pass@mail.example.gov.cn:587）",
			"INNOREPORT_SMTP_URL is not set (for example smtp://user:pass@mail.example.gov.cn:587)")
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "smtp" && u.Scheme != "smtps") || u.Hostname() == "" {
		return Config{}, configError("环境变量 INNOREPORT_SMTP_URL 应形如 smtp://user:pass@host:587 或 smtps://host:465",
			"INNOREPORT_SMTP_URL must look like smtp://user:pass@host:587 or smtps://host:465")
	}
	if p := u.Port(); p != "" {
		if n, err := strconv.Atoi(p); err != nil || n < 1 || n > 65535 {
			return Config{}, configError("INNOREPORT_SMTP_URL 的端口无效："+p, "INNOREPORT_SMTP_URL has a bad port: "+p)
		}
	}
	from := getenv("INNOREPORT_MAIL_FROM")
	if from == "" && u.User != nil && strings.Contains(u.User.Username(), "@") {
		from = u.User.Username()
	}
	if from == "" {
		return Config{}, configError("未设置环境变量 INNOREPORT_MAIL_FROM（发件地址）", "INNOREPORT_MAIL_FROM (the sender's address) is not set")
	}
	if _, err := mailAddress(from); err != nil {
		return Config{}, configError("INNOREPORT_MAIL_FROM 不是有效的邮件地址："+from, "INNOREPORT_MAIL_FROM is not a valid address: "+from)
	}
	return Config{URL: u, From: from}, nil
}

func mailAddress(s string) (string, error) {
	if strings.ContainsAny(s, "\r\n") {
		return "", fmt.Errorf("address %q has a line break", s)
	}
	m := gomail.NewMsg()
	if err := m.From(s); err != nil {
		return "", err
	}
	return s, nil
}

// ParseRecipients splits "-mail-to a@x,b@y" and checks each address.
func ParseRecipients(s string) ([]string, error) {
	var out []string
	for _, a := range strings.Split(s, ",") {
		a = strings.TrimSpace(a)
		if a == "" {
			continue
		}
		if _, err := mailAddress(a); err != nil {
			return nil, configError("-mail-to 中的地址无效："+a, "-mail-to has an invalid address: "+a)
		}
		out = append(out, a)
	}
	if len(out) == 0 {
		return nil, configError("-mail-to 没有收件人", "-mail-to names no recipient")
	}
	return out, nil
}

// Attachment is a file to attach, by path, under the name the reader sees.
type Attachment struct {
	Name string `json:"name"`
	Path string `json:"path"`
}

// Message is one report to send. ID makes its Message-ID, so that a copy
// sent again after a crash is recognisable as the same mail.
type Message struct {
	ID string `json:"id"`
	// Key, where set, stands for the content in the mail's identity: a
	// receipt for one return is one mail to its recipients, whatever the
	// state of the collection when it was written.
	Key         string       `json:"key,omitempty"`
	To          []string     `json:"to"`
	Subject     string       `json:"subject"`
	Text        string       `json:"text"`
	HTML        string       `json:"html"`
	Attachments []Attachment `json:"attachments"`
	Date        time.Time    `json:"date"`
}

// oneLine strips what could end a header early: workbook text never
// reaches a header with a line break in it.
func oneLine(s string) string {
	return strings.Join(strings.FieldsFunc(s, func(r rune) bool { return r == '\r' || r == '\n' || r == 0 }), " ")
}

// fileName keeps a file name safe for a MIME parameter.
func fileName(s string) string {
	return strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f || strings.ContainsRune(`"\/:<>?|`, r) {
			return '_'
		}
		return r
	}, s)
}

// withNames sets Content-Type and Content-Disposition with the file name
// both RFC 2047-encoded (what Outlook and Foxmail read) and as an RFC 2231
// parameter (what the standard says), so common clients show Chinese names.
func withNames(name, contentType string) gomail.FileOption {
	return func(f *gomail.File) {
		name = fileName(name)
		q := mime.BEncoding.Encode("UTF-8", name)
		ext := "UTF-8''" + url.PathEscape(name)
		f.Header.Set("Content-Type", fmt.Sprintf(`%s; name="%s"`, contentType, q))
		f.Header.Set("Content-Disposition", fmt.Sprintf(`attachment; filename="%s"; filename*=%s`, q, ext))
	}
}

func (m *Message) build(from string) (*gomail.Msg, error) {
	msg := gomail.NewMsg(gomail.WithCharset(gomail.CharsetUTF8), gomail.WithEncoding(gomail.EncodingQP))
	if err := msg.From(from); err != nil {
		return nil, err
	}
	if err := msg.To(m.To...); err != nil {
		return nil, err
	}
	msg.Subject(oneLine(m.Subject))
	if m.ID != "" {
		msg.SetMessageIDWithValue(oneLine(m.ID) + "@innoreport")
	}
	if !m.Date.IsZero() {
		msg.SetDateWithValue(m.Date)
	}
	msg.SetBodyString(gomail.TypeTextPlain, m.Text)
	if m.HTML != "" {
		msg.AddAlternativeString(gomail.TypeTextHTML, m.HTML)
	}
	for _, a := range m.Attachments {
		data, err := os.ReadFile(a.Path)
		if err != nil {
			return nil, err
		}
		ct := mime.TypeByExtension(filepath.Ext(a.Name))
		if ct == "" {
			ct = "application/octet-stream"
		}
		if err := msg.AttachReader(fileName(a.Name), strings.NewReader(string(data)), withNames(a.Name, ct)); err != nil {
			return nil, err
		}
	}
	return msg, nil
}

// WriteTo writes the message as it would be sent, for tests and dry runs.
func (m *Message) WriteTo(w io.Writer, from string) error {
	msg, err := m.build(from)
	if err != nil {
		return err
	}
	_, err = msg.WriteTo(w)
	return err
}

// client makes an SMTP client as the URL says: smtps:// is TLS from the
// start; smtp:// uses STARTTLS whenever offered, and demands it before a
// password is sent. A relay with no user, such as a local postfix, gets
// no authentication and works as it is.
func client(cfg Config) (*gomail.Client, error) {
	u := cfg.URL
	opts := []gomail.Option{gomail.WithTimeout(30 * time.Second)}
	port := 587
	if u.Scheme == "smtps" {
		port = 465
		opts = append(opts, gomail.WithSSL())
	}
	if p := u.Port(); p != "" {
		port, _ = strconv.Atoi(p)
	}
	opts = append(opts, gomail.WithPort(port))
	if u.User != nil && u.User.Username() != "" {
		pass, _ := u.User.Password()
		opts = append(opts, gomail.WithSMTPAuth(gomail.SMTPAuthAutoDiscover),
			gomail.WithUsername(u.User.Username()), gomail.WithPassword(pass))
		if u.Scheme == "smtp" {
			opts = append(opts, gomail.WithTLSPolicy(gomail.TLSMandatory))
		}
	} else if u.Scheme == "smtp" {
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSOpportunistic))
	}
	return gomail.NewClient(u.Hostname(), opts...)
}

// Send sends m once.
func Send(ctx context.Context, cfg Config, m *Message) error {
	msg, err := m.build(cfg.From)
	if err != nil {
		return err
	}
	c, err := client(cfg)
	if err != nil {
		return err
	}
	return c.DialAndSendWithContext(ctx, msg)
}

// Redacted is the SMTP URL without its password, for logs.
func Redacted(u *url.URL) string {
	if u == nil {
		return ""
	}
	r := *u
	if r.User != nil {
		r.User = url.User(r.User.Username())
	}
	return r.String()
}
