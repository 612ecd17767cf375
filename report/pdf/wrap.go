package pdf

import (
	"strings"
	"unicode"

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
	return unicode.Is(unicode.Han, r) || unicode.In(r, unicode.Hiragana, unicode.Katakana, unicode.Hangul) ||
		(r >= 0x3000 && r <= 0x303F) || (r >= 0xFF00 && r <= 0xFFEF)
}

// tokens splits text into the units a line may break between: each CJK
// character alone, Latin words and numbers whole, spaces alone.
func tokens(s string) []string {
	var out []string
	var word []rune
	flush := func() {
		if len(word) > 0 {
			out = append(out, string(word))
			word = word[:0]
		}
	}
	for _, r := range s {
		switch {
		case r == ' ':
			flush()
			out = append(out, " ")
		case isCJK(r) || strings.ContainsRune(noStart+noEnd, r) && r > 0x7F:
			flush()
			out = append(out, string(r))
		default:
			word = append(word, r)
		}
	}
	flush()
	// Glue punctuation to its neighbour so a break never isolates it.
	var glued []string
	for i := 0; i < len(out); i++ {
		t := out[i]
		if len(glued) > 0 && strings.ContainsAny(firstRune(t), noStart) {
			glued[len(glued)-1] += t
			continue
		}
		if strings.ContainsAny(lastRune(t), noEnd) && i+1 < len(out) {
			out[i+1] = t + out[i+1]
			continue
		}
		glued = append(glued, t)
	}
	return glued
}

func firstRune(s string) string {
	for _, r := range s {
		return string(r)
	}
	return ""
}

func lastRune(s string) string {
	rs := []rune(s)
	if len(rs) == 0 {
		return ""
	}
	return string(rs[len(rs)-1])
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
