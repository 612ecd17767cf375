package report

import (
	"fmt"
	"strings"
)

// Replacement stands in for a character the PDF cannot show.
const Replacement = "?"

// FlagUnprintable replaces, in the result's texts, every character that
// printable rejects (by default those beyond U+FFFF, which the PDF library
// cannot draw), and reports each at its cell as unprintable-char.
func FlagUnprintable(res *Result, printable func(rune) bool) {
	if printable == nil {
		printable = func(r rune) bool { return r <= 0xFFFF }
	}
	clean := func(role string, cells CellRefs, key string, s *string) {
		if strings.IndexFunc(*s, func(r rune) bool { return !printable(r) }) < 0 {
			return
		}
		var bad []string
		*s = strings.Map(func(r rune) rune {
			if printable(r) {
				return r
			}
			bad = append(bad, fmt.Sprintf("U+%04X", r))
			return '?'
		}, *s)
		res.Findings = append(res.Findings, Finding{
			Severity: Warning, Rule: RuleUnprintable, Sheet: res.Sheets[role], Cell: cells.Get(key), Value: *s,
			Message: Text{
				fmt.Sprintf("字符 %s 无法在 PDF 中显示，已替换为“?”，请改用常用汉字", strings.Join(bad, " ")),
				fmt.Sprintf("character %s cannot be shown in the PDF and was replaced by \"?\": use a common character", strings.Join(bad, " ")),
			},
		})
	}
	for i := range res.TaskList {
		tr := &res.TaskList[i]
		t := tr.Task
		for key, p := range map[string]*string{"task": &tr.Name, "lead": &tr.Lead, "section": &tr.Section} {
			clean("tasks", t.Cells, key, p)
		}
	}
	for i := range res.Sections {
		res.Sections[i].Name = strings.Map(func(r rune) rune {
			if printable(r) {
				return r
			}
			return '?'
		}, res.Sections[i].Name)
	}
	for i := range res.Units {
		clean("tasks", CellRefs{}, "lead", &res.Units[i].Name)
	}
	for i := range res.Indicators {
		ind := &res.Indicators[i]
		clean("indicators", ind.Indicator.Cells, "name", &ind.Name)
		clean("indicators", ind.Indicator.Cells, "unit", &ind.Unit)
	}
	for i := range res.Findings {
		f := &res.Findings[i]
		for _, p := range []*string{&f.Message.Zh, &f.Message.En, &f.Value} {
			*p = strings.Map(func(r rune) rune {
				if printable(r) {
					return r
				}
				return '?'
			}, *p)
		}
	}
}
