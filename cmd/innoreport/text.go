package main

import (
	"bufio"
	"fmt"
	"io"
	"strings"

	"innoreport/report"
)

// displayWidth counts columns as a terminal shows them: CJK takes two.
func displayWidth(s string) int { return report.DisplayWidth(s) }

func pad(s string, w int) string {
	if d := displayWidth(s); d < w {
		return s + strings.Repeat(" ", w-d)
	}
	return s
}

func padLeft(s string, w int) string {
	if d := displayWidth(s); d < w {
		return strings.Repeat(" ", w-d) + s
	}
	return s
}

func pct(v float64) string { return fmt.Sprintf("%.1f%%", v*100) }

// writeText prints the summary and one line a finding.
func writeText(w io.Writer, r *report.Result, lang report.Lang) error {
	// Streamed: a large workbook's findings are megabytes of text.
	b := bufio.NewWriterSize(w, 64<<10)
	L := func(zh, en string) string { return report.Text{Zh: zh, En: en}.In(lang) }
	textHeader(b, r, L)
	textTasks(b, r, lang, L)
	textIndicators(b, r, lang, L)
	textFindings(b, r, lang, L)
	return b.Flush()
}

// textHeader says what was read: the workbook, the template, whose it is,
// the date and the sheets.
func textHeader(b *bufio.Writer, r *report.Result, L func(zh, en string) string) {
	src := r.AsOfSource
	switch {
	case src == "flag":
		src = L("取自 -as-of", "from -as-of")
	case src == "today":
		src = L("今天", "today")
	default:
		src = L("取自工作簿 ", "declared in ") + strings.TrimPrefix(src, "workbook ")
	}
	fmt.Fprintf(b, "%s  %s\n", pad(L("工作簿", "workbook"), 8), r.Workbook)
	fmt.Fprintf(b, "%s  %s\n", pad(L("模板", "template"), 8), r.Template)
	for _, id := range []struct {
		label string
		v     report.Sourced
	}{{L("城市", "city"), r.Identity.City}, {L("填报单位", "office"), r.Identity.Bureau}} {
		if id.v.Value == "" {
			fmt.Fprintf(b, "%s  %s\n", pad(id.label, 8), L("（工作簿未写明）", "(the workbook does not say)"))
			continue
		}
		fmt.Fprintf(b, "%s  %s%s%s%s\n", pad(id.label, 8), id.v.Value, L("（", " ("), id.v.Source, L("）", ")"))
	}
	fmt.Fprintf(b, "%s  %s%s%s%s\n", pad(L("截至", "as of"), 8), r.AsOf, L("（", " ("), src, L("）", ")"))
	var sheets []string
	for _, role := range report.Roles {
		if name, ok := r.Sheets[string(role)]; ok {
			sheets = append(sheets, string(role)+"="+name)
		}
	}
	fmt.Fprintf(b, "%s  %s\n\n", pad(L("工作表", "sheets"), 8), strings.Join(sheets, "  "))
}

// textTasks prints the tasks by state, by section and by action type.
func textTasks(b *bufio.Writer, r *report.Result, lang report.Lang, L func(zh, en string) string) {
	t := r.Tasks
	var parts []string
	for _, s := range report.States {
		parts = append(parts, fmt.Sprintf("%s %d", s.Label(lang), t.Count(s)))
	}
	fmt.Fprintf(b, L("任务  %d 项，%d 个板块：%s；完成率 %s\n\n", "tasks  %d in %d sections: %s; %s done\n\n"),
		t.Total, t.Sections, strings.Join(parts, L("，", ", ")), pct(t.Rate))
	if len(r.Sections) > 0 {
		fmt.Fprintf(b, "  %s %s %s %s %s %s\n", pad(L("板块", "section"), 28), padLeft(L("任务", "tasks"), 6),
			padLeft(report.StateDone.Label(lang), 7), padLeft(report.StateBehind.Label(lang), 7), padLeft(report.StateOverdue.Label(lang), 7), padLeft(L("完成率", "rate"), 7))
		for _, g := range r.Sections {
			fmt.Fprintf(b, "  %s %6d %7d %7d %7d %7s\n", pad(g.Name, 28), g.Total, g.Done, g.Behind, g.Overdue, pct(g.Rate))
		}
		b.WriteString("\n")
	}
	if len(r.Actions) > 0 {
		var as []string
		for _, g := range r.Actions {
			as = append(as, fmt.Sprintf("%s %d/%d", g.Action.Label(lang), g.Done, g.Total))
		}
		fmt.Fprintf(b, "%s  %s\n\n", L("动作类型（", "action types (")+report.StateDone.Label(lang)+L("/总数）", "/total)"), strings.Join(as, "  "))
	}
}

// textIndicators counts the indicators by status.
func textIndicators(b *bufio.Writer, r *report.Result, lang report.Lang, L func(zh, en string) string) {
	if len(r.Indicators) == 0 {
		return
	}
	counts := report.TallyIndicators(r.Indicators)
	var ps []string
	for _, s := range report.IndicatorStatuses {
		if counts[s] > 0 {
			ps = append(ps, fmt.Sprintf("%s %d", s.Label(lang), counts[s]))
		}
	}
	fmt.Fprintf(b, L("指标  %d 项：%s\n\n", "indicators  %d: %s\n\n"), len(r.Indicators), strings.Join(ps, L("，", ", ")))
}

// textFindings prints the count by severity, then one line a finding.
func textFindings(b *bufio.Writer, r *report.Result, lang report.Lang, L func(zh, en string) string) {
	errs, warns, infos := report.CountBySeverity(r.Findings)
	fmt.Fprintf(b, L("发现问题 %d 个：错误 %d，警告 %d，提示 %d\n", "%d findings: %d errors, %d warnings, %d info\n"),
		len(r.Findings), errs, warns, infos)
	wide := 0
	for _, f := range r.Findings {
		wide = max(wide, displayWidth(f.Where()))
	}
	for _, f := range r.Findings {
		fmt.Fprintf(b, "%s  %s  %s  %s\n", pad(f.Where(), wide), pad(f.Severity.String(), 7), pad(f.Rule, 21), f.Message.In(lang))
	}
}
