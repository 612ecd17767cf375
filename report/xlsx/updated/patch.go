package updated

import (
	"bufio"
	"bytes"
	"fmt"
	"html"
	"io"
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

// elementsAfterCF are the worksheet children that must follow
// conditionalFormatting, in the schema's order.
var elementsAfterCF = []string{"dataValidations", "hyperlinks", "printOptions", "pageMargins", "pageSetup",
	"headerFooter", "rowBreaks", "colBreaks", "customProperties", "cellWatches", "ignoredErrors", "smartTags",
	"drawing", "legacyDrawing", "legacyDrawingHF", "drawingHF", "picture", "oleObjects", "controls",
	"webPublishItems", "tableParts", "extLst"}

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
	// Pieces end at the first "</row>" whatever the buffer holds, so it
	// starts small (a small sheet's piece is a row) and grows for a long one.
	sc.Buffer(make([]byte, 0, 64<<10), 256<<20)
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
	i := 0
	for i < len(in) {
		lt := bytes.IndexByte(in[i:], '<')
		if lt < 0 {
			st.out.Write(in[i:])
			break
		}
		lt += i
		st.out.Write(in[i:lt])
		next, err := p.element(st, in, lt)
		if err != nil {
			return err
		}
		i = next
	}
	return nil
}

// element rewrites the markup at in[lt] == '<', returning where the input
// continues.
func (p *sheetPatch) element(st *patchState, in []byte, lt int) (int, error) {
	if bytes.HasPrefix(in[lt:], []byte("<!--")) {
		end := bytes.Index(in[lt:], []byte("-->"))
		if end < 0 {
			return 0, fmt.Errorf("unterminated comment")
		}
		st.out.Write(in[lt : lt+end+3])
		return lt + end + 3, nil
	}
	end := tagEnd(in, lt)
	tag := in[lt:end]
	name := tagName(in, lt)
	closing := strings.HasPrefix(name, "/")
	switch local(name) {
	case "dimension":
		if !closing {
			tag = p.dimension(tag)
		}
	case "cols":
		p.colsTag(st, in[lt:], name)
	case "sheetData":
		if p.sheetData(st, tag, name) {
			return end, nil
		}
	case "row":
		if !closing {
			if next, done, err := p.rowTag(st, in, lt, end, tag); done || err != nil {
				return next, err
			}
		}
	case "conditionalFormatting":
		if next, ok := p.ourCF(in, tag, end, closing); ok {
			return next, nil
		}
	default:
		if !st.cfDone && (!closing && slices.Contains(elementsAfterCF, local(name)) || name == "/worksheet") {
			st.out.WriteString(p.cf)
			st.cfDone = true
		}
	}
	st.out.Write(tag)
	return end, nil
}

// colsTag puts the added columns' widths into the sheet's <cols>, unless
// a range there already covers them.
func (p *sheetPatch) colsTag(st *patchState, rest []byte, name string) {
	switch {
	case st.colsDone:
	case name == "/cols":
		st.out.WriteString(p.colsXML())
		st.colsDone = true
	case !strings.HasPrefix(name, "/") && p.colsOverlap(rest):
		st.colsDone = true // leave widths alone
	}
}

// sheetData writes what goes before or at the end of the rows: <cols>
// where the sheet has none, and the rows after the last one. It reports
// whether it wrote the tag itself.
func (p *sheetPatch) sheetData(st *patchState, tag []byte, name string) bool {
	if !st.colsDone && !strings.HasPrefix(name, "/") {
		st.out.WriteString("<cols>" + p.colsXML() + "</cols>")
		st.colsDone = true
	}
	switch {
	case name == "/sheetData":
		p.flushBefore(st, 1<<30)
	case bytes.HasSuffix(tag, []byte("/>")):
		// <sheetData/>: open it to hold the rows.
		st.out.Write(tag[:len(tag)-2])
		st.out.WriteString(">")
		p.flushBefore(st, 1<<30)
		st.out.WriteString("</sheetData>")
		return true
	}
	return false
}

// rowTag writes the rows the patch adds before this one, and rewrites
// this one if the patch changes it (done).
func (p *sheetPatch) rowTag(st *patchState, in []byte, lt, end int, tag []byte) (next int, done bool, err error) {
	m := reRowNum.FindSubmatch(tag)
	if m == nil {
		return 0, false, nil
	}
	r, _ := strconv.Atoi(string(m[1]))
	p.flushBefore(st, r)
	if st.pi >= len(st.pending) || st.pending[st.pi] != r {
		return 0, false, nil
	}
	st.pi++
	next, err = p.row(st.out, in, lt, end, r, &st.headerStyle)
	return next, true, err
}

// ourCF skips innoreport's own conditional formatting from an earlier
// build, which the patch writes anew.
func (p *sheetPatch) ourCF(in, tag []byte, end int, closing bool) (int, bool) {
	if p.cfSqref == "" || closing || !bytes.Contains(tag, []byte(`sqref="`+p.cfSqref+`"`)) {
		return 0, false
	}
	close := bytes.Index(in[end:], []byte("conditionalFormatting>"))
	if close < 0 {
		return 0, false
	}
	return end + close + len("conditionalFormatting>"), true
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
			cellEnd, err := cellEnd(in, lt, end)
			if err != nil {
				return 0, fmt.Errorf("%w in row %d", err, r)
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
				out.Write(restyled(tag, st))
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
