package pdf

import (
	"archive/zip"
	"bytes"
	"io"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"unicode"

	"innoreport/samples"
)

// isCJKByTables is isCJK as first written, by the tables alone.
func isCJKByTables(r rune) bool {
	return unicode.Is(unicode.Han, r) || unicode.In(r, unicode.Hiragana, unicode.Katakana, unicode.Hangul) ||
		(r >= 0x3000 && r <= 0x303F) || (r >= 0xFF00 && r <= 0xFFEF)
}

// tokensByRune is tokens as first written, a string made for each rune:
// the oracle the substring version must agree with.
func tokensByRune(s string) []string {
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
		case isCJKByTables(r) || strings.ContainsRune(noStart+noEnd, r) && r > 0x7F:
			flush()
			out = append(out, string(r))
		default:
			word = append(word, r)
		}
	}
	flush()
	var glued []string
	for i := 0; i < len(out); i++ {
		t := out[i]
		if len(glued) > 0 && strings.ContainsAny(string([]rune(t)[:1]), noStart) {
			glued[len(glued)-1] += t
			continue
		}
		if rs := []rune(t); strings.ContainsAny(string(rs[len(rs)-1:]), noEnd) && i+1 < len(out) {
			out[i+1] = t + out[i+1]
			continue
		}
		glued = append(glued, t)
	}
	return glued
}

func checkTokens(t *testing.T, s string) {
	t.Helper()
	if got, want := tokens(s), tokensByRune(s); !slices.Equal(got, want) {
		t.Fatalf("tokens(%q) = %q, want %q", s, got, want)
	}
}

func TestTokensMatchByRune(t *testing.T) {
	pieces := []string{"市科技局", "\u1100\u1161", "ᄀ", "创新", "，", "。", "（", "）", "“", "”", "《", "》", "2021年12月底", " ", "  ",
		"R&D", "46个", "%", "％", "…", "\xff", "\xe4\xb8", "a", "Lead unit", "ｶ", "가", "の", "\u3000", "、", "(", ")"}
	r := rand.New(rand.NewPCG(1, 2))
	for range 5000 {
		var b strings.Builder
		for range r.IntN(12) {
			b.WriteString(pieces[r.IntN(len(pieces))])
		}
		checkTokens(t, b.String())
	}
	// Every text of the sample workbook, as the report quotes them.
	zr, err := zip.NewReader(bytes.NewReader(samples.Workbook), int64(len(samples.Workbook)))
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, f := range zr.File {
		if !strings.HasPrefix(f.Name, "xl/") || !strings.HasSuffix(f.Name, ".xml") {
			continue
		}
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		x, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			t.Fatal(err)
		}
		for _, piece := range strings.Split(string(x), "<t")[1:] {
			if i, j := strings.IndexByte(piece, '>'), strings.Index(piece, "</t>"); i >= 0 && j > i {
				checkTokens(t, piece[i+1:j])
				n++
			}
		}
	}
	if n < 100 {
		t.Fatalf("only %d texts in the sample's parts", n)
	}
}

// isCJK's shortcut below U+1100 agrees with the tables for every rune.
func TestIsCJK(t *testing.T) {
	for r := rune(0); r <= 0x10FFFF; r++ {
		if isCJK(r) != isCJKByTables(r) {
			t.Fatalf("isCJK(%U) = %v, the tables say %v", r, isCJK(r), isCJKByTables(r))
		}
	}
}

func FuzzTokens(f *testing.F) {
	for _, s := range []string{"", "市科技局（牵头）", "Lead unit, 2021", "“创新”。", "\xff\xfe"} {
		f.Add(s)
	}
	f.Fuzz(checkTokens)
}
