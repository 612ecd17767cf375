package report

import (
	"strconv"
	"strings"
)

// What the rows above and between a table say: the title's declared
// counts, the as-of date, the bureau, and the section rows.

var (
	// Case is folded for "as of" alone: folded over the whole class of
	// Han characters (which have no case) the expression took ten times
	// as long to compile, a third of a millisecond of every command.
	reAsOf       = lazyRegexp(`(?:截至|截止|截止日期|截止时间|统计时间|(?i:as of))[:：]?\s*([0-9０-９一-龥年月日./\-\s]+?)(?:[\s，,；;）)]|$)`)
	reDeclSect   = lazyRegexp(`([0-9]+|[一二三四五六七八九十]+)\s*(?:个|大)?(?:板块|方面|领域)`)
	reDeclTasks  = lazyRegexp(`([0-9]+|[一二三四五六七八九十百]+)\s*(?:项|个|条)(?:具体|重点|工作)?任务`)
	reSectionNum = lazyRegexp(`^(?:第[一二三四五六七八九十百0-9]+(?:板块|部分|方面)[:：、.．]?|[一二三四五六七八九十百]+[、.．]|[(（][一二三四五六七八九十百0-9]+[)）]|[0-9]+[、.．](?:\s|$|[^0-9]))\s*`)
	reSectionCnt = lazyRegexp(`[(（]\s*(?:共)?([0-9]+|[一二三四五六七八九十]+)\s*(?:项|个|条)(?:任务)?\s*[)）]\s*$`)
	reNoteRow    = lazyRegexp(`(?i)^(?:注|备注|说明|填报说明|填表说明|note|notes)\s*[:：0-9一二三、.]`)
)

// ChineseNumber reads 39, "三十九" or "九".
func ChineseNumber(s string) (int, bool) {
	if n, err := strconv.Atoi(s); err == nil {
		return n, true
	}
	digits := map[rune]int{'一': 1, '二': 2, '两': 2, '三': 3, '四': 4, '五': 5, '六': 6, '七': 7, '八': 8, '九': 9}
	total, cur := 0, 0
	for _, r := range s {
		switch {
		case r == '十':
			if cur == 0 {
				cur = 1
			}
			total += cur * 10
			cur = 0
		case r == '百':
			if cur == 0 {
				cur = 1
			}
			total += cur * 100
			cur = 0
		case digits[r] > 0:
			cur = digits[r]
		default:
			return 0, false
		}
	}
	return total + cur, s != ""
}

// preambleRow reads row r, above the tasks header: the title, the counts
// it declares and the as-of date.
func (x *extractor) preambleRow(s *Sheet, r int) {
	for c := range s.Row(r) {
		cell := s.At(r, c)
		t := strings.TrimSpace(cell.Text)
		if t == "" || cell.Merged {
			continue
		}
		if x.data.Title == "" {
			x.data.Title, x.data.TitleCell = t, CellName(c, r)
		}
		if m := reBureau().FindStringSubmatch(t); m != nil && x.data.Bureau == "" {
			x.data.Bureau, x.data.BureauCell = m[1], CellName(c, r)
		}
		if m := reDeclSect().FindStringSubmatch(t); m != nil && x.data.Declared.Sections == 0 {
			x.data.Declared.Sections, _ = ChineseNumber(m[1])
			x.data.DeclaredAt = CellName(c, r)
		}
		if m := reDeclTasks().FindStringSubmatch(t); m != nil && x.data.Declared.Tasks == 0 {
			x.data.Declared.Tasks, _ = ChineseNumber(m[1])
			x.data.DeclaredAt = CellName(c, r)
		}
		if m := reAsOf().FindStringSubmatch(t); m != nil && x.data.AsOf.IsZero() {
			if d, err := ParseDate(m[1]); err == nil && d.OK() {
				x.data.AsOf = d.Time
				x.data.AsOfCell = CellName(c, r)
			}
		}
	}
}

// cleanSection drops a section's numbering and declared count:
// "一、优化创新布局（5项）" → "优化创新布局", 5.
func cleanSection(t string) (string, int) {
	t = strings.TrimSpace(t)
	n := 0
	if m := reSectionCnt().FindStringSubmatch(t); m != nil {
		n, _ = ChineseNumber(m[1])
		t = strings.TrimSpace(t[:len(t)-len(m[0])])
	}
	t = reSectionNum().ReplaceAllString(t, "")
	return strings.TrimSpace(t), n
}

func isNoteRow(s *Sheet, r int) bool {
	for c := range s.Row(r) {
		if t := s.Text(r, c); t != "" {
			t = squeeze(fold(t))
			return mayBeNote(t) && reNoteRow().MatchString(t) || t == "合计" || t == "总计" || t == "小计"
		}
	}
	return false
}

// mayBeNote reports whether t starts as reNoteRow's words do, so that the
// regexp is not run over the first cell of every row.
func mayBeNote(t string) bool {
	if t != "" && t[0]|0x20 == 'n' {
		return true
	}
	for _, w := range [...]string{"注", "备", "说", "填"} {
		if strings.HasPrefix(t, w) {
			return true
		}
	}
	return false
}

// sectionRow reports whether row r is a section heading laid across the
// table ("一、优化创新布局（5项）") rather than a task.
func sectionRow(s *Sheet, r int) (string, bool) {
	text, col := "", -1
	for c := range s.Row(r) {
		t := s.Text(r, c)
		if t == "" {
			continue
		}
		if text != "" && t != text {
			return "", false
		}
		if text == "" {
			text, col = t, c
		}
	}
	if text == "" {
		return "", false
	}
	if m, ok := s.MergeAt(r, col); ok && m.C2-m.C1 >= 2 && m.R1 == m.R2 {
		return text, true
	}
	return text, reSectionNum().MatchString(text) && !strings.ContainsAny(text, "\n")
}
