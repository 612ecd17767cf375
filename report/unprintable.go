package report

import (
	"fmt"
	"strings"
)

// replacement stands in for a character the PDF cannot show.
const replacement = '?'

// FlagUnprintable reports, as unprintable-char findings at their cells,
// the characters in the result's texts that printable rejects (by default
// those beyond U+FFFF, which the PDF library cannot draw). It changes no
// text: the "?" standing in for such a character is the PDF's affair, and
// the JSON, the workbook and the mail keep the real text.
func FlagUnprintable(res *Result, printable func(rune) bool) {
	if printable == nil {
		printable = func(r rune) bool { return r <= 0xFFFF }
	}
	check := func(role string, cells CellRefs, key, s string) {
		if strings.IndexFunc(s, func(r rune) bool { return !printable(r) }) < 0 {
			return
		}
		var bad []string
		for _, r := range s {
			if !printable(r) {
				bad = append(bad, fmt.Sprintf("U+%04X", r))
			}
		}
		res.Findings = append(res.Findings, Finding{
			Severity: Warning, Rule: RuleUnprintable, Sheet: res.Sheets[role], Cell: cells.Get(key), Value: s,
			Message: Text{
				fmt.Sprintf("字符 %s 无法在 PDF 中显示，PDF 中以“?”代替（工作簿和数据中保留原字），如可请改用常用汉字", strings.Join(bad, " ")),
				fmt.Sprintf("character %s cannot be shown in the PDF, which prints \"?\" instead (the workbook and the data keep it): use a common character if you can", strings.Join(bad, " ")),
			},
		})
	}
	for _, tr := range res.TaskList {
		for _, key := range []string{"task", "lead", "section"} {
			s := map[string]string{"task": tr.Name, "lead": tr.Lead, "section": tr.Section}[key]
			check("tasks", tr.Task.Cells, key, s)
		}
	}
	for _, ind := range res.Indicators {
		check("indicators", ind.Indicator.Cells, "name", ind.Name)
		check("indicators", ind.Indicator.Cells, "unit", ind.Unit)
	}
}

// Printed is s as a device that draws only what printable accepts shows
// it: every other character is replacement, "?".
func Printed(s string, printable func(rune) bool) string {
	if strings.IndexFunc(s, func(r rune) bool { return !printable(r) }) < 0 {
		return s
	}
	return strings.Map(func(r rune) rune {
		if printable(r) {
			return r
		}
		return replacement
	}, s)
}
