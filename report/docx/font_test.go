package docx

import (
	"bytes"
	"testing"

	"innoreport/report/pdf"
)

// watch and serve render many reports in a process: the same font bytes
// are parsed once, and other bytes are parsed anew.
func TestChartFontParsedOnce(t *testing.T) {
	a, err := parseFont(pdf.DefaultFont)
	if err != nil {
		t.Fatal(err)
	}
	b, err := parseFont(pdf.DefaultFont)
	if err != nil || a != b {
		t.Errorf("the same bytes parsed again (%v)", err)
	}
	c, err := parseFont(bytes.Clone(pdf.DefaultFont))
	if err != nil || c == a {
		t.Errorf("other bytes given the cached font (%v)", err)
	}
	if _, err := parseFont([]byte("not a font")); err == nil {
		t.Error("garbage parsed")
	}
}
