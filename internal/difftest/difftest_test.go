package difftest

import (
	"strings"
	"testing"
)

func TestDiff(t *testing.T) {
	for _, c := range []struct {
		name      string
		want, got string
		diff      string
	}{
		{"equal", "a\nb\n", "a\nb\n", ""},
		{"changed line", "a\nb\nc\n", "a\nx\nc\n", "--- want\n+++ got\n@@ -1 +1 @@\n a\n-b\n+x\n c\n"},
		{"added at end", "a\n", "a\nb\n", "--- want\n+++ got\n@@ -1 +1 @@\n a\n+b\n"},
		{"removed at start", "a\nb\n", "b\n", "--- want\n+++ got\n@@ -1 +1 @@\n-a\n b\n"},
		{"from nothing", "", "a\n", "--- want\n+++ got\n@@ -1 +1 @@\n+a\n"},
	} {
		t.Run(c.name, func(t *testing.T) {
			if d := Diff("want", "got", []byte(c.want), []byte(c.got)); d != c.diff {
				t.Errorf("diff:\n%s\nwant:\n%s", d, c.diff)
			}
		})
	}
}

// Far apart changes make two hunks, and unchanged lines between them
// beyond the context are left out.
func TestDiffHunks(t *testing.T) {
	var a, b []string
	for i := range 20 {
		a = append(a, string(rune('a'+i)))
		b = append(b, string(rune('a'+i)))
	}
	b[1], b[18] = "X", "Y"
	d := Diff("w", "g", []byte(strings.Join(a, "\n")), []byte(strings.Join(b, "\n")))
	if n := strings.Count(d, "@@ -"); n != 2 {
		t.Errorf("%d hunks, want 2:\n%s", n, d)
	}
	for _, l := range []string{"-b", "+X", "-s", "+Y"} {
		if !strings.Contains(d, "\n"+l+"\n") {
			t.Errorf("diff lacks %s:\n%s", l, d)
		}
	}
	if strings.Contains(d, "\n j\n") {
		t.Errorf("diff shows a line far from any change:\n%s", d)
	}
}
