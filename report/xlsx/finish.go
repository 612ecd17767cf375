package xlsx

import (
	"archive/zip"
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"
)

// What innoreport does to the package around excelize: before it, a
// Strict workbook is made transitional and a missing styles part added;
// after it, the findings' fills are added to the styles by copying the
// original cell formats, and the stored values of formulas are typed.

// strictToTransitional maps ECMA-376 Strict namespaces to their
// transitional twins, longest first (strings.Replacer tries them in
// order). excelize reads Strict but writes a mixture: its own parts
// transitional, with a prefix it never declares, the rest as they were.
var strictToTransitional = strings.NewReplacer(
	"http://purl.oclc.org/ooxml/officeDocument/relationships/extendedProperties", "http://schemas.openxmlformats.org/officeDocument/2006/relationships/extended-properties",
	"http://purl.oclc.org/ooxml/officeDocument/relationships/customProperties", "http://schemas.openxmlformats.org/officeDocument/2006/relationships/custom-properties",
	"http://purl.oclc.org/ooxml/officeDocument/relationships", "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
	"http://purl.oclc.org/ooxml/officeDocument/extendedProperties", "http://schemas.openxmlformats.org/officeDocument/2006/extended-properties",
	"http://purl.oclc.org/ooxml/officeDocument/customProperties", "http://schemas.openxmlformats.org/officeDocument/2006/custom-properties",
	"http://purl.oclc.org/ooxml/officeDocument/docPropsVTypes", "http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes",
	"http://purl.oclc.org/ooxml/officeDocument/math", "http://schemas.openxmlformats.org/officeDocument/2006/math",
	"http://purl.oclc.org/ooxml/officeDocument/bibliography", "http://schemas.openxmlformats.org/officeDocument/2006/bibliography",
	"http://purl.oclc.org/ooxml/officeDocument/sharedTypes", "http://schemas.openxmlformats.org/officeDocument/2006/sharedTypes",
	"http://purl.oclc.org/ooxml/officeDocument/customXml", "http://schemas.openxmlformats.org/officeDocument/2006/customXml",
	"http://purl.oclc.org/ooxml/spreadsheetml/main", "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
	"http://purl.oclc.org/ooxml/schemaLibrary/main", "http://schemas.openxmlformats.org/schemaLibrary/2006/main",
	"http://purl.oclc.org/ooxml/drawingml/", "http://schemas.openxmlformats.org/drawingml/2006/",
	` conformance="strict"`, "",
)

// minimalStyles stands in for a missing styles part: one font, the two
// fills the schema reserves, one border, one cell format.
const minimalStyles = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><fonts count="1"><font><sz val="11"/><name val="Calibri"/></font></fonts><fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill></fills><borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders><cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs><cellXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/></cellXfs><cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles></styleSheet>`

const (
	relStyles = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles"
	ctStyles  = "application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"
)

// prepareInput makes the package one excelize can update into a valid
// one: Strict namespaces become transitional, and a workbook with no
// styles part gets one (excelize panics adding a style without it).
func prepareInput(src []byte) ([]byte, error) {
	zr, err := zip.NewReader(bytes.NewReader(src), int64(len(src)))
	if err != nil {
		return nil, err
	}
	parts := map[string]*zip.File{}
	for _, f := range zr.File {
		parts[strings.ToLower(f.Name)] = f
	}
	// A package this cannot read goes to excelize as it is, to be
	// updated or refused there as before.
	wbXML, err := readZipFile(parts["xl/workbook.xml"])
	if err != nil {
		return src, nil
	}
	strict := bytes.Contains(wbXML, []byte("http://purl.oclc.org/ooxml/"))
	rels, err := readZipFile(parts["xl/_rels/workbook.xml.rels"])
	if strict {
		rels = []byte(strictToTransitional.Replace(string(rels)))
	}
	addStyles := err == nil && !hasStyles(rels, parts)
	if !strict && !addStyles {
		return src, nil
	}
	var out bytes.Buffer
	zw := zip.NewWriter(&out)
	for _, f := range zr.File {
		name := strings.ToLower(f.Name)
		xmlPart := strings.HasSuffix(name, ".xml") || strings.HasSuffix(name, ".rels") || strings.HasSuffix(name, ".vml")
		if addStyles && name == "xl/styles.xml" {
			continue // an orphan: replaced below
		}
		edit := addStyles && (name == "xl/_rels/workbook.xml.rels" || name == "[content_types].xml")
		if !(strict && xmlPart) && !edit {
			if err := zw.Copy(f); err != nil {
				return nil, err
			}
			continue
		}
		b, err := readZipFile(f)
		if err != nil {
			return nil, err
		}
		if strict && xmlPart {
			b = []byte(strictToTransitional.Replace(string(b)))
		}
		if addStyles {
			switch name {
			case "xl/_rels/workbook.xml.rels":
				b = insertBefore(b, "</Relationships>", `<Relationship Id="rIdInnoreportStyles" Type="`+relStyles+`" Target="styles.xml"/>`)
			case "[content_types].xml":
				b = insertBefore(b, "</Types>", `<Override PartName="/xl/styles.xml" ContentType="`+ctStyles+`"/>`)
			}
		}
		w, err := zw.CreateHeader(&zip.FileHeader{Name: f.Name, Method: zip.Deflate})
		if err != nil {
			return nil, err
		}
		if _, err := w.Write(b); err != nil {
			return nil, err
		}
	}
	if addStyles {
		w, err := zw.CreateHeader(&zip.FileHeader{Name: "xl/styles.xml", Method: zip.Deflate})
		if err != nil {
			return nil, err
		}
		if _, err := io.WriteString(w, minimalStyles); err != nil {
			return nil, err
		}
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return out.Bytes(), nil
}

func readZipFile(f *zip.File) ([]byte, error) {
	if f == nil {
		return nil, errors.New("xlsx: the package has no workbook part")
	}
	rc, err := f.Open()
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	return io.ReadAll(rc)
}

func insertBefore(b []byte, end, what string) []byte {
	i := bytes.LastIndex(b, []byte(end))
	if i < 0 {
		return b
	}
	return append(append(append([]byte(nil), b[:i]...), what...), b[i:]...)
}

var reRelationship = regexp.MustCompile(`<(?:\w+:)?Relationship\s[^>]*>`)

// hasStyles reports whether the workbook's relationships name a styles
// part that is in the package and holds cell formats.
func hasStyles(rels []byte, parts map[string]*zip.File) bool {
	for _, m := range reRelationship.FindAll(rels, -1) {
		if !bytes.Contains(m, []byte(`/styles"`)) {
			continue
		}
		t := regexp.MustCompile(`Target="([^"]*)"`).FindSubmatch(m)
		if t == nil {
			return false
		}
		target := string(t[1])
		if strings.HasPrefix(target, "/") {
			target = target[1:]
		} else {
			target = "xl/" + target
		}
		b, err := readZipFile(parts[strings.ToLower(target)])
		return err == nil && bytes.Contains(b, []byte("cellXfs"))
	}
	return false
}

// fillXf is a cell format innoreport adds: the original cell's format
// with a solid fill, for a finding.
type fillXf struct {
	orig  int    // the cell's original xf index
	color string // RRGGBB
}

// addFillXfs copies each requested cell format in the styles part
// excelize wrote, as XML, with a fill added; the copies are numbered from
// the returned base. Copying the xf itself keeps the original's fonts,
// borders, number format and alignment exactly as they were, theme and
// indexed colours included; a round trip through excelize's Style would
// rewrite their colours, and not always validly.
func addFillXfs(styles []byte, add []fillXf) ([]byte, int, error) {
	var (
		d                    = xml.NewDecoder(bytes.NewReader(styles))
		depth                int
		in                   string // the depth-1 element we are in
		fillsStart, fillsEnd = -1, -1
		xfsStart, xfsEnd     = -1, -1
		nFills               int
		xfs                  [][2]int // each cellXfs/xf's span
		xfStart              int
	)
	for {
		before := int(d.InputOffset())
		tok, err := d.RawToken()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, 0, err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			depth++
			if depth == 2 {
				in = t.Name.Local
				switch in {
				case "fills":
					fillsStart = before
				case "cellXfs":
					xfsStart = before
				}
			}
			if depth == 3 && in == "fills" && t.Name.Local == "fill" {
				nFills++
			}
			if depth == 3 && in == "cellXfs" && t.Name.Local == "xf" {
				xfStart = before
			}
		case xml.EndElement:
			if depth == 3 && in == "cellXfs" && t.Name.Local == "xf" {
				xfs = append(xfs, [2]int{xfStart, int(d.InputOffset())})
			}
			if depth == 2 {
				switch t.Name.Local {
				case "fills":
					fillsEnd = before
				case "cellXfs":
					xfsEnd = before
				}
				in = ""
			}
			depth--
		}
	}
	if fillsStart < 0 || xfsStart < 0 || fillsEnd < fillsStart || xfsEnd < xfsStart || fillsEnd > xfsStart {
		return nil, 0, errors.New("xlsx: the styles part has no fills or cell formats in order")
	}
	var fills, newXfs strings.Builder
	fillIDs := map[string]int{}
	for _, a := range add {
		id, ok := fillIDs[a.color]
		if !ok {
			id = nFills + len(fillIDs)
			fillIDs[a.color] = id
			fmt.Fprintf(&fills, `<fill><patternFill patternType="solid"><fgColor rgb="FF%s"/><bgColor indexed="64"/></patternFill></fill>`, a.color)
		}
		xf := `<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>`
		switch {
		case a.orig >= 0 && a.orig < len(xfs):
			xf = string(styles[xfs[a.orig][0]:xfs[a.orig][1]])
		case len(xfs) > 0:
			xf = string(styles[xfs[0][0]:xfs[0][1]])
		}
		newXfs.WriteString(withFill(xf, id))
	}
	fillsOpen, xfsOpen := tagEnd(styles, fillsStart), tagEnd(styles, xfsStart)
	if bytes.HasSuffix(styles[fillsStart:fillsOpen], []byte("/>")) || bytes.HasSuffix(styles[xfsStart:xfsOpen], []byte("/>")) {
		return nil, 0, errors.New("xlsx: the styles part has empty fills or cell formats")
	}
	var out bytes.Buffer
	out.Write(styles[:fillsStart])
	out.WriteString(withCount(string(styles[fillsStart:fillsOpen]), nFills+len(fillIDs)))
	out.Write(styles[fillsOpen:fillsEnd])
	out.WriteString(fills.String())
	out.Write(styles[fillsEnd:xfsStart])
	out.WriteString(withCount(string(styles[xfsStart:xfsOpen]), len(xfs)+len(add)))
	out.Write(styles[xfsOpen:xfsEnd])
	out.WriteString(newXfs.String())
	out.Write(styles[xfsEnd:])
	return out.Bytes(), len(xfs), nil
}

var (
	reCount   = regexp.MustCompile(`\bcount="[^"]*"`)
	reFillID  = regexp.MustCompile(`\bfillId="[^"]*"`)
	reApplyFl = regexp.MustCompile(`\bapplyFill="[^"]*"`)
)

// setAttr sets an attribute in a start tag, matched by re, to name="val".
func setAttr(tag string, re *regexp.Regexp, attr string) string {
	if re.MatchString(tag) {
		return re.ReplaceAllLiteralString(tag, attr)
	}
	if strings.HasSuffix(tag, "/>") {
		return tag[:len(tag)-2] + " " + attr + "/>"
	}
	return tag[:len(tag)-1] + " " + attr + ">"
}

// withCount sets a start tag's count attribute.
func withCount(tag string, n int) string {
	return setAttr(tag, reCount, `count="`+strconv.Itoa(n)+`"`)
}

// withFill sets an xf's fill and says it applies.
func withFill(xf string, fill int) string {
	end := tagEnd([]byte(xf), 0)
	tag, rest := xf[:end], xf[end:]
	tag = setAttr(tag, reFillID, `fillId="`+strconv.Itoa(fill)+`"`)
	tag = setAttr(tag, reApplyFl, `applyFill="1"`)
	return tag + rest
}

// reStrCell finds a cell whose stored value excelize typed as a string.
var reStrCell = regexp.MustCompile(`<c r="([A-Z]+[0-9]+)"([^>]*?) t="str"`)

// typeNumbers drops t="str" from the formula cells of a sheet whose
// stored values are numbers: excelize types every formula's value as a
// string, and readers that do not recalculate then show text.
func typeNumbers(sheet []byte, numbers map[string]bool) []byte {
	return reStrCell.ReplaceAllFunc(sheet, func(m []byte) []byte {
		sub := reStrCell.FindSubmatch(m)
		if !numbers[string(sub[1])] {
			return m
		}
		return append(append([]byte(`<c r="`), sub[1]...), append([]byte(`"`), sub[2]...)...)
	})
}

var (
	reNSDecl = regexp.MustCompile(`\s+xmlns:([A-Za-z_][\w.-]*)="[^"]*"`)
	rePrefix = regexp.MustCompile(`(?:<|</|\s)([A-Za-z_][\w.-]*):[A-Za-z_]`)
	// Markup compatibility names prefixes in attribute values.
	reIgnored = regexp.MustCompile(`\b(?:Ignorable|Requires|ProcessContent|PreserveElements|PreserveAttributes|MustUnderstand)="([^"]*)"`)
)

// pruneNamespaces drops the namespace declarations of a part's root
// element whose prefixes the part never uses. excelize declares some
// forty on every part it writes; gnumeric warns about several.
func pruneNamespaces(b []byte) []byte {
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
	for _, m := range rePrefix.FindAllSubmatch(body, -1) {
		used[string(m[1])] = true
	}
	for _, m := range rePrefix.FindAllSubmatch(reNSDecl.ReplaceAll(root, nil), -1) {
		used[string(m[1])] = true
	}
	for _, m := range reIgnored.FindAllSubmatch(b, -1) {
		for _, p := range strings.Fields(string(m[1])) {
			p, _, _ = strings.Cut(p, ":")
			used[p] = true
		}
	}
	pruned := reNSDecl.ReplaceAllFunc(root, func(d []byte) []byte {
		if used[string(reNSDecl.FindSubmatch(d)[1])] {
			return d
		}
		return nil
	})
	return append(append(append([]byte(nil), b[:start]...), pruned...), body...)
}

var (
	reRGB     = regexp.MustCompile(`\s*\brgb="([^"]*)"`)
	reHex6or8 = regexp.MustCompile(`^(?:[0-9A-Fa-f]{6}|[0-9A-Fa-f]{8})$`)
)

// normaliseColours makes every colour of a styles part eight-digit aRGB,
// as the schema wants and openpyxl insists: six digits get an opaque
// alpha, and what is no colour at all ("", "0", "FED+", written by some
// libraries) is dropped, leaving the reader's automatic colour.
func normaliseColours(b []byte) []byte {
	return reRGB.ReplaceAllFunc(b, func(m []byte) []byte {
		v := string(reRGB.FindSubmatch(m)[1])
		switch {
		case !reHex6or8.MatchString(v):
			return nil
		case len(v) == 6:
			return []byte(` rgb="FF` + strings.ToUpper(v) + `"`)
		}
		return m
	})
}
