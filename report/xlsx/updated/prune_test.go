package updated

import (
	"archive/zip"
	"bytes"
	"io"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
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
