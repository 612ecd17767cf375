package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"unicode"
)

// Flags after the workbook are flags, not more workbooks; "--" ends them.
func TestFlagsAfterTheWorkbook(t *testing.T) {
	var c common
	fs := newFlagSet("check", &bytes.Buffer{}, &c)
	if err := parseFlags(fs, []string{"book.xlsx", "-format", "json", "-lang=en", "--", "-odd.xlsx"}); err != nil {
		t.Fatal(err)
	}
	if c.format != "json" || c.lang != "en" || strings.Join(fs.Args(), " ") != "book.xlsx -odd.xlsx" {
		t.Errorf("format %q lang %q args %q", c.format, c.lang, fs.Args())
	}
}

// A mistyped flag is one line, naming the nearest flag, printed once.
func TestMistypedFlagIsOneLine(t *testing.T) {
	var out, errb bytes.Buffer
	code := exitCode(run(context.Background(), []string{"build", "-mail-too", "a@b.cn"}, &out, &errb), &errb)
	lines := strings.Split(strings.TrimSpace(errb.String()), "\n")
	if code != exitInput || len(lines) != 1 || !strings.Contains(lines[0], "did you mean -mail-to?") || !strings.Contains(lines[0], "是否想用 -mail-to") {
		t.Errorf("exit %d, stderr:\n%s", code, errb.String())
	}
}

// Every flag's description speaks both languages, as the rest of the help.
func TestFlagHelpIsBilingual(t *testing.T) {
	for _, cmd := range []string{"check", "build", "watch"} {
		var out, errb bytes.Buffer
		if err := run(context.Background(), []string{cmd, "-h"}, &out, &errb); exitCode(err, &errb) != exitOK {
			t.Fatalf("%s -h: %v", cmd, err)
		}
		for _, l := range strings.Split(errb.String(), "\n") {
			if !strings.HasPrefix(l, "    \t") {
				continue // a flag's name line; its description follows, indented
			}
			if !strings.Contains(l, " / ") || !strings.ContainsFunc(l, func(r rune) bool { return unicode.Is(unicode.Han, r) }) {
				t.Errorf("%s: description not in both languages: %q", cmd, l)
			}
		}
	}
}
