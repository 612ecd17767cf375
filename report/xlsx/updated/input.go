package updated

import (
	"archive/zip"
	"bytes"
	"errors"
	"io"
	"regexp"
	"strings"

	"innoreport/report/xlsx"
)

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

// input makes the bureau's package one excelize can update into a valid
// one, in one pass over it: Strict namespaces become transitional, a
// workbook with no styles part gets one (excelize panics adding a style
// without it), and each of the bureau's sheets is handed to it as a
// stand-in without cells (see bigParts): excelize only carries a sheet
// through, or places comments on it, and would read its whole XML into
// memory to do so. finish puts the original back, patched.
func (u *updater) input(src []byte) ([]byte, error) {
	zr, err := zip.NewReader(bytes.NewReader(src), int64(len(src)))
	if err != nil {
		return nil, err
	}
	files := map[string]*zip.File{}
	for _, f := range zr.File {
		files[strings.ToLower(f.Name)] = f
	}
	u.inputs = files
	u.strict, u.addStyles = inputNeeds(files)
	if u.originals, err = u.bigParts(zr, files); err != nil {
		return nil, err
	}
	// excelize never changes the theme but parses it at open and writes
	// it again, a twentieth of the 39-task workbook's writing; it is
	// kept from it and put back as it was.
	u.theme = files[themePart]
	if !u.strict && !u.addStyles && len(u.originals) == 0 && len(u.stubs) == 0 && u.theme == nil {
		return src, nil
	}
	var out bytes.Buffer
	zw := zip.NewWriter(&out)
	for _, f := range zr.File {
		if err := u.inputPart(zw, f); err != nil {
			return nil, err
		}
	}
	if u.addStyles {
		if err := writePart(zw, "xl/styles.xml", []byte(minimalStyles)); err != nil {
			return nil, err
		}
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return out.Bytes(), nil
}

// themePart is the theme excelize reads, by lower-case name.
const themePart = "xl/theme/theme1.xml"

// inputNeeds tells whether a package is Strict and whether it lacks a
// styles part. A package this cannot read goes to excelize as it is, to
// be updated or refused there.
func inputNeeds(files map[string]*zip.File) (strict, addStyles bool) {
	wbXML, err := readZipFile(files["xl/workbook.xml"])
	if err != nil {
		return false, false
	}
	strict = bytes.Contains(wbXML, []byte("http://purl.oclc.org/ooxml/"))
	rels, err := readZipFile(files["xl/_rels/workbook.xml.rels"])
	if strict {
		rels = []byte(strictToTransitional.Replace(string(rels)))
	}
	return strict, err == nil && !hasStyles(rels, files)
}

// bigParts finds the bureau's sheets' parts, by lower-case part name:
// every one is handed to excelize as a stand-in and put back by finish,
// patched where the patch changes it, else copied as it was compressed.
// excelize parsed and wrote back any sheet it was asked to comment on,
// which at 39 tasks was 40% of writing the workbook. innoreport's own
// sheets from an earlier build are stubbed too, with no original to put
// back: they are replaced.
func (u *updater) bigParts(zr *zip.Reader, files map[string]*zip.File) (map[string]*zip.File, error) {
	if len(u.big) == 0 {
		return nil, nil
	}
	parts, err := xlsx.PartsOf(zr)
	if err != nil {
		return nil, err
	}
	originals := map[string]*zip.File{}
	u.stubs, u.legacy = map[string][]byte{}, map[string]string{}
	for sheet, part := range parts.Sheets {
		_, read := u.big[sheet]
		switch {
		case !read || files[part] == nil:
		case sheet == u.n.summary || sheet == u.n.indicators || sheet == u.n.findings:
			u.stubs[part] = []byte(stub)
		case u.big[sheet]:
			originals[part] = files[part]
			u.stubs[part] = []byte(stub)
		default:
			b, err := readZipFile(files[part])
			if err != nil {
				return nil, err
			}
			if u.strict {
				b = []byte(strictToTransitional.Replace(string(b)))
			}
			originals[part] = files[part]
			u.stubs[part] = stubOf(b)
			if from, to := legacyDrawingSpan(b); from >= 0 {
				u.legacy[part] = relID(b[from:to])
			}
		}
	}
	return originals, nil
}

// stubOf is the stand-in of a sheet that may get comments: what precedes
// its rows and the rows' heights, empty (widths and heights size a
// comment's box), and its
// legacyDrawing (where its comments are drawn), around no rows. finish
// carries what excelize makes of the legacyDrawing into the original.
func stubOf(b []byte) []byte {
	data := findElement(b, 0, "sheetData")
	root := findRoot(b)
	if data < 0 || root < 0 {
		return []byte(stub)
	}
	rootName, _ := qualifiedName(b, root)
	dataName, _ := qualifiedName(b, data)
	out := append([]byte(nil), b[:data]...)
	out = append(append(append(out, '<'), dataName...), '>')
	out = append(out, rowHeights(b, data)...)
	out = append(append(append(out, "</"...), dataName...), '>')
	if from, to := legacyDrawingSpan(b); from >= 0 {
		out = append(out, b[from:to]...)
	}
	return append(append(append(out, "</"...), rootName...), '>')
}

// stub is the empty sheet excelize carries in place of a big one.
const stub = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>` +
	`<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData/></worksheet>`

// inputPart copies one part of the input for excelize, as input says.
func (u *updater) inputPart(zw *zip.Writer, f *zip.File) error {
	name := strings.ToLower(f.Name)
	xmlPart := strings.HasSuffix(name, ".xml") || strings.HasSuffix(name, ".rels") || strings.HasSuffix(name, ".vml")
	edit := u.addStyles && (name == "xl/_rels/workbook.xml.rels" || name == "[content_types].xml")
	switch {
	case name == themePart:
		return nil // put back by finish
	case u.stubs[name] != nil:
		// Stored: only excelize reads this package, and only once.
		w, err := zw.CreateHeader(&zip.FileHeader{Name: f.Name, Method: zip.Store})
		if err != nil {
			return err
		}
		_, err = w.Write(u.stubs[name])
		return err
	case u.addStyles && name == "xl/styles.xml":
		return nil // an orphan: replaced by input
	case edit:
		b, err := readZipFile(f)
		if err != nil {
			return err
		}
		if u.strict {
			b = []byte(strictToTransitional.Replace(string(b)))
		}
		if name == "[content_types].xml" {
			b = insertBefore(b, "</Types>", `<Override PartName="/xl/styles.xml" ContentType="`+ctStyles+`"/>`)
		} else {
			b = insertBefore(b, "</Relationships>", `<Relationship Id="rIdInnoreportStyles" Type="`+relStyles+`" Target="styles.xml"/>`)
		}
		return writePart(zw, f.Name, b)
	case u.strict && xmlPart:
		return copyPart(zw, f, true)
	}
	return zw.Copy(f)
}

// copyPart writes a part anew, its Strict namespaces made transitional
// where strict is set.
func copyPart(zw *zip.Writer, f *zip.File, strict bool) error {
	rc, err := openPart(f, strict)
	if err != nil {
		return err
	}
	defer rc.Close()
	w, err := zw.CreateHeader(&zip.FileHeader{Name: f.Name, Method: zip.Deflate})
	if err != nil {
		return err
	}
	_, err = io.Copy(w, rc)
	return err
}

// openPart opens a part, through transitional where strict is set.
func openPart(f *zip.File, strict bool) (io.ReadCloser, error) {
	rc, err := f.Open()
	if err != nil || !strict {
		return rc, err
	}
	return struct {
		io.Reader
		io.Closer
	}{&transitional{r: rc}, rc}, nil
}

// transitional reads XML with its Strict namespaces made transitional,
// converting up to the last '>' read, so that no namespace, which lies
// inside a tag, is cut: a sheet of 100,000 rows is never held whole.
type transitional struct {
	r               io.Reader
	chunk, buf, out []byte
	eof             bool
}

func (t *transitional) Read(p []byte) (int, error) {
	for len(t.out) == 0 {
		if t.eof {
			return 0, io.EOF
		}
		if t.chunk == nil {
			t.chunk = make([]byte, 64<<10)
		}
		n, err := t.r.Read(t.chunk)
		t.buf = append(t.buf, t.chunk[:n]...)
		cut := bytes.LastIndexByte(t.buf, '>') + 1
		switch {
		case err == io.EOF:
			t.eof, cut = true, len(t.buf)
		case err != nil:
			return 0, err
		}
		t.out = []byte(strictToTransitional.Replace(string(t.buf[:cut])))
		t.buf = append(t.buf[:0], t.buf[cut:]...)
	}
	n := copy(p, t.out)
	t.out = t.out[n:]
	return n, nil
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

// rowHeights are the start tags of the rows with a height, from
// b[from:], each closed empty.
func rowHeights(b []byte, from int) []byte {
	var out []byte
	for i := findElement(b, from, "row"); i >= 0; {
		end := tagEnd(b, i)
		tag := b[i:end]
		i = findElement(b, end, "row")
		if _, ok := attr(tag, "ht"); !ok {
			continue
		}
		if !bytes.HasSuffix(tag, []byte("/>")) {
			out = append(append(out, tag[:len(tag)-1]...), "/>"...)
		} else {
			out = append(out, tag...)
		}
	}
	return out
}
