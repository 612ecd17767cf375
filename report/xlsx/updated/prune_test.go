package updated

import (
	"archive/zip"
	"bytes"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"innoreport/internal/corpustest"
)

var (
	oracleNSDecl  = regexp.MustCompile(`\s+xmlns:([A-Za-z_][\w.-]*)="[^"]*"`)
	oraclePrefix  = regexp.MustCompile(`(?:<|</|\s)([A-Za-z_][\w.-]*):[A-Za-z_]`)
	oracleIgnored = regexp.MustCompile(`\b(?:Ignorable|Requires|ProcessContent|PreserveElements|PreserveAttributes|MustUnderstand)="([^"]*)"`)
)

// pruneOracle is pruneNamespaces as it was written first: regular
// expressions listing every prefixed name of the part.
func pruneOracle(b []byte) []byte {
	start := bytes.Index(b, []byte("<"))
	for start >= 0 && start+1 < len(b) && (b[start+1] == '?' || b[start+1] == '!') {
		next := bytes.Index(b[start+1:], []byte("<"))
		if next < 0 {
			return b
		}
		start += 1 + next
	}
	if start < 0 {
		return b
	}
	end := tagEnd(b, start)
	root, body := b[start:end], b[end:]
	used := map[string]bool{"xml": true}
	for _, m := range oraclePrefix.FindAllSubmatch(body, -1) {
		used[string(m[1])] = true
	}
	for _, m := range oraclePrefix.FindAllSubmatch(oracleNSDecl.ReplaceAll(root, nil), -1) {
		used[string(m[1])] = true
	}
	for _, m := range oracleIgnored.FindAllSubmatch(b, -1) {
		for _, p := range strings.Fields(string(m[1])) {
			p, _, _ = strings.Cut(p, ":")
			used[p] = true
		}
	}
	pruned := oracleNSDecl.ReplaceAllFunc(root, func(d []byte) []byte {
		if used[string(oracleNSDecl.FindSubmatch(d)[1])] {
			return d
		}
		return nil
	})
	return append(append(append([]byte(nil), b[:start]...), pruned...), body...)
}

// The byte search prunes exactly what the regular expressions pruned, on
// every XML part of the sample as it is and as excelize writes it, and
// on prefixes in each place they can be used.
func TestPruneNamespacesMatchesOracle(t *testing.T) {
	parts := map[string][]byte{
		"ignorable":  []byte(`<?xml version="1.0"?><!-- c --><worksheet xmlns="m" xmlns:r="rel" xmlns:x14="x14ns" xmlns:mc="mcns" xmlns:unused="u" xmlns:xr="xrns" mc:Ignorable="xr"><sheetData/><mc:AlternateContent><mc:Choice Requires="x14"><drawing r:id="rId1"/></mc:Choice></mc:AlternateContent></worksheet>`),
		"close-tag":  []byte(`<a xmlns:p="1" xmlns:q="2"><b>text</p:b></a>`),
		"whitespace": []byte("<a xmlns:p=\"1\" xmlns:q=\"2\" xmlns:s=\"3\"><b\tp:x=\"1\"\nq:y=\"2\"/>s:</a>"),
		"not-names":  []byte(`<a xmlns:A1="1" xmlns:C3="2" xmlns:d="3" xmlns:e="4"><f>SUM(A1:B2)</f><x sqref="A1:B2 C3:D4"/>d:1 xe:f</a>`),
		"lists":      []byte(`<a xmlns:p="1" xmlns:q="2" xmlns:z="3" xmlns:xml="x" ProcessContent="p:b" MustUnderstand="q  z"><b/></a>`),
		"not-word":   []byte(`<a xmlns:p="1" xmlns:q="2" xIgnorable="p" _Requires="q"/>`),
		"root-name":  []byte(`<p:a xmlns:p="1" q:b="2" xmlns:q="3" xmlns:r="4"/>`),
		"none":       []byte(`<a b="c"/>`),
		"empty":      nil,
	}
	addParts := func(label string, data []byte) {
		zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range zr.File {
			if !strings.HasSuffix(f.Name, ".xml") && !strings.HasSuffix(f.Name, ".rels") {
				continue
			}
			rc, err := f.Open()
			if err != nil {
				t.Fatal(err)
			}
			b, err := io.ReadAll(rc)
			rc.Close()
			if err != nil {
				t.Fatal(err)
			}
			parts[label+"/"+f.Name] = b
		}
	}
	sample, err := os.ReadFile("../../../samples/neijiang-2021.xlsx")
	if err != nil {
		t.Fatal(err)
	}
	addParts("sample", sample)
	f, err := excelize.OpenReader(bytes.NewReader(sample))
	if err != nil {
		t.Fatal(err)
	}
	buf, err := f.WriteToBuffer()
	if err != nil {
		t.Fatal(err)
	}
	addParts("excelize", buf.Bytes())
	pruned := 0
	for name, b := range parts {
		want := pruneOracle(b)
		got := pruneNamespaces(b)
		if !bytes.Equal(got, want) {
			i := firstDiff(string(got), string(want))
			t.Errorf("%s: differs at %d:\n got …%s\nwant …%s", name, i, clip(got, i), clip(want, i))
		}
		if len(want) < len(b) {
			pruned++
		}
	}
	if pruned < 3 {
		t.Errorf("only %d parts lost a declaration: the cases do not exercise pruning", pruned)
	}
}

func clip(b []byte, i int) string {
	return string(b[min(i, len(b)):min(i+80, len(b))])
}

// oracleRGB is what normaliseColours replaced before it searched bytes.
var (
	oracleRGB     = regexp.MustCompile(`\s*\brgb="([^"]*)"`)
	oracleHex6or8 = regexp.MustCompile(`^(?:[0-9A-Fa-f]{6}|[0-9A-Fa-f]{8})$`)
)

func normaliseOracle(b []byte) []byte {
	return oracleRGB.ReplaceAllFunc(b, func(m []byte) []byte {
		v := string(oracleRGB.FindSubmatch(m)[1])
		switch {
		case !oracleHex6or8.MatchString(v):
			return nil
		case len(v) == 6:
			return []byte(` rgb="FF` + strings.ToUpper(v) + `"`)
		}
		return m
	})
}

// TestByteSearchesMatchOracles holds nsDecls and normaliseColours to the
// regular expressions they replace: on crafted edge cases, and on every
// XML part of every corpus workbook (where ../shared/corpus is).
func TestByteSearchesMatchOracles(t *testing.T) {
	cases := []string{
		``, `rgb="ff0000"`, ` rgb="ff0000"`, "\t\n rgb=\"ABCDEF\"", `argb="ff0000"`, `_rgb="1"`, `:rgb="ff0000"`,
		`x  rgb="12"  rgb="ffeedd"`, `rgb="abc`, `rgb="abc rgb="`, `rgb=""rgb="ffffff"`, "\f\v rgb=\"FFFFFF\"",
		`<a xmlns:p="1"   xmlns:q="2" xmlns:1x="3" xmlns:_y.z-w="4" xmlns:e=x xmlns:f="5`, "<a\txmlns:p=\"1\"\fxmlns:q=\"\">",
		`<a xmlns:p="1"xmlns:q="2" xmlns:="3" xmlns:r ="4">`, ` xmlns:a="x`,
	}
	dir := filepath.Join("..", "..", "..", "..", "shared", "corpus", "xlsx")
	corpus := corpustest.Parts(filepath.Join(dir, "*.xls[xm]"), func(name string, size uint64) bool {
		return strings.HasSuffix(name, ".xml") && size <= 1<<20
	})
	for _, b := range corpus {
		cases = append(cases, string(b))
	}
	if len(corpus) == 0 {
		t.Logf("corpus not found at %s: the crafted cases only", dir)
	}
	declared, coloured := 0, 0
	for i, c := range cases {
		b := []byte(c)
		var want [][4]int
		for _, m := range oracleNSDecl.FindAllSubmatchIndex(b, -1) {
			want = append(want, [4]int{m[0], m[1], m[2], m[3]})
		}
		if len(want) > 0 {
			declared++
		}
		if got := nsDecls(b); !slices.Equal(got, want) {
			t.Errorf("case %d: nsDecls = %v, the expression found %v in %.120q", i, got, want, c)
		}
		want2 := normaliseOracle(b)
		if !bytes.Equal(want2, b) {
			coloured++
		}
		if got, want := normaliseColours(b), want2; !bytes.Equal(got, want) {
			d := firstDiff(string(got), string(want))
			t.Errorf("case %d: normaliseColours differs at %d:\n got …%s\nwant …%s", i, d, clip(got, d), clip(want, d))
		}
	}
	// Not a vacuous pass: the crafted cases alone declare in 3 and
	// change colours in 8.
	if declared < 3 || coloured < 8 {
		t.Errorf("only %d cases declare namespaces and %d have colours changed", declared, coloured)
	}
	t.Logf("%d parts: %d declare namespaces, %d have colours changed", len(cases), declared, coloured)
}
