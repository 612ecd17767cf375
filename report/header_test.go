package report

import (
	"fmt"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"innoreport/internal/corpustest"
)

// BenchmarkFindHeader finds each sheet's header as a workbook lays it
// out: a merged title, a blank row, the header, then 30 rows of tasks
// whose cells are each compared with every column's headers.
func BenchmarkFindHeader(b *testing.B) {
	tmpl := builtin(b)
	for name, spec := range tmpl.Sheets {
		var header []string
		title := []string{"某某市创建省级创新型城市工作任务清单"}
		for _, c := range spec.Columns {
			header = append(header, c.Headers[0])
			if len(title) < len(spec.Columns) {
				title = append(title, "=")
			}
		}
		rows := [][]string{title, make([]string, len(header)), header}
		for r := range 30 {
			row := make([]string, len(header))
			for c := range row {
				row[c] = fmt.Sprintf("加快建设第%d项重点任务的科技创新平台（%d）", r, c)
			}
			rows = append(rows, row)
		}
		s := grid(name, rows...)
		b.Run(name, func(b *testing.B) {
			for b.Loop() {
				if m, ok := findHeader(s, spec, new(headerCache)); !ok || m.top != 2 {
					b.Fatalf("header found at row %d (%v), want 2", m.top, ok)
				}
			}
		})
	}
}

// The expressions dropBracketed and dropYears scan for.
var (
	oracleBracket = regexp.MustCompile(`[(（\[【〔][^)）\]】〕]*[)）\]】〕]`)
	oracleYear    = regexp.MustCompile(`(19|20)\d{2}年?度?`)
)

// foldCases are texts for the scans folding does: brackets nested,
// unclosed and back to front, years at the edges, in longer numbers and
// in full-width digits, and bytes that are not UTF-8.
var foldCases = []string{
	"", "（", "）", "()", "[]x", "a（b）c（d）e", "（a（b）c）d", "a)b(c", "【x】〔y〕[z](w)", "（（）", "a（b", "a（b\nc）d",
	"目标值（2021年）", "2021年度目标值", "2019", "20190", "12019", "1920年度年", "2020年2021年度", "202", "20a1", "２０２１年",
	"19年", "2099年度度", "x2000", "加快建设省级以上科技创新平台和新型研发机构", "推进（2021年底前完成）高新区扩区调位工作", "ＡＢＣ责任单位", "Lead Unit（牵头）", "ǅ", "\xe3\x80\x90x\xe3\x80\x91", "\xf0\xe3\x80\x90a\xe3\x80\x91", "\xff（\xfe）\xff", "\xe3\x80", "（\xe3）", "2\xff019",
}

// TestFoldScansMatchExpressions holds dropBracketed and dropYears to the
// expressions they replace, on crafted texts and on every XML part of the
// corpus up to 256 kB.
func TestFoldScansMatchExpressions(t *testing.T) {
	cases := append([]string(nil), foldCases...)
	dir := filepath.Join("..", "..", "shared", "corpus", "xlsx")
	corpus := corpustest.Parts(filepath.Join(dir, "*.xls[xm]"), func(name string, size uint64) bool {
		return strings.HasSuffix(name, ".xml") && size <= 256<<10
	})
	if len(corpus) == 0 {
		t.Logf("corpus not found at %s: the crafted cases only", dir)
	}
	for _, b := range corpus {
		cases = append(cases, string(b))
	}
	changed, long := 0, 0
	for i, c := range cases {
		if got, want := dropBracketed(c), oracleBracket.ReplaceAllString(c, ""); got != want {
			t.Errorf("case %d: dropBracketed(%.80q) = %.80q, the expression gives %.80q", i, c, got, want)
		}
		if got, want := dropYears(c), oracleYear.ReplaceAllString(c, ""); got != want {
			t.Errorf("case %d: dropYears(%.80q) = %.80q, the expression gives %.80q", i, c, got, want)
		}
		if dropBracketed(c) != c || dropYears(c) != c {
			changed++
		}
		checkTooLong(t, c)
		if got, want := lower(c), strings.ToLower(c); got != want {
			t.Errorf("case %d: lower(%.80q) = %.80q, strings.ToLower gives %.80q", i, c, got, want)
		}
		if tooLong(c, 20) {
			long++
		}
	}
	if changed < 15 {
		t.Errorf("only %d cases changed: the test would pass scans that do nothing", changed)
	}
	if long < 5 {
		t.Errorf("only %d cases too long for 20 runes: the test would pass a tooLong that says no", long)
	}
}

func FuzzFoldScans(f *testing.F) {
	for _, c := range foldCases {
		f.Add(c)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := dropBracketed(s), oracleBracket.ReplaceAllString(s, ""); got != want {
			t.Errorf("dropBracketed(%q) = %q, the expression gives %q", s, got, want)
		}
		if got, want := dropYears(s), oracleYear.ReplaceAllString(s, ""); got != want {
			t.Errorf("dropYears(%q) = %q, the expression gives %q", s, got, want)
		}
		checkTooLong(t, s)
		if got, want := lower(s), strings.ToLower(s); got != want {
			t.Errorf("lower(%q) = %q, strings.ToLower gives %q", s, got, want)
		}
	})
}

// TestLower holds lower to strings.ToLower on every character, alone and
// between CJK ones.
func TestLower(t *testing.T) {
	for r := rune(0); r <= unicode.MaxRune; r++ {
		for _, s := range []string{string(r), "中" + string(r) + "文"} {
			if got, want := lower(s), strings.ToLower(s); got != want {
				t.Fatalf("lower(%q) = %q, strings.ToLower gives %q", s, got, want)
			}
		}
	}
}

// checkTooLong fails t where tooLong says s folds to more runes than it
// does, without its years, for any limit.
func checkTooLong(t *testing.T, s string) {
	t.Helper()
	f := newForm(s)
	n := utf8.RuneCountInString(f.noYear)
	if tooLong(s, n) || tooLong(s, f.runes) {
		t.Errorf("tooLong(%.80q) said more than %d runes: %q without years", s, n, f.noYear)
	}
}
