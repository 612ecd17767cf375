package updated

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"html"
	"io"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/xuri/excelize/v2"
)

// sheetPatch is what the updated workbook changes in one of the bureau's
// own sheets. It is applied to the sheet's XML as a stream of bytes, so a
// sheet of 100,000 rows is never loaded into excelize's structs (whose
// every cell write scans every merged range: hours at that size).
type sheetPatch struct {
	cells       map[int][]newCell          // row (1-based) → cells to add, in column order
	restyle     map[int]map[int]int        // row → column (1-based) → new style id (fills; finish numbers them)
	drop        [2]int                     // columns (1-based, inclusive) whose old cells are replaced
	headerStyle struct{ row, fromCol int } // the added header cells copy the style of this cell
	cf          string                     // conditionalFormatting XML to insert
	cfSqref     string                     // its range: an older one for the same range is dropped
	cols        []colWidth                 // widths of the added columns
	maxCol      int                        // for the dimension
}

type newCell struct {
	col    int    // 1-based
	style  int    // -1: copy the header style
	text   string // written as an inline string when num is false
	num    bool
	number float64
}

type colWidth struct {
	col   int
	width float64
}

func (c newCell) xml(row, headerStyle int) string {
	st := c.style
	if st < 0 {
		st = headerStyle
	}
	ref := cellName(c.col, row)
	sattr := ""
	if st > 0 {
		sattr = fmt.Sprintf(` s="%d"`, st)
	}
	if c.num {
		return fmt.Sprintf(`<c r="%s"%s><v>%s</v></c>`, ref, sattr, strconv.FormatFloat(c.number, 'f', -1, 64))
	}
	if c.text == "" {
		return fmt.Sprintf(`<c r="%s"%s/>`, ref, sattr)
	}
	return fmt.Sprintf(`<c r="%s"%s t="inlineStr"><is><t xml:space="preserve">%s</t></is></c>`, ref, sattr, html.EscapeString(c.text))
}

var (
	reRowNum   = regexp.MustCompile(`\br="(\d+)"`)
	reCellRef  = regexp.MustCompile(`\br="([A-Za-z]+)(\d+)"`)
	reStyle    = regexp.MustCompile(`\bs="\d*"`)
	reStyleVal = regexp.MustCompile(`\bs="(\d+)"`)
	reSpans    = regexp.MustCompile(`\s+spans="[^"]*"`)
	reDimRef   = regexp.MustCompile(`\bref="([^"]*)"`)
	reColSpan  = regexp.MustCompile(`\bmin="(\d+)"[^>]*\bmax="(\d+)"|\bmax="(\d+)"[^>]*\bmin="(\d+)"`)
)

// elementsAfterCF are the worksheet children that must follow
// conditionalFormatting, in the schema's order.
var elementsAfterCF = []string{"dataValidations", "hyperlinks", "printOptions", "pageMargins", "pageSetup",
	"headerFooter", "rowBreaks", "colBreaks", "customProperties", "cellWatches", "ignoredErrors", "smartTags",
	"drawing", "legacyDrawing", "legacyDrawingHF", "drawingHF", "picture", "oleObjects", "controls",
	"webPublishItems", "tableParts", "extLst"}

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

// patchState is what apply carries from one piece of a sheet to the next.
type patchState struct {
	out         *bufio.Writer
	pending     []int // rows still to visit, ascending
	pi          int
	headerStyle int
	cfDone      bool
	colsDone    bool
}

// apply rewrites a worksheet's XML read from r with the patch, writing it
// to w. The input is taken in pieces that end just after a "</row>", so a
// 95 MB sheet never sits in memory whole, and no tag is ever cut.
func (p *sheetPatch) apply(w io.Writer, r io.Reader) error {
	st := &patchState{out: bufio.NewWriterSize(w, 1<<16), cfDone: p.cf == "", colsDone: len(p.cols) == 0}
	st.pending = slices.Sorted(func(yield func(int) bool) {
		for r := range p.cells {
			if !yield(r) {
				return
			}
		}
		for r := range p.restyle {
			if _, ok := p.cells[r]; !ok {
				if !yield(r) {
					return
				}
			}
		}
	})
	st.pending = slices.Compact(st.pending)
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 1<<20), 256<<20)
	sc.Split(splitAfterRow)
	for sc.Scan() {
		if err := p.piece(st, sc.Bytes()); err != nil {
			return err
		}
	}
	if err := sc.Err(); err != nil {
		return err
	}
	return st.out.Flush()
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

func (p *sheetPatch) flushBefore(st *patchState, r int) {
	for st.pi < len(st.pending) && st.pending[st.pi] < r {
		row := st.pending[st.pi]
		fmt.Fprintf(st.out, `<row r="%d">`, row)
		p.emitCells(st.out, row, 0, st.headerStyle)
		st.out.WriteString(`</row>`)
		st.pi++
	}
}

// piece rewrites one piece of the sheet.
func (p *sheetPatch) piece(st *patchState, in []byte) error {
	out := st.out
	i := 0
	for i < len(in) {
		lt := bytes.IndexByte(in[i:], '<')
		if lt < 0 {
			out.Write(in[i:])
			break
		}
		lt += i
		out.Write(in[i:lt])
		if bytes.HasPrefix(in[lt:], []byte("<!--")) {
			end := bytes.Index(in[lt:], []byte("-->"))
			if end < 0 {
				return fmt.Errorf("unterminated comment")
			}
			out.Write(in[lt : lt+end+3])
			i = lt + end + 3
			continue
		}
		end := tagEnd(in, lt)
		tag := in[lt:end]
		name := tagName(in, lt)
		switch local(name) {
		case "dimension":
			if !strings.HasPrefix(name, "/") {
				tag = p.dimension(tag)
			}
		case "cols":
			if name == "/cols" && !st.colsDone {
				out.WriteString(p.colsXML())
				st.colsDone = true
			} else if !strings.HasPrefix(name, "/") && !st.colsDone && p.colsOverlap(in[lt:]) {
				st.colsDone = true // a range already covers our columns: leave widths alone
			}
		case "sheetData":
			if !st.colsDone && !strings.HasPrefix(name, "/") {
				out.WriteString("<cols>" + p.colsXML() + "</cols>")
				st.colsDone = true
			}
			if name == "/sheetData" {
				p.flushBefore(st, 1<<30)
			} else if bytes.HasSuffix(tag, []byte("/>")) {
				// <sheetData/>: open it to hold the rows.
				out.Write(tag[:len(tag)-2])
				out.WriteString(">")
				p.flushBefore(st, 1<<30)
				out.WriteString("</sheetData>")
				i = end
				continue
			}
		case "row":
			if strings.HasPrefix(name, "/") {
				break
			}
			m := reRowNum.FindSubmatch(tag)
			if m == nil {
				break
			}
			r, _ := strconv.Atoi(string(m[1]))
			p.flushBefore(st, r)
			if st.pi < len(st.pending) && st.pending[st.pi] == r {
				st.pi++
				n, err := p.row(out, in, lt, end, r, &st.headerStyle)
				if err != nil {
					return err
				}
				i = n
				continue
			}
		case "conditionalFormatting":
			if p.cfSqref != "" && !strings.HasPrefix(name, "/") && bytes.Contains(tag, []byte(`sqref="`+p.cfSqref+`"`)) {
				// innoreport's own from an earlier build: replaced below.
				close := bytes.Index(in[end:], []byte("conditionalFormatting>"))
				if close >= 0 {
					i = end + close + len("conditionalFormatting>")
					continue
				}
			}
		default:
			if !st.cfDone && !strings.HasPrefix(name, "/") && slices.Contains(elementsAfterCF, local(name)) {
				out.WriteString(p.cf)
				st.cfDone = true
			}
			if name == "/worksheet" && !st.cfDone {
				out.WriteString(p.cf)
				st.cfDone = true
			}
		}
		out.Write(tag)
		i = end
	}
	return nil
}

// row rewrites one <row> element starting at in[start:tagEnd], returning
// where the input continues.
func (p *sheetPatch) row(out *bufio.Writer, in []byte, start, tagEndAt, r int, headerStyle *int) (int, error) {
	tag := reSpans.ReplaceAll(in[start:tagEndAt], nil)
	selfClosing := bytes.HasSuffix(tag, []byte("/>"))
	if selfClosing {
		tag = append(bytes.TrimSuffix(tag, []byte("/>")), '>')
	}
	out.Write(tag)
	i := tagEndAt
	col := 0 // last column seen, 1-based
	if !selfClosing {
		for i < len(in) {
			lt := bytes.IndexByte(in[i:], '<')
			if lt < 0 {
				return 0, fmt.Errorf("unterminated row %d", r)
			}
			lt += i
			out.Write(in[i:lt])
			end := tagEnd(in, lt)
			name := tagName(in, lt)
			if name == "/row" || local(name) == "row" && strings.HasPrefix(name, "/") {
				i = end
				break
			}
			if local(name) != "c" || strings.HasPrefix(name, "/") {
				out.Write(in[lt:end])
				i = end
				continue
			}
			// A cell: find its end and its column.
			cellEnd := end
			if !bytes.HasSuffix(in[lt:end], []byte("/>")) {
				close := bytes.Index(in[end:], []byte("</"))
				for close >= 0 {
					n := tagName(in, end+close)
					if local(n) == "c" {
						break
					}
					next := bytes.Index(in[end+close+2:], []byte("</"))
					if next < 0 {
						close = -1
						break
					}
					close += 2 + next
				}
				if close < 0 {
					return 0, fmt.Errorf("unterminated cell in row %d", r)
				}
				cellEnd = tagEnd(in, end+close)
			}
			tag := in[lt:end]
			if c, err := cellColumn(reCellRef.FindSubmatch(tag)); err == nil {
				col = c
			} else {
				col++
			}
			if r == p.headerStyle.row && col == p.headerStyle.fromCol {
				if m := reStyleVal.FindSubmatch(tag); m != nil {
					*headerStyle, _ = strconv.Atoi(string(m[1]))
				}
			}
			// Cells the patch adds or fills that come before this one.
			p.emitCells(out, r, col, *headerStyle)
			if col >= p.drop[0] && col <= p.drop[1] && p.drop[0] > 0 {
				i = cellEnd
				continue
			}
			if st, ok := p.restyle[r][col]; ok {
				delete(p.restyle[r], col)
				newTag := reStyle.ReplaceAll(tag, []byte(fmt.Sprintf(`s="%d"`, st)))
				if bytes.Equal(newTag, tag) {
					newTag = append(append([]byte(nil), tag[:2]...), []byte(fmt.Sprintf(` s="%d"`, st))...)
					newTag = append(newTag, tag[2:]...)
				}
				out.Write(newTag)
				out.Write(in[end:cellEnd])
			} else {
				out.Write(in[lt:cellEnd])
			}
			i = cellEnd
		}
	}
	p.emitCells(out, r, 0, *headerStyle)
	out.WriteString("</row>")
	return i, nil
}

// cellColumn reads the column of a cell's r="AB12" attribute.
func cellColumn(m [][]byte) (int, error) {
	if m == nil {
		return 0, errors.New("no reference")
	}
	return excelize.ColumnNameToNumber(string(m[1]))
}

// emitCells writes the added and newly filled cells of row r that lie
// before column before (0: all that remain).
func (p *sheetPatch) emitCells(out *bufio.Writer, r, before, headerStyle int) {
	type pend struct {
		col int
		xml string
	}
	var list []pend
	for c, st := range p.restyle[r] {
		if before == 0 || c < before {
			list = append(list, pend{c, fmt.Sprintf(`<c r="%s" s="%d"/>`, cellName(c, r), st)})
			delete(p.restyle[r], c)
		}
	}
	cells := p.cells[r]
	n := 0
	for n < len(cells) && (before == 0 || cells[n].col < before) {
		list = append(list, pend{cells[n].col, cells[n].xml(r, headerStyle)})
		n++
	}
	if n > 0 {
		p.cells[r] = cells[n:]
	}
	slices.SortFunc(list, func(a, b pend) int { return a.col - b.col })
	for _, c := range list {
		out.WriteString(c.xml)
	}
}

func (p *sheetPatch) dimension(tag []byte) []byte {
	m := reDimRef.FindSubmatch(tag)
	if m == nil || p.maxCol == 0 {
		return tag
	}
	from, to, ok := strings.Cut(string(m[1]), ":")
	if !ok {
		to = from
	}
	c1, r1, err1 := excelize.CellNameToCoordinates(from)
	c2, r2, err2 := excelize.CellNameToCoordinates(to)
	if err1 != nil || err2 != nil || r2 < r1 || c2 < c1 || c2 >= p.maxCol {
		return tag
	}
	ref := cellName(c1, r1) + ":" + cellName(p.maxCol, r2)
	return reDimRef.ReplaceAll(tag, []byte(`ref="`+ref+`"`))
}

func (p *sheetPatch) colsXML() string {
	var b strings.Builder
	for _, c := range p.cols {
		fmt.Fprintf(&b, `<col min="%d" max="%d" width="%g" customWidth="1"/>`, c.col, c.col, c.width)
	}
	return b.String()
}

// colsOverlap reports whether an existing <cols> already sets a column
// the patch would.
func (p *sheetPatch) colsOverlap(rest []byte) bool {
	end := bytes.Index(rest, []byte("</cols>"))
	if end < 0 {
		end = bytes.Index(rest, []byte("/>"))
	}
	if end < 0 {
		return true
	}
	for _, m := range reColSpan.FindAllSubmatch(rest[:end], -1) {
		lo, hi := m[1], m[2]
		if lo == nil {
			lo, hi = m[4], m[3]
		}
		a, _ := strconv.Atoi(string(lo))
		b, _ := strconv.Atoi(string(hi))
		for _, c := range p.cols {
			if c.col >= a && c.col <= b {
				return true
			}
		}
	}
	return false
}
