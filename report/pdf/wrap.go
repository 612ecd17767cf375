package pdf

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"codeberg.org/go-pdf/fpdf"
)

// The line breaker: CJK text breaks between any two characters except
// before closing and after opening punctuation (禁则), Latin text at spaces.

// Closing punctuation never starts a line; opening never ends one.
const (
	noStart = "，。、；：？！）」》』】〕”’,.;:?!)]}%％"
	noEnd   = "（「《『【〔“‘([{"
)

func isCJK(r rune) bool {
	if r < 0x1100 { // below the Hangul jamo none of these scripts has a letter
		return false
	}
	return unicode.Is(unicode.Han, r) || unicode.In(r, unicode.Hiragana, unicode.Katakana, unicode.Hangul) ||
		(r >= 0x3000 && r <= 0x303F) || (r >= 0xFF00 && r <= 0xFFEF)
}

// tokens splits text into the units a line may break between: each CJK
// character alone, Latin words and numbers whole, spaces alone. The
// tokens are substrings of s: a string made for each character was most
// of what wrapping the report's text cost.
func tokens(s string) []string {
	if !utf8.ValidString(s) {
		s = string([]rune(s)) // each bad byte a U+FFFD, as ranging over s reads it
	}
	out := make([]string, 0, len(s)/3+1)
	word := -1 // where the word being read began
	flush := func(i int) {
		if word >= 0 {
			out = append(out, s[word:i])
			word = -1
		}
	}
	for i, r := range s {
		switch {
		case r == ' ':
			flush(i)
			out = append(out, " ")
		case isCJK(r) || r > 0x7F && strings.ContainsRune(noStart+noEnd, r):
			flush(i)
			out = append(out, s[i:i+utf8.RuneLen(r)])
		case word < 0:
			word = i
		}
	}
	flush(len(s))
	// Glue punctuation to its neighbour so a break never isolates it.
	glued := out[:0]
	for i := 0; i < len(out); i++ {
		t := out[i]
		if first, _ := utf8.DecodeRuneInString(t); len(glued) > 0 && strings.ContainsRune(noStart, first) {
			glued[len(glued)-1] += t
			continue
		}
		if last, _ := utf8.DecodeLastRuneInString(t); strings.ContainsRune(noEnd, last) && i+1 < len(out) {
			out[i+1] = t + out[i+1]
			continue
		}
		glued = append(glued, t)
	}
	return glued
}

// wrap breaks text into lines no wider than w in the current font, without
// losing a character (fpdf's own SplitText drops one at CJK breaks).
func wrap(p *fpdf.Fpdf, text string, w float64) []string {
	var lines []string
	for _, para := range strings.Split(text, "\n") {
		var cur strings.Builder
		curW := 0.0
		for _, tok := range tokens(para) {
			tw := p.GetStringWidth(tok)
			if curW+tw > w && cur.Len() > 0 {
				lines = append(lines, strings.TrimRight(cur.String(), " "))
				cur.Reset()
				curW = 0
				if tok == " " {
					continue
				}
			}
			// A token wider than the line is cut by characters.
			for tw > w && len([]rune(tok)) > 1 {
				rs := []rune(tok)
				n := len(rs)
				for n > 1 && p.GetStringWidth(string(rs[:n])) > w {
					n--
				}
				lines = append(lines, string(rs[:n]))
				tok = string(rs[n:])
				tw = p.GetStringWidth(tok)
			}
			cur.WriteString(tok)
			curW += tw
		}
		lines = append(lines, strings.TrimRight(cur.String(), " "))
	}
	return lines
}
