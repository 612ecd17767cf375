package report

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// NormalizeHeader folds a header cell for matching: full-width forms,
// spaces and line breaks, case, bracketed suffixes such as "（年月）", and
// marks such as "*" or a trailing colon.
func NormalizeHeader(s string) string {
	s = dropBracketed(lower(squeeze(fold(s))))
	s = strings.Trim(s, "*※:：.、")
	return s
}

// stripYears drops years such as "2021年" from a normalized header, so that
// "2021年目标值" matches "目标值".
func stripYears(s string) string {
	if !strings.Contains(s, "19") && !strings.Contains(s, "20") {
		return s // no year: not scanned
	}
	return dropYears(s)
}

// Folding applies two expressions to every header cell, and to every
// cell of the rows it looks at for one; scanned for by hand, as here,
// they no longer are most of finding a header.
// TestFoldScansMatchExpressions holds each to its expression.

// dropBracketed drops each opening bracket up to the first closing one
// after it, if any: `[(（\[【〔][^)）\]】〕]*[)）\]】〕]`.
func dropBracketed(s string) string {
	var b strings.Builder
	for {
		i, n := indexBracket(s, "(", "[", "（", "【", "〔")
		if i < 0 {
			break
		}
		j, m := indexBracket(s[i+n:], ")", "]", "）", "】", "〕")
		if j < 0 {
			break
		}
		b.WriteString(s[:i])
		s = s[i+n+j+m:]
	}
	if b.Len() == 0 {
		return s
	}
	b.WriteString(s)
	return b.String()
}

// indexBracket finds the first of five brackets in s, two ASCII and three
// of three bytes, by their bytes: where it is and how long. The first
// byte of a rune of three never stands anywhere else in UTF-8.
func indexBracket(s, a1, a2, w1, w2, w3 string) (int, int) {
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == a1[0] || c == a2[0]:
			return i, 1
		case c >= 0xE0 && (strings.HasPrefix(s[i:], w1) || strings.HasPrefix(s[i:], w2) || strings.HasPrefix(s[i:], w3)):
			return i, 3
		}
	}
	return -1, 0
}

// lower is strings.ToLower, which for text beyond ASCII looks each
// character up: text of ASCII without capitals and of CJK characters,
// kana and CJK marks (U+3000-9FFF, none with a case) is returned as it
// is.
func lower(s string) string {
	for i := 0; i < len(s); {
		if c := s[i]; c < utf8.RuneSelf {
			if 'A' <= c && c <= 'Z' {
				return strings.ToLower(s)
			}
			i++
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		if r < 0x3000 || r > 0x9FFF {
			return strings.ToLower(s)
		}
		i += n
	}
	return s
}

// dropYears drops 19 or 20 and two more ASCII digits, then 年 and 度
// where they follow: `(19|20)\d{2}年?度?`.
func dropYears(s string) string {
	var b strings.Builder
	from := 0
	for i := 0; i+4 <= len(s); {
		if (s[i] == '1' && s[i+1] == '9' || s[i] == '2' && s[i+1] == '0') && isDigit(s[i+2]) && isDigit(s[i+3]) {
			b.WriteString(s[from:i])
			i += 4
			i += len(prefixOf(s[i:], "年"))
			i += len(prefixOf(s[i:], "度"))
			from = i
			continue
		}
		i++
	}
	if from == 0 {
		return s
	}
	b.WriteString(s[from:])
	return b.String()
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

// prefixOf is p if s starts with it, else "".
func prefixOf(s, p string) string {
	if strings.HasPrefix(s, p) {
		return p
	}
	return ""
}

// headerForm is a header or alias folded once for matching.
type headerForm struct {
	norm   string // NormalizeHeader
	noYear string // norm without years
	runes  int
}

func newForm(s string) headerForm {
	n := NormalizeHeader(s)
	return headerForm{norm: n, noYear: stripYears(n), runes: utf8.RuneCountInString(n)}
}

// matchTier reports how well header h matches alias a: 1 exact, 2 equal
// without years, 3 h holds a as a word of at most four more characters,
// 0 no match.
func matchTier(h, a headerForm) int {
	switch {
	case h.norm == "" || a.norm == "":
		return 0
	case h.norm == a.norm:
		return 1
	case h.noYear != "" && h.noYear == a.noYear:
		return 2
	case a.runes >= 2 && h.runes <= a.runes+4 && strings.Contains(h.norm, a.norm):
		return 3
	}
	return 0
}

// aliasForms folds every column's headers once per spec.
func (s *SheetSpec) aliasForms() [][]headerForm {
	if s.forms == nil {
		s.forms = make([][]headerForm, len(s.Columns))
		for i, c := range s.Columns {
			for _, h := range c.Headers {
				f := newForm(h)
				s.forms[i] = append(s.forms[i], f)
				s.longest = max(s.longest, f.runes)
			}
		}
	}
	return s.forms
}

// headerCache keeps, for one workbook's analysis, each header text
// folded and, by sheet spec, which of the spec's columns it matches at
// which tier. The rows a header is looked for in repeat their texts (a
// unit, a state, a section on every task): each pair of text and alias
// was compared once per row tried, most of finding the header.
type headerCache struct {
	forms memo[string, headerForm]
	match map[*SheetSpec]*memo[string, []uint8]
}

// tiers returns, for each of spec's columns, the tiers at which one of
// its headers matches t, as bits (see matchHeader); nil where none does.
// The slice is shared: callers copy it.
func (hc *headerCache) tiers(spec *SheetSpec, t string) []uint8 {
	m := hc.match[spec]
	if m == nil {
		if hc.match == nil {
			hc.match = map[*SheetSpec]*memo[string, []uint8]{}
		}
		m = new(memo[string, []uint8])
		hc.match[spec] = m
	}
	return m.get(t, func(t string) []uint8 {
		aliases := spec.aliasForms()
		if tooLong(t, spec.longest+4) {
			return nil
		}
		h := hc.forms.get(t, newForm)
		if h.norm == "" {
			return nil
		}
		var at []uint8
		for ci := range spec.Columns {
			var bits uint8
			for _, a := range aliases[ci] {
				bits |= 1 << matchTier(h, a)
			}
			if bits&^1 != 0 {
				if at == nil {
					at = make([]uint8, len(spec.Columns))
				}
				at[ci] = bits
			}
		}
		return at
	})
}

// tooLong reports whether t, folded, would keep more than limit runes even
// without its years: it counts none of the runes folding may drop (white
// space, digits, 年 and 度, the marks trimmed, the half-width sound marks)
// nor any between the first opening bracket and the last closing one.
// Such a text matches no header of at most limit-4 runes at any tier: the
// rows under a header hold tasks' descriptions, folding each was most of
// finding the header, and none is one.
func tooLong(t string, limit int) bool {
	// Runes kept: in all, before the first opener, after the last closer.
	n, before, after, closed := 0, -1, 0, false
	for _, r := range t {
		switch {
		case r == '(' || r == '[' || r == '（' || r == '【' || r == '〔' || r == '［':
			if before < 0 {
				before = n
			}
		case before >= 0 && (r == ')' || r == ']' || r == '）' || r == '】' || r == '〕' || r == '］'):
			after, closed = 0, true
		case dropped(r):
		default:
			n++
			after++
		}
	}
	if closed {
		n = before + after
	}
	return n > limit
}

// dropped reports whether folding a header may drop r.
func dropped(r rune) bool {
	switch r {
	case '*', '＊', '※', ':', '：', '.', '．', '、', '年', '度', 0xFF9E, 0xFF9F:
		return true
	}
	if r < utf8.RuneSelf {
		return '0' <= r && r <= '9' || asciiSpace[r]
	}
	return isSpace(r) || unicode.IsDigit(r)
}

// cleanHeader joins a header written over several lines into one, for
// messages: "牵头\n单位" → "牵头单位", "Lead\nunit" → "Lead unit".
func cleanHeader(s string) string {
	lines := strings.FieldsFunc(s, func(r rune) bool { return r == '\n' || r == '\r' })
	var b strings.Builder
	for i, l := range lines {
		l = strings.TrimSpace(l)
		if i > 0 && b.Len() > 0 && l != "" {
			prev, _ := utf8.DecodeLastRuneInString(b.String())
			next, _ := utf8.DecodeRuneInString(l)
			if prev < utf8.RuneSelf && next < utf8.RuneSelf {
				b.WriteByte(' ')
			}
		}
		b.WriteString(l)
	}
	return b.String()
}

// headerMatch is what header detection found for one sheet.
type headerMatch struct {
	top, bottom int            // first and last header row, 0-based
	cols        map[string]int // key → column
	texts       map[int]string // column → header as written
	score       int
}

// headerTexts returns the candidate header texts of column c for a header
// spanning rows top..bottom, most specific first.
func headerTexts(s *Sheet, top, bottom, c int) []string {
	var out []string
	for r := bottom; r >= top; r-- {
		cell := s.At(r, c)
		t := strings.TrimSpace(cell.Text)
		if t == "" || (r > top && cell.Merged && s.Text(r-1, c) == t) {
			continue // a cell merged down from above says nothing new
		}
		out = append(out, t)
	}
	return out
}

// matchHeader maps spec's columns onto the header rows top..bottom; cache
// keeps what the cells' texts matched.
func matchHeader(s *Sheet, spec *SheetSpec, top, bottom int, cache *headerCache) headerMatch {
	m := headerMatch{top: top, bottom: bottom, cols: map[string]int{}}
	width := headerWidth(s, top, bottom)
	depths := bottom - top + 1
	ncol := len(spec.Columns)
	// tiers[(c*depths+depth)*ncol+ci] has bit t set where one of column
	// ci's headers matches the text at column c, depth rows below top, at
	// tier t; texts holds how many texts column c has.
	tiers := make([]uint8, width*depths*ncol)
	texts := make([]int, width)
	for c := range width {
		for depth, t := range headerTexts(s, top, bottom, c) {
			copy(tiers[(c*depths+depth)*ncol:][:ncol], cache.tiers(spec, t))
			texts[c]++
		}
	}
	taken := make([]bool, width)
	// Best tier first, so an exact "责任单位" wins over "单位" found inside it.
	for tier := 1; tier <= 3; tier++ {
		for depth := range depths {
			for c := range width {
				if taken[c] || depth >= texts[c] {
					continue
				}
				at := tiers[(c*depths+depth)*ncol:][:ncol]
				for ci, col := range spec.Columns {
					if _, done := m.cols[col.Key]; done || at[ci]&(1<<tier) == 0 {
						continue
					}
					m.cols[col.Key] = c
					taken[c] = true
					break
				}
			}
		}
	}
	m.score = len(m.cols)
	return m
}

func headerWidth(s *Sheet, top, bottom int) int {
	width := 0
	for r := top; r <= bottom && r < s.Len(); r++ {
		width = max(width, len(s.Row(r)))
	}
	return width
}

// headerTextsOf is each column's header as written, for messages: the
// rows top..bottom joined by "/", "完成情况/进度".
func headerTextsOf(s *Sheet, top, bottom int) map[int]string {
	out := map[int]string{}
	for c := range headerWidth(s, top, bottom) {
		texts := headerTexts(s, top, bottom, c)
		if len(texts) == 0 {
			continue
		}
		for i := range texts {
			texts[i] = cleanHeader(texts[i])
		}
		out[c] = strings.Join(reverse(texts), "/")
	}
	return out
}

func reverse(s []string) []string {
	out := make([]string, len(s))
	for i, x := range s {
		out[len(s)-1-i] = x
	}
	return out
}

// headerScanRows bounds how far below the top a header may sit.
const headerScanRows = 30

// HeadRows are the rows of each sheet a streamed workbook's head holds:
// enough to find every header (one more for a two-row header's second).
const HeadRows = headerScanRows + 1

// findHeader finds the header of spec's table in s: one row, or two where
// a group header spans sub-columns. ok is false when no row matches at
// least two columns. forms keeps the cells' folded texts from one call to
// the next: each sheet's head is searched for every role, and a cell is
// in more than one candidate header; folding them again was nine tenths
// of finding a header.
func findHeader(s *Sheet, spec *SheetSpec, cache *headerCache) (headerMatch, bool) {
	best := headerMatch{score: 0}
	for r := 0; r < s.Len() && r < headerScanRows; r++ {
		one := matchHeader(s, spec, r, r, cache)
		if one.score > best.score {
			best = one
		}
		// A group header row is itself a header: a title merged across
		// the table above the real header is not.
		if r+1 < s.Len() && one.score >= 2 && hasGroupHeader(s, r) {
			two := matchHeader(s, spec, r, r+1, cache)
			if two.score > best.score || (two.score == best.score && best.top == r && two.score > 0) {
				best = two
			}
		}
	}
	if best.score > 0 {
		// Only the best match's texts are wanted: made for every row
		// tried, they were a tenth of finding the header.
		best.texts = headerTextsOf(s, best.top, best.bottom)
	}
	return best, best.score >= 2
}

// hasGroupHeader reports whether row r has a cell merged across columns with
// different text beneath it: "完成情况" over "状态" and "进度".
func hasGroupHeader(s *Sheet, r int) bool {
	for _, m := range s.Merges {
		if m.R1 == r && m.R2 == r && m.C2 > m.C1 {
			for c := m.C1; c <= m.C2; c++ {
				if t := s.Text(r+1, c); t != "" && t != s.Text(r, c) {
					return true
				}
			}
		}
	}
	return false
}

// nearestHeader finds the header text in texts closest to any of the
// aliases, for a missing-column finding.
func nearestHeader(texts map[int]string, aliases []string, used map[int]bool) (int, string) {
	bestCol, bestText, bestDist := -1, "", 1<<30
	for c, t := range texts {
		if used[c] {
			continue
		}
		h := []rune(NormalizeHeader(t))
		for _, a := range aliases {
			d := editDistance(h, []rune(NormalizeHeader(a)))
			if d < bestDist || (d == bestDist && c < bestCol) {
				bestCol, bestText, bestDist = c, t, d
			}
		}
	}
	return bestCol, bestText
}

func editDistance(a, b []rune) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
