package main

import (
	"bytes"
	"fmt"
	"html/template"
	"path/filepath"
	"strings"
	"time"

	"innoreport/report"
	"innoreport/report/doc"
	"innoreport/report/mail"
)

var mailHTML = template.Must(template.New("mail").Parse(`<!DOCTYPE html>
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

// compose writes the mail for a built report: the headline figures and the
// count of findings, in plain text and HTML, with the PDF attached (and
// the updated workbook with -mail-workbook).
func (b *buildFlags) compose(out *built) (*mail.Message, error) {
	res, lang := out.res, b.lang
	L := func(zh, en string) string {
		if lang == "en" {
			return en
		}
		return zh
	}
	subject, err := doc.Text(res, b.tmpl, "subject", lang)
	if err != nil {
		return nil, err
	}
	if subject == "" {
		subject = res.ReportTitle(b.tmpl, lang)
	}
	overview, err := doc.Text(res, b.tmpl, "overview", lang)
	if err != nil {
		return nil, err
	}
	met := report.TallyIndicators(res.Indicators)[report.IndicatorMet]
	rows := [][2]string{
		{L("任务总数", "Tasks"), fmt.Sprint(res.Tasks.Total)},
		{L("已完成", "Done"), fmt.Sprintf(L("%d（%s）", "%d (%s)"), res.Tasks.Done, doc.Pct(res.Tasks.Rate))},
		{L("逾期", "Overdue"), fmt.Sprint(res.Tasks.Overdue)},
		{L("欠进度", "Behind schedule"), fmt.Sprint(res.Tasks.Behind)},
		{L("指标达标", "Indicators met"), fmt.Sprintf("%d / %d", met, len(res.Indicators))},
	}
	errs, warns, infos := report.CountBySeverity(res.Findings)
	findings := fmt.Sprintf(L("数据校验：错误 %d 个，警告 %d 个，提示 %d 个，详见报告附录。", "Checks: %d errors, %d warnings, %d notes; see the report's appendix."), errs, warns, infos)
	// The PDF, or the Word document where no PDF was asked for.
	var attach []mail.Attachment
	for _, p := range []string{out.pdf, out.docx} {
		if p != "" {
			attach = append(attach, mail.Attachment{Name: filepath.Base(p), Path: p})
			break
		}
	}
	if b.mailBook && out.book != "" {
		attach = append(attach, mail.Attachment{Name: filepath.Base(out.book), Path: out.book})
	}
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
	if err := mailHTML.Execute(&html, map[string]any{
		"Title": subject, "Overview": overview, "Rows": rows, "Findings": findings, "Attached": attached,
	}); err != nil {
		return nil, err
	}
	return &mail.Message{
		To: b.mailTo, Subject: subject, Text: text.String(), HTML: html.String(),
		Attachments: attach, Date: time.Now(),
	}, nil
}
