package report

import (
	"regexp"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/width"
)

// TestIsSpace holds isSpace to unicode.IsSpace over every character.
func TestIsSpace(t *testing.T) {
	for r := rune(0); r <= unicode.MaxRune; r++ {
		if isSpace(r) != unicode.IsSpace(r) {
			t.Errorf("isSpace(%U) = %v, unicode.IsSpace %v", r, isSpace(r), unicode.IsSpace(r))
		}
	}
}

// TestFoldKeepsCharacters holds what longerThanNoValue counts on: folding
// and lowering turn each character into one, a space into a space and
// anything else into something else.
func TestFoldKeepsCharacters(t *testing.T) {
	for r := rune(0); r <= unicode.MaxRune; r++ {
		if !utf8.ValidRune(r) {
			continue
		}
		s := string(r)
		for _, f := range []struct {
			name string
			out  string
		}{{"width.Fold", width.Fold.String(s)}, {"strings.ToLower", strings.ToLower(s)}} {
			if utf8.RuneCountInString(f.out) != 1 || isSpace([]rune(f.out)[0]) != isSpace(r) {
				t.Fatalf("%s(%U) = %q", f.name, r, f.out)
			}
		}
	}
}

// foldOracle is what fold does without its short cuts.
func foldOracle(s string) string { return strings.TrimFunc(width.Fold.String(s), isSpace) }

// TestFoldMatchesWidthFold holds fold's short cuts to width.Fold: every
// character between two others, and texts of the half-width forms that
// fold two characters into one, mixed with full-width ones, with
// ideographic spaces and with bytes that are not UTF-8.
func TestFoldMatchesWidthFold(t *testing.T) {
	for r := rune(0); r <= unicode.MaxRune; r++ {
		if !utf8.ValidRune(r) {
			continue
		}
		s := "a" + string(r) + "中"
		if got, want := fold(s), foldOracle(s); got != want {
			t.Fatalf("fold(%q) = %q, width.Fold gives %q", s, got, want)
		}
	}
	for _, s := range foldTexts {
		if got, want := fold(s), foldOracle(s); got != want {
			t.Errorf("fold(%q) = %q, width.Fold gives %q", s, got, want)
		}
	}
}

var foldTexts = []string{"", "ｶﾞﾊﾟ", "（ｶﾞ）", "\u3000１２\u3000", "目标值（亿元）：", "ＡＢＣ\xff（\xe3\x80）", "\xef\xbc", "\xef\xbc\x81\xef", "ﾞ", "￥１０", "⦅（）⦆"}

func FuzzFold(f *testing.F) {
	for _, s := range foldTexts {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := fold(s), foldOracle(s); got != want {
			t.Errorf("fold(%q) = %q, width.Fold gives %q", s, got, want)
		}
	})
}

// TestIsBlankShortCut: the short cut and the whole reading agree.
func TestIsBlankShortCut(t *testing.T) {
	for _, s := range []string{"", " ", "—", " — — ", "n / a", "Ｎ／Ａ", "N/A ", "\u3000无\u3000", "暂 无", "—/—", "—/—/", "abcd", "无无无无", "- -", "\xff\xfe", "１２３４"} {
		slow := noValue[strings.ToLower(squeeze(fold(s)))]
		if got := IsBlank(s); got != slow {
			t.Errorf("IsBlank(%q) = %v, the whole reading %v", s, got, slow)
		}
	}
}

// TestAppendWords holds appendWords to the Join of Fields it replaces in
// TaskHash.
func TestAppendWords(t *testing.T) {
	for _, s := range []string{"", " ", "a", " a  b\tc\n", "\u3000任务\u00a0甲 ", "x\u2028y", "\xff \xfe"} {
		if got, want := string(appendWords([]byte("keep"), s)), "keep"+strings.Join(strings.Fields(s), " "); got != want {
			t.Errorf("appendWords(%q) = %q, want %q", s, got, want)
		}
	}
}

// TestTrimSpace holds trimSpace to strings.TrimSpace on every one- and
// two-rune string of spaces, ASCII, CJK and broken UTF-8 at either end.
func TestTrimSpace(t *testing.T) {
	ends := []string{"", " ", "\u3000", "\u00a0", "\u2029", "a", "中", "\xff", "\xe4\xb8", "\t\n"}
	for _, a := range ends {
		for _, b := range ends {
			for _, mid := range []string{"", "x", "任务 一", " "} {
				s := a + mid + b
				if got, want := trimSpace(s), strings.TrimSpace(s); got != want {
					t.Errorf("trimSpace(%q) = %q, strings.TrimSpace %q", s, got, want)
				}
			}
		}
	}
}

// TestLeadingNumber holds leadingNumber to the regexp it stands for, on
// every string of up to six bytes the regexp's grammar is made of.
func TestLeadingNumber(t *testing.T) {
	re := regexp.MustCompile(`^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?`)
	alphabet := []byte("07.eE+-x ")
	var walk func(s []byte)
	walk = func(s []byte) {
		if got, want := leadingNumber(string(s)), re.FindString(string(s)); got != want {
			t.Fatalf("leadingNumber(%q) = %q, the regexp %q", s, got, want)
		}
		if len(s) == 6 {
			return
		}
		for _, c := range alphabet {
			walk(append(s, c))
		}
	}
	walk(nil)
	for _, s := range []string{"٣", "１２", "12.5%", "3.5亿元", "1e", "1e+", ".e1", "+.5e-3x"} {
		if got, want := leadingNumber(s), re.FindString(s); got != want {
			t.Errorf("leadingNumber(%q) = %q, the regexp %q", s, got, want)
		}
	}
}

// TestHasSpace holds hasSpace to strings.ContainsFunc(s, unicode.IsSpace),
// which decodes s rune by rune, over every space around, inside and
// after ASCII, CJK and broken UTF-8.
func TestHasSpace(t *testing.T) {
	var spaces []string
	for r := rune(0); r <= 0x3000; r++ {
		if unicode.IsSpace(r) {
			spaces = append(spaces, string(r))
		}
	}
	parts := append([]string{"", "a", "中", "、", "\xc2", "\xe2\x80", "\xe3\x80", "\xf0", "\xe1", "\u00c2", "\u2030"}, spaces...)
	for _, a := range parts {
		for _, b := range parts {
			for _, c := range []string{"", "x", "\x80", "\xa0"} {
				s := a + b + c
				if got, want := hasSpace(s), strings.ContainsFunc(s, unicode.IsSpace); got != want {
					t.Errorf("hasSpace(%q) = %v, want %v", s, got, want)
				}
			}
		}
	}
}
