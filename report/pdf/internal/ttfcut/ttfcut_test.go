package ttfcut_test

import (
	"testing"

	"innoreport/report/pdf"
	"innoreport/report/pdf/internal/ttfcut"
)

// A cut is a font of its own: it parses again, holds the characters asked
// for that the font has, and only as many glyphs as they need.
func TestCutParsesAgain(t *testing.T) {
	f, err := ttfcut.Parse(pdf.DefaultFont)
	if err != nil {
		t.Fatal(err)
	}
	b, err := f.Cut([]rune("内江科技A\U0001F600"))
	if err != nil {
		t.Fatal(err)
	}
	has, err := pdf.Printable(b)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range "内江科技A" {
		if !has(r) {
			t.Errorf("%c missing", r)
		}
	}
	if has('中') || has('B') {
		t.Error("the cut holds characters not asked for")
	}
	if len(b) > 20000 {
		t.Errorf("a cut to five characters is %d bytes", len(b))
	}
	if _, err := ttfcut.Parse(b); err != nil {
		t.Errorf("the cut does not parse: %v", err)
	}
}

// Damaged fonts are errors, never panics or out-of-range reads.
func TestParseRefusesDamage(t *testing.T) {
	font := pdf.DefaultFont
	for _, n := range []int{0, 11, 12, 100, 1000, len(font) / 2, len(font) * 9 / 10} {
		if _, err := ttfcut.Parse(font[:n]); err == nil {
			t.Errorf("a font cut off at %d bytes parsed", n)
		}
	}
}
