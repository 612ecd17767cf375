// Package ooxmlcheck says what is wrong with a spreadsheet package in the
// ways readers stumble on: an XML part that does not parse or uses a
// prefix it never declares, a relationship to a part that is not there, a
// part with no content type, a colour that is not aRGB, a Strict namespace
// left among transitional ones. Tests of the updated workbook use it.
package ooxmlcheck

import (
	"archive/zip"
	"bytes"
	"encoding/xml"
	"fmt"
	"io"
	"maps"
	"net/url"
	"path"
	"regexp"
	"slices"
	"strings"
)

var (
	reARGB = regexp.MustCompile(`^[0-9A-Fa-f]{8}$`)
	reRGB  = regexp.MustCompile(`^[0-9A-Fa-f]{6}$`)
)

// Problems lists what is wrong with the package data, one line each,
// naming the part; none for a sound package.
func Problems(data []byte) []string {
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return []string{"not a zip: " + err.Error()}
	}
	parts := map[string]*zip.File{}
	for _, f := range zr.File {
		if !strings.HasSuffix(f.Name, "/") {
			parts[strings.ToLower(f.Name)] = f
		}
	}
	ct := parts["[content_types].xml"]
	if ct == nil {
		return []string{"no [Content_Types].xml"}
	}
	defaults, overrides, out := contentTypes(ct)
	for _, name := range slices.Sorted(maps.Keys(parts)) {
		f := parts[name]
		if strings.HasPrefix(name, "[trash]/") {
			continue // what Office 2007 left of deleted parts; readers skip it
		}
		ext := strings.TrimPrefix(path.Ext(name), ".")
		if name != "[content_types].xml" && !overrides[name] && !defaults[ext] {
			out = append(out, f.Name+": no content type")
		}
		if ext != "xml" && ext != "rels" && ext != "vml" {
			continue
		}
		for _, p := range partProblems(name, f, ext, parts) {
			out = append(out, f.Name+": "+p)
		}
	}
	return out
}

func readPart(f *zip.File) ([]byte, error) {
	rc, err := f.Open()
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	return io.ReadAll(rc)
}

// contentTypes reads [Content_Types].xml: the extensions with a default
// type and the parts (lower case, no leading /) with their own.
func contentTypes(ct *zip.File) (defaults, overrides map[string]bool, problems []string) {
	defaults, overrides = map[string]bool{}, map[string]bool{}
	b, err := readPart(ct)
	if err != nil {
		return defaults, overrides, nil
	}
	var types struct {
		Default []struct {
			Extension string `xml:",attr"`
		}
		Override []struct {
			PartName string `xml:",attr"`
		}
	}
	if err := xml.Unmarshal(b, &types); err != nil {
		problems = append(problems, fmt.Sprintf("[Content_Types].xml: %v", err))
	}
	for _, d := range types.Default {
		defaults[strings.ToLower(d.Extension)] = true
	}
	for _, o := range types.Override {
		overrides[strings.ToLower(strings.TrimPrefix(o.PartName, "/"))] = true
	}
	return defaults, overrides, problems
}

// partProblems checks one XML, VML or relationships part.
func partProblems(name string, f *zip.File, ext string, parts map[string]*zip.File) []string {
	b, err := readPart(f)
	if err != nil {
		return []string{err.Error()}
	}
	var out []string
	if bytes.Contains(b, []byte("purl.oclc.org/ooxml/")) {
		out = append(out, "a Strict OOXML namespace in a transitional package")
	}
	out = append(out, xmlProblems(b, ext == "vml")...)
	if ext == "rels" {
		out = append(out, relProblems(name, b, parts)...)
	}
	return out
}

// xmlProblems parses an XML part whole: well-formed, every prefix
// declared, every colour aRGB.
func xmlProblems(b []byte, vml bool) []string {
	var out []string
	d := xml.NewDecoder(bytes.NewReader(b))
	if vml {
		// VML is HTML-like: Office's own files leave <br> open.
		d.Strict = false
		d.AutoClose = xml.HTMLAutoClose
	}
	if enc := declaredEncoding(b); enc != "" && !strings.EqualFold(enc, "utf-8") {
		return nil // Go's decoder reads UTF-8 only; such parts are rare and carried as they are
	}
	// The decoder resolves a declared prefix to its namespace and leaves
	// an undeclared one as it is: a name whose space was never declared
	// has an undeclared prefix.
	declared := map[string]bool{"xml": true, "xmlns": true, "http://www.w3.org/XML/1998/namespace": true}
	undeclared := func(n xml.Name) bool { return n.Space != "" && !declared[n.Space] }
	for {
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			return append(out, err.Error())
		}
		se, ok := tok.(xml.StartElement)
		if !ok {
			continue
		}
		for _, a := range se.Attr {
			if a.Name.Space == "xmlns" || a.Name.Space == "" && a.Name.Local == "xmlns" {
				declared[a.Value] = true
			}
		}
		if undeclared(se.Name) && !vml {
			out = append(out, fmt.Sprintf("element %s:%s uses an undeclared prefix", se.Name.Space, se.Name.Local))
		}
		for _, a := range se.Attr {
			if undeclared(a.Name) && !vml {
				out = append(out, fmt.Sprintf("attribute %s:%s of <%s> uses an undeclared prefix", a.Name.Space, a.Name.Local, se.Name.Local))
			}
			switch {
			case a.Name.Local == "rgb" && a.Name.Space == "" && !reARGB.MatchString(a.Value):
				out = append(out, fmt.Sprintf("<%s rgb=%q>: not an eight-digit aRGB colour", se.Name.Local, a.Value))
			case se.Name.Local == "srgbClr" && a.Name.Local == "val" && !reRGB.MatchString(a.Value):
				out = append(out, fmt.Sprintf("<srgbClr val=%q>: not a six-digit RGB colour", a.Value))
			}
		}
	}
	return out
}

// relProblems checks that each internal target of a relationships part
// exists.
func relProblems(name string, b []byte, parts map[string]*zip.File) []string {
	var rels struct {
		Relationship []struct {
			ID         string `xml:"Id,attr"`
			Target     string `xml:",attr"`
			TargetMode string `xml:",attr"`
		}
	}
	if err := xml.Unmarshal(b, &rels); err != nil {
		return nil // reported by xmlProblems
	}
	// xl/_rels/workbook.xml.rels is relative to xl/.
	base := path.Dir(path.Dir(name))
	if base == "." {
		base = ""
	}
	var out []string
	for _, r := range rels.Relationship {
		if strings.EqualFold(r.TargetMode, "External") {
			continue
		}
		t := r.Target
		if strings.HasPrefix(t, "#") {
			continue // a place in the workbook, not a part
		}
		if u, err := url.PathUnescape(t); err == nil {
			t = u
		}
		if strings.HasPrefix(t, "/") {
			t = t[1:]
		} else {
			// As URIs resolve: ".." above the package's root stays there.
			t = strings.TrimPrefix(path.Join("/", base, t), "/")
		}
		if parts[strings.ToLower(t)] == nil {
			out = append(out, fmt.Sprintf("relationship %s: target %s is not in the package", r.ID, r.Target))
		}
	}
	return out
}

var reEncoding = regexp.MustCompile(`^\s*<\?xml[^>]*\bencoding=["']([^"']+)["']`)

// declaredEncoding is the encoding an XML declaration names, "UTF-16"
// for a UTF-16 byte-order mark, or "".
func declaredEncoding(b []byte) string {
	if bytes.HasPrefix(b, []byte{0xFF, 0xFE}) || bytes.HasPrefix(b, []byte{0xFE, 0xFF}) {
		return "UTF-16"
	}
	if m := reEncoding.FindSubmatch(bytes.TrimPrefix(b, []byte("\xEF\xBB\xBF"))); m != nil {
		return string(m[1])
	}
	return ""
}
