package fsname

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestFit(t *testing.T) {
	long := strings.Repeat("内江市科技局", 14) // 252 bytes
	for _, suffix := range []string{"", ".xlsx", "-findings.json", ".xlsx.error.txt"} {
		got := Fit(long, suffix)
		if len(got) > Max || !utf8.ValidString(got) || !strings.HasSuffix(got, suffix) {
			t.Errorf("Fit(…, %q) = %d bytes, valid %v", suffix, len(got), utf8.ValidString(got))
		}
	}
	if got := Fit("a", ".xlsx"); got != "a.xlsx" {
		t.Errorf("a short name changed: %q", got)
	}
}
