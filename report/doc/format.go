package doc

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"innoreport/report"
)

// How the report writes a figure: percentages, points, signed growth,
// fixed decimals, and the dash for what is missing.

func (b *builder) dateText(t time.Time) string { return dateText(t, b.lang) }

// dateText writes a date as the report's prose does.
func dateText(t time.Time, lang report.Lang) string {
	if lang == report.En {
		return t.Format("2 January 2006")
	}
	return fmt.Sprintf("%d年%d月%d日", t.Year(), t.Month(), t.Day())
}

// Pct formats a fraction as a percentage with one decimal: 0.7179 → 71.8%.
func Pct(v float64) string { return fmt.Sprintf("%.1f%%", v*100) }

// Num formats a figure without trailing zeros, with thousands separators.
func Num(v float64) string {
	s := fmt.Sprintf("%.2f", v)
	s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	intPart, frac, _ := strings.Cut(s, ".")
	var out []byte
	for i := range intPart {
		if i > 0 && (len(intPart)-i)%3 == 0 {
			out = append(out, ',')
		}
		out = append(out, intPart[i])
	}
	s = string(out)
	if frac != "" {
		s += "." + frac
	}
	if neg {
		s = "-" + s
	}
	return s
}

func numOrDash(p *float64) string {
	if p == nil {
		return "—"
	}
	return Num(*p)
}

func pctOrDash(p *float64) string {
	if p == nil {
		return "—"
	}
	return Pct(*p)
}

func growthWords(p *float64, lang report.Lang) string {
	switch {
	case p == nil:
		return "—"
	case lang == report.En && *p < 0:
		return "down " + Pct(-*p)
	case lang == report.En:
		return "up " + Pct(*p)
	case *p < 0:
		return "下降" + Pct(-*p)
	}
	return "增长" + Pct(*p)
}

func signedPct(v float64) string {
	if v >= 0 {
		return "+" + Pct(v)
	}
	return Pct(v)
}

// Sentence capitalises the first letter, for labels that begin a heading,
// a column or a cell: "warning" → "Warning"; Chinese is unchanged.
func Sentence(s string) string {
	if s == "" || s[0] < 'a' || s[0] > 'z' {
		return s
	}
	return string(s[0]-'a'+'A') + s[1:]
}

// Points writes a figure already in percentage points (progress, the
// schedule's share) exactly as the result holds it: 95.4%, 100%.
func Points(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) + "%" }

// decimals is how many decimals the row's figures need, at most two, so
// that baseline, target and actual line up: 0.63, 1.00, 0.93.
func decimals(vs ...*float64) int {
	d := 0
	for _, v := range vs {
		if v == nil {
			continue
		}
		for n := 0; n <= 2; n++ {
			if math.Abs(*v*math.Pow(10, float64(n))-math.Round(*v*math.Pow(10, float64(n)))) < 1e-9 {
				d = max(d, n)
				break
			}
			if n == 2 {
				d = 2
			}
		}
	}
	return d
}

// fixed formats v with dec decimals and thousands separators.
func fixed(v *float64, dec int) string {
	if v == nil {
		return "—"
	}
	s := Num(math.Round(*v*math.Pow(10, float64(dec))) / math.Pow(10, float64(dec)))
	if dec == 0 {
		return s
	}
	i := strings.IndexByte(s, '.')
	if i < 0 {
		return s + "." + strings.Repeat("0", dec)
	}
	return s + strings.Repeat("0", dec-(len(s)-i-1))
}

func orDash(s string) string {
	if s == "" {
		return "—"
	}
	return s
}
