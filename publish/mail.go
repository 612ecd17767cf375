package publish

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"html/template"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"innoreport/internal/mail"
	"innoreport/report"
	"innoreport/report/doc"
)

// ErrMailQueued says a mail could not be sent now and waits in the queue.
var ErrMailQueued = errors.New("mail queued")

// ErrMailRejected says the server refused a mail for good (5xx).
var ErrMailRejected = errors.New("mail rejected")

// mailHTML is parsed when a mail is first sent: a build that sends none
// skips the parsing at start.
var mailHTML = sync.OnceValue(func() *template.Template {
	return template.Must(template.New("mail").Parse(`<!DOCTYPE html>
<html><body style="font-family: sans-serif; color: #222;">
<h2 style="color: #1f5091;">{{.Title}}</h2>
<p>{{.Overview}}</p>
<table cellpadding="6" style="border-collapse: collapse;">
{{range .Rows}}<tr><td style="border-bottom: 1px solid #ddd;">{{index . 0}}</td><td style="border-bottom: 1px solid #ddd; text-align: right;"><b>{{index . 1}}</b></td></tr>
{{end}}</table>
<p>{{.Findings}}</p>
<p style="color: #666;">{{.Attached}}</p>
</body></html>
`))
})

// pick is zh or en, by lang.
func pick(lang report.Lang, zh, en string) string { return report.Text{Zh: zh, En: en}.In(lang) }

// Compose writes the mail for a built report: the headline figures and the
// count of findings, in plain text and HTML, with the PDF attached (and
// the updated workbook with MailWorkbook).
func (p *Pipeline) Compose(out *Built) (*mail.Message, error) {
	res, lang := out.Result, p.Lang
	L := func(zh, en string) string { return pick(lang, zh, en) }
	subject, err := doc.Text(res, p.Template, "subject", lang)
	if err != nil {
		return nil, err
	}
	if subject == "" {
		subject = res.ReportTitle(p.Template, lang)
	}
	overview, err := doc.Text(res, p.Template, "overview", lang)
	if err != nil {
		return nil, err
	}
	met := report.TallyIndicators(res.Indicators)[report.IndicatorMet]
	rows := [][2]string{
		{L("任务总数", "Tasks"), fmt.Sprint(res.Tasks.Total)},
		{report.StateDone.Label(lang), fmt.Sprintf(L("%d（%s）", "%d (%s)"), res.Tasks.Done, doc.Pct(res.Tasks.Rate))},
		{report.StateOverdue.Label(lang), fmt.Sprint(res.Tasks.Overdue)},
		{report.StateBehind.Label(lang), fmt.Sprint(res.Tasks.Behind)},
		{L("指标", "Indicators ") + report.IndicatorMet.Label(lang), fmt.Sprintf("%d / %d", met, len(res.Indicators))},
	}
	errs, warns, infos := report.CountBySeverity(res.Findings)
	findings := fmt.Sprintf(L("数据校验：错误 %d 个，警告 %d 个，提示 %d 个，详见报告附录。", "Checks: %d errors, %d warnings, %d notes; see the report's appendix."), errs, warns, infos)
	attach := p.attachments(out)
	var names []string
	for _, a := range attach {
		names = append(names, a.Name)
	}
	attached := L("附件：", "Attached: ") + strings.Join(names, L("、", ", "))

	var text strings.Builder
	fmt.Fprintf(&text, "%s\n\n%s\n\n", subject, overview)
	for _, r := range rows {
		fmt.Fprintf(&text, L("%s：%s\n", "%s: %s\n"), r[0], r[1])
	}
	fmt.Fprintf(&text, "\n%s\n%s\n\n-- innoreport\n", findings, attached)
	var html bytes.Buffer
	if err := mailHTML().Execute(&html, map[string]any{
		"Title": subject, "Overview": overview, "Rows": rows, "Findings": findings, "Attached": attached,
	}); err != nil {
		return nil, err
	}
	return &mail.Message{
		To: p.MailTo, Subject: subject, Text: text.String(), HTML: html.String(),
		Attachments: attach, Date: time.Now(),
	}, nil
}

// attachments are the PDF, or the Word document where no PDF was asked
// for, and the updated workbook with MailWorkbook.
func (p *Pipeline) attachments(out *Built) []mail.Attachment {
	var attach []mail.Attachment
	for _, f := range []string{out.PDF, out.DOCX} {
		if f != "" {
			attach = append(attach, mail.Attachment{Name: filepath.Base(f), Path: f})
			break
		}
	}
	if p.MailWorkbook && out.Book != "" {
		attach = append(attach, mail.Attachment{Name: filepath.Base(out.Book), Path: out.Book})
	}
	return attach
}

// Send queues the report's mail in the queue at dir and sends it, with
// whatever an earlier run left there, on the queue's own retries
// (MailBackoff). again says the very same mail went out before and was not
// sent twice. A mail not sent yet is ErrMailQueued; one the server refused
// for good, ErrMailRejected.
func (p *Pipeline) Send(ctx context.Context, out *Built, dir string) (again bool, err error) {
	m, err := p.Compose(out)
	if err != nil {
		return false, err
	}
	// No Allowed list: the queue holds what earlier runs, with other
	// mail-to, left for this one to send. Attachments are still checked.
	q := &mail.Queue{Dir: dir, Config: p.SMTP, Backoff: p.MailBackoff}
	if err := q.Put(m); err != nil {
		return false, err
	}
	if q.Status(m.ID) == mail.StatusSent {
		return true, nil
	}
	if _, err := q.Deliver(ctx, m.ID); err != nil {
		return false, err
	}
	switch q.Status(m.ID) {
	case mail.StatusSent:
		return false, nil
	case mail.StatusDead:
		return false, &report.BilingualError{Err: ErrMailRejected, Msg: report.Text{
			Zh: fmt.Sprintf("邮件服务器拒收（服务器 %s），邮件已移到 %s，请检查收件地址", mail.Redacted(p.SMTP.URL), filepath.Join(dir, "dead")),
			En: fmt.Sprintf("the mail server refused the mail for good (server %s); it was moved to %s: check the addresses", mail.Redacted(p.SMTP.URL), filepath.Join(dir, "dead")),
		}}
	}
	return false, &report.BilingualError{Err: ErrMailQueued, Msg: report.Text{
		Zh: fmt.Sprintf("邮件暂未发出（服务器 %s），已保存在 %s，下次运行 build 或 watch 时自动重发", mail.Redacted(p.SMTP.URL), dir),
		En: fmt.Sprintf("the mail could not be sent yet (server %s); it is kept in %s and the next build or watch sends it", mail.Redacted(p.SMTP.URL), dir),
	}}
}
