// The byte-level reading of a sheet's XML that the patch needs: where a
// tag, a cell and a row end, without a parser, so that a sheet is streamed
// as it is, byte for byte where nothing changes.

package updated

import (
	"bytes"
	"errors"
	"fmt"
	"regexp"
	"strings"

	"github.com/xuri/excelize/v2"
)

var (
	reRowNum   = regexp.MustCompile(`\br="(\d+)"`)
	reCellRef  = regexp.MustCompile(`\br="([A-Za-z]+)(\d+)"`)
	reStyle    = regexp.MustCompile(`\bs="\d*"`)
	reStyleVal = regexp.MustCompile(`\bs="(\d+)"`)
	reSpans    = regexp.MustCompile(`\s+spans="[^"]*"`)
	reDimRef   = regexp.MustCompile(`\bref="([^"]*)"`)
	reColSpan  = regexp.MustCompile(`\bmin="(\d+)"[^>]*\bmax="(\d+)"|\bmax="(\d+)"[^>]*\bmin="(\d+)"`)
)

// tagName reads the element name at b[i] == '<': "row", "/row", "c".
func tagName(b []byte, i int) string {
	j := i + 1
	for j < len(b) && b[j] != ' ' && b[j] != '>' && b[j] != '/' && b[j] != '\t' && b[j] != '\n' && b[j] != '\r' {
		j++
	}
	if j < len(b) && b[j] == '/' && j == i+1 {
		// "</name": include the slash.
		k := j + 1
		for k < len(b) && b[k] != '>' && b[k] != ' ' {
			k++
		}
		return string(b[i+1 : k])
	}
	name := string(b[i+1 : j])
	if k := strings.IndexByte(name, ':'); k >= 0 {
		name = name[k+1:]
	}
	return name
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

func local(name string) string {
	name = strings.TrimPrefix(name, "/")
	if k := strings.IndexByte(name, ':'); k >= 0 {
		return name[k+1:]
	}
	return name
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
			name := string(data[j+2 : i+3])
			if name == "row" || strings.HasSuffix(name, ":row") {
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
func cellColumn(m [][]byte) (int, error) {
	if m == nil {
		return 0, errors.New("no reference")
	}
	return excelize.ColumnNameToNumber(string(m[1]))
}

// cellEnd finds the end of the cell whose start tag is in[lt:end].
func cellEnd(in []byte, lt, end int) (int, error) {
	if bytes.HasSuffix(in[lt:end], []byte("/>")) {
		return end, nil
	}
	close := bytes.Index(in[end:], []byte("</"))
	for close >= 0 {
		if local(tagName(in, end+close)) == "c" {
			return tagEnd(in, end+close), nil
		}
		next := bytes.Index(in[end+close+2:], []byte("</"))
		if next < 0 {
			break
		}
		close += 2 + next
	}
	return 0, errors.New("unterminated cell")
}

// restyled is a cell's start tag with its style set to st.
func restyled(tag []byte, st int) []byte {
	newTag := reStyle.ReplaceAll(tag, []byte(fmt.Sprintf(`s="%d"`, st)))
	if bytes.Equal(newTag, tag) {
		newTag = append(append([]byte(nil), tag[:2]...), []byte(fmt.Sprintf(` s="%d"`, st))...)
		newTag = append(newTag, tag[2:]...)
	}
	return newTag
}
