// The byte-level reading of a sheet's XML that the patch needs: where a
// tag, a cell and a row end, and an attribute's value, without a parser
// and without allocating, so that a sheet is streamed as it is, byte for
// byte where nothing changes.

package updated

import (
	"bytes"
	"errors"
	"regexp"
	"strconv"
)

var (
	reDimRef  = regexp.MustCompile(`\bref="([^"]*)"`)
	reColSpan = regexp.MustCompile(`\bmin="(\d+)"[^>]*\bmax="(\d+)"|\bmax="(\d+)"[^>]*\bmin="(\d+)"`)
)

// localName reads the element name at b[i] == '<' without its prefix,
// and whether the tag closes an element: "row" for "<x:row", "</row".
func localName(b []byte, i int) (name []byte, closing bool) {
	j := i + 1
	if j < len(b) && b[j] == '/' {
		closing = true
		j++
	}
	k := j
	for k < len(b) && b[k] != ' ' && b[k] != '>' && b[k] != '/' && b[k] != '\t' && b[k] != '\n' && b[k] != '\r' {
		if b[k] == ':' {
			j = k + 1
		}
		k++
	}
	return b[j:k], closing
}

// tagEnd returns the index just past the '>' closing the tag at i.
func tagEnd(b []byte, i int) int {
	quote := byte(0)
	for j := i + 1; j < len(b); j++ {
		switch c := b[j]; {
		case quote != 0:
			if c == quote {
				quote = 0
			}
		case c == '"' || c == '\'':
			quote = c
		case c == '>':
			return j + 1
		}
	}
	return len(b)
}

// attrSpan finds an unprefixed attribute of a start tag: the span of the
// whole attribute with the white space before it, and of its value.
func attrSpan(tag []byte, name string) (from, to, vFrom, vTo int, ok bool) {
	i := 1
	for i < len(tag) && !isSpace(tag[i]) && tag[i] != '>' && tag[i] != '/' {
		i++
	}
	for i < len(tag) {
		start := i
		for i < len(tag) && isSpace(tag[i]) {
			i++
		}
		n := i
		for i < len(tag) && tag[i] != '=' && !isSpace(tag[i]) && tag[i] != '>' && tag[i] != '/' {
			i++
		}
		attrName := tag[n:i]
		for i < len(tag) && isSpace(tag[i]) {
			i++
		}
		if i >= len(tag) || tag[i] != '=' || len(attrName) == 0 {
			return 0, 0, 0, 0, false
		}
		i++
		for i < len(tag) && isSpace(tag[i]) {
			i++
		}
		if i >= len(tag) || tag[i] != '"' && tag[i] != '\'' {
			return 0, 0, 0, 0, false
		}
		q := tag[i]
		end := bytes.IndexByte(tag[i+1:], q)
		if end < 0 {
			return 0, 0, 0, 0, false
		}
		vFrom, vTo = i+1, i+1+end
		i = vTo + 1
		if string(attrName) == name {
			return start, i, vFrom, vTo, true
		}
	}
	return 0, 0, 0, 0, false
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

// attr is the value of an unprefixed attribute of a start tag.
func attr(tag []byte, name string) ([]byte, bool) {
	_, _, vf, vt, ok := attrSpan(tag, name)
	return tag[vf:vt], ok
}

// withoutAttr is a start tag without one of its attributes.
func withoutAttr(tag []byte, name string) []byte {
	from, to, _, _, ok := attrSpan(tag, name)
	if !ok {
		return tag
	}
	return append(append(make([]byte, 0, len(tag)), tag[:from]...), tag[to:]...)
}

// splitAfterRow cuts a sheet's XML just after each row's end tag, with or
// without a namespace prefix ("</row>", "</x:row>").
func splitAfterRow(data []byte, atEOF bool) (int, []byte, error) {
	from := 0
	for {
		i := bytes.Index(data[from:], []byte("row>"))
		if i < 0 {
			break
		}
		i += from
		j := i - 1
		for j >= 0 && j > i-24 && data[j] != '<' && data[j] != '>' && data[j] != ' ' {
			j--
		}
		if j >= 0 && data[j] == '<' && j+1 < len(data) && data[j+1] == '/' {
			name := data[j+2 : i+3]
			if string(name) == "row" || bytes.HasSuffix(name, []byte(":row")) {
				return i + 4, data[:i+4], nil
			}
		}
		from = i + 4
	}
	if atEOF && len(data) > 0 {
		return len(data), data, nil
	}
	return 0, nil, nil
}

// cellColumn reads the column of a cell's r="AB12" attribute.
func cellColumn(tag []byte) (int, bool) {
	v, ok := attr(tag, "r")
	if !ok {
		return 0, false
	}
	col, n := 0, 0
	for ; n < len(v) && n < 3; n++ {
		c := v[n] | 0x20 // lower case
		if c < 'a' || c > 'z' {
			break
		}
		col = col*26 + int(c-'a'+1)
	}
	if n == 0 || n < len(v) && (v[n] < '0' || v[n] > '9') {
		return 0, false
	}
	return col, true
}

// cellEnd finds the end of the cell whose start tag is in[lt:end].
func cellEnd(in []byte, lt, end int) (int, error) {
	if bytes.HasSuffix(in[lt:end], []byte("/>")) {
		return end, nil
	}
	for i := end; ; {
		close := bytes.Index(in[i:], []byte("</"))
		if close < 0 {
			return 0, errors.New("unterminated cell")
		}
		i += close
		if name, _ := localName(in, i); string(name) == "c" {
			return tagEnd(in, i), nil
		}
		i += 2
	}
}

// restyled is a cell's start tag with its style set to st.
func restyled(tag []byte, st int) []byte {
	out := make([]byte, 0, len(tag)+12)
	if _, _, vf, vt, ok := attrSpan(tag, "s"); ok {
		out = append(out, tag[:vf]...)
		out = strconv.AppendInt(out, int64(st), 10)
		return append(out, tag[vt:]...)
	}
	n := 1 // after the element's name, prefixed or not
	for n < len(tag) && !isSpace(tag[n]) && tag[n] != '>' && tag[n] != '/' {
		n++
	}
	out = append(out, tag[:n]...)
	out = append(out, ` s="`...)
	out = strconv.AppendInt(out, int64(st), 10)
	out = append(out, '"')
	return append(out, tag[n:]...)
}

// findElement is where the first start tag of an element of that local
// name begins, from b[from:]; -1 if there is none.
func findElement(b []byte, from int, local string) int {
	for i := from; ; {
		k := bytes.Index(b[i:], []byte(local))
		if k < 0 {
			return -1
		}
		i += k
		j := i - 1
		for j >= 0 && j > i-24 && b[j] != '<' && b[j] != '>' && !isSpace(b[j]) && b[j] != '"' {
			j--
		}
		if j >= from && b[j] == '<' {
			if name, closing := localName(b, j); !closing && string(name) == local {
				return j
			}
		}
		i += len(local)
	}
}

// findRoot is where the root element's start tag begins, past the XML
// declaration, comments and processing instructions.
func findRoot(b []byte) int {
	for i := 0; i < len(b); {
		lt := bytes.IndexByte(b[i:], '<')
		if lt < 0 {
			return -1
		}
		i += lt
		if i+1 < len(b) && b[i+1] != '?' && b[i+1] != '!' {
			return i
		}
		i = tagEnd(b, i)
	}
	return -1
}

// qualifiedName is the name of the element at b[i] == '<' with its
// prefix: "x:worksheet".
func qualifiedName(b []byte, i int) ([]byte, bool) {
	j := i + 1
	closing := j < len(b) && b[j] == '/'
	if closing {
		j++
	}
	k := j
	for k < len(b) && !isSpace(b[k]) && b[k] != '>' && b[k] != '/' {
		k++
	}
	return b[j:k], closing
}

// legacyDrawingSpan is where a sheet's legacyDrawing element lies (-1
// if it has none).
func legacyDrawingSpan(b []byte) (from, to int) {
	from = findElement(b, 0, "legacyDrawing")
	if from < 0 {
		return -1, -1
	}
	return from, elementEnd(b, from)
}

// elementEnd is the end of the element whose start tag is at b[i]:
// past its end tag, or its start tag if empty. It holds no element of
// its own name.
func elementEnd(b []byte, i int) int {
	end := tagEnd(b, i)
	if bytes.HasSuffix(b[i:end], []byte("/>")) {
		return end
	}
	name, _ := localName(b, i)
	for j := end; ; {
		k := bytes.Index(b[j:], []byte("</"))
		if k < 0 {
			return len(b)
		}
		j += k
		if n, _ := localName(b, j); bytes.Equal(n, name) {
			return tagEnd(b, j)
		}
		j += 2
	}
}

// relID is the relationship id of an element's start tag: the value of
// its attribute whose local name is id.
func relID(tag []byte) string {
	for _, prefix := range []string{"r:id", "id"} {
		if v, ok := attr(tag, prefix); ok {
			return string(v)
		}
	}
	// Another prefix for the relationships namespace.
	if i := bytes.Index(tag, []byte(`:id="`)); i >= 0 {
		v := tag[i+5:]
		if j := bytes.IndexByte(v, '"'); j >= 0 {
			return string(v[:j])
		}
	}
	return ""
}
