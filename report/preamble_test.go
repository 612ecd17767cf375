package report

import (
	"regexp"
	"testing"
)

// reAsOf folds case for "as of" alone; this holds it to what the
// expression folded throughout found.
func TestAsOfFoldsOnlyItsEnglish(t *testing.T) {
	whole := regexp.MustCompile(`(?i)(?:截至|截止|截止日期|截止时间|统计时间|as of)[:：]?\s*([0-9０-９一-龥年月日./\-\s]+?)(?:[\s，,；;）)]|$)`)
	for _, s := range []string{
		"截至2021年11月30日",
		"（截止日期：2021-11-30）",
		"统计时间:２０２１年十一月",
		"As of 2021.11.30, figures",
		"AS OF: 2021/11/30)",
		"aſ of 2021",
		"as  of 2021",
		"Figures as of",
		"截止时间 二〇二一年",
		"no date here",
	} {
		got, want := reAsOf().FindStringSubmatch(s), whole.FindStringSubmatch(s)
		if len(got) != len(want) || (got != nil && (got[0] != want[0] || got[1] != want[1])) {
			t.Errorf("%q: got %q, want %q", s, got, want)
		}
	}
	if reAsOf().FindStringSubmatch("AS OF 2021-11-30") == nil {
		t.Error("upper-case AS OF not found")
	}
}
