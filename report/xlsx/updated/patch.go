package updated

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"
)

// sheetPatch is what the updated workbook changes in one of the bureau's
// own sheets, or writes into a sheet of its own. It is applied to the
// sheet's XML as a stream of bytes, so a sheet of 100,000 rows is never
// loaded into excelize's structs (whose every cell write scans every
// merged range: hours at that size). The cells it adds are not held
// either: rows gives them row by row as the sheet streams past.
type sheetPatch struct {
	rows        rowSource                  // the cells added, by row (nil: none)
	restyle     []restyleCell              // cells given a fill, by row then column
	fillBase    int                        // the index in cellXfs of the first fill added (see addFills)
	drop        [2]int                     // columns (1-based, inclusive) whose old cells are replaced
	headerStyle struct{ row, fromCol int } // the added header cells copy the style of this cell
	cf          string                     // conditionalFormatting XML to insert
	cfSqref     string                     // its range: an older one for the same range is dropped
	cols        []colWidth                 // widths of the added columns
	maxCol      int                        // for the dimension
	lastRow     int                        // for the dimension, where the patch adds rows past the sheet's (0: the sheet's)
	// setLegacy replaces the sheet's legacyDrawing (where its comments
	// are drawn) by one naming relationship legacy ("": none).
	setLegacy bool
	legacy    string
}

// rowSource gives the cells a patch adds, computed when their row is
// written: held per row, the cells of 100,000 tasks took 27 MB.
type rowSource interface {
	// next is the next row with cells to add, rows ascending; 0 when
	// none is left.
	next() int
	// take appends the cells of row next() to cells, in column order,
	// returns the row's height in points (0: the sheet's default) and
	// moves on to the next row.
	take(cells []newCell) ([]newCell, float64)
}

// restyleCell is a cell given the fill of a finding: xf counts the fills
// innoreport adds, from 0; finish numbers them after the styles part's.
type restyleCell struct{ row, col, xf int }

type newCell struct {
	col     int    // 1-based
	style   int    // -1: copy the header style
	text    string // written as an inline string when num is false
	num     bool
	number  float64
	formula string // written with number as its value where num, else text
	noValue bool   // a formula stored without a value
}

type colWidth struct {
	col   int
	width float64
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
	ri          int // restyle entries before ri are written
	headerStyle int
	cfDone      bool
	colsDone    bool
	legacyDone  bool
	prefix      []byte        // the root element's namespace prefix, with its colon
	cells       []newCell     // the current row's added cells not yet written
	fills       []restyleCell // the current row's fills not yet written
	// cellBuf and fillBuf hold cells' and fills' arrays, which writing
	// them shortens from the front: reused, row after row, rather than a
	// new array for each row (half a gigabyte at a million tasks).
	cellBuf []newCell
	fillBuf []restyleCell
	height  float64 // the current row's, when the patch adds it
	scratch []byte
}

// apply rewrites a worksheet's XML read from r with the patch, writing it
// to w. The input is taken in pieces that end just after a "</row>", so a
// 95 MB sheet never sits in memory whole, and no tag is ever cut.
func (p *sheetPatch) apply(w io.Writer, r io.Reader) error {
	st := &patchState{out: bufio.NewWriterSize(w, 1<<16), cfDone: p.cf == "", colsDone: len(p.cols) == 0}
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

// nextRow is the next row the patch adds cells to or fills; 0: none.
func (p *sheetPatch) nextRow(st *patchState) int {
	r := 0
	if p.rows != nil {
		r = p.rows.next()
	}
	if st.ri < len(p.restyle) && (r == 0 || p.restyle[st.ri].row < r) {
		r = p.restyle[st.ri].row
	}
	return r
}

// load makes row r the current one: its added cells and fills.
func (p *sheetPatch) load(st *patchState, r int) {
	st.cells, st.height = st.cellBuf[:0], 0
	if p.rows != nil && p.rows.next() == r {
		st.cells, st.height = p.rows.take(st.cells)
	}
	st.cellBuf = st.cells[:0]
	st.fills = st.fillBuf[:0]
	for ; st.ri < len(p.restyle) && p.restyle[st.ri].row == r; st.ri++ {
		st.fills = append(st.fills, p.restyle[st.ri])
	}
	st.fillBuf = st.fills[:0]
}

// flushBefore writes the rows the patch adds before row r.
func (p *sheetPatch) flushBefore(st *patchState, r int) {
	for {
		row := p.nextRow(st)
		if row == 0 || row >= r {
			return
		}
		p.load(st, row)
		st.out.WriteString(`<row r="`)
		st.writeInt(row)
		if st.height > 0 {
			st.out.WriteString(`" ht="`)
			st.scratch = strconv.AppendFloat(st.scratch[:0], st.height, 'f', -1, 64)
			st.out.Write(st.scratch)
			st.out.WriteString(`" customHeight="1`)
		}
		st.out.WriteString(`">`)
		p.emitCells(st, row, 0)
		st.out.WriteString(`</row>`)
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
	name, closing := localName(in, lt)
	switch {
	case string(name) == "row":
		if !closing {
			if next, done, err := p.rowTag(st, in, lt, end, tag); done || err != nil {
				return next, err
			}
		}
	case string(name) == "dimension":
		if !closing {
			tag = p.dimension(tag)
		}
	case string(name) == "cols":
		p.colsTag(st, in[lt:], closing)
	case string(name) == "sheetData":
		if p.sheetData(st, tag, closing) {
			return end, nil
		}
	case string(name) == "conditionalFormatting":
		if next, ok := p.ourCF(in, tag, end, closing); ok {
			return next, nil
		}
	case string(name) == "legacyDrawing" && p.setLegacy && !closing:
		return elementEnd(in, lt), nil // written where it belongs, by insert
	default:
		if string(name) == "worksheet" && !closing {
			q, _ := qualifiedName(in, lt)
			st.prefix = append(st.prefix[:0], q[:len(q)-len(name)]...)
		}
		p.insert(st, name, closing)
	}
	st.out.Write(tag)
	return end, nil
}

// elementsAfterLegacy are the worksheet children that must follow
// legacyDrawing, in the schema's order.
var elementsAfterLegacy = []string{"legacyDrawingHF", "drawingHF", "picture", "oleObjects", "controls",
	"webPublishItems", "tableParts", "extLst"}

// insert writes what the patch adds to the worksheet before the element
// named: the conditional formatting, and the legacyDrawing.
func (p *sheetPatch) insert(st *patchState, name []byte, closing bool) {
	end := closing && string(name) == "worksheet"
	if !st.cfDone && (end || !closing && slices.Contains(elementsAfterCF, string(name))) {
		st.out.WriteString(p.cf)
		st.cfDone = true
	}
	if p.setLegacy && !st.legacyDone && (end || !closing && slices.Contains(elementsAfterLegacy, string(name))) {
		if p.legacy != "" {
			st.out.WriteByte('<')
			st.out.Write(st.prefix)
			st.out.WriteString(`legacyDrawing xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships" r:id="`)
			writeEscaped(st.out, p.legacy)
			st.out.WriteString(`"/>`)
		}
		st.legacyDone = true
	}
}

// colsTag puts the added columns' widths into the sheet's <cols>, unless
// a range there already covers them.
func (p *sheetPatch) colsTag(st *patchState, rest []byte, closing bool) {
	switch {
	case st.colsDone:
	case closing:
		st.out.WriteString(p.colsXML())
		st.colsDone = true
	case p.colsOverlap(rest):
		st.colsDone = true // leave widths alone
	}
}

// sheetData writes what goes before or at the end of the rows: <cols>
// where the sheet has none, and the rows after the last one. It reports
// whether it wrote the tag itself.
func (p *sheetPatch) sheetData(st *patchState, tag []byte, closing bool) bool {
	if !st.colsDone && !closing {
		st.out.WriteString("<cols>" + p.colsXML() + "</cols>")
		st.colsDone = true
	}
	switch {
	case closing:
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
// this one if the patch changes it (done). A row it leaves alone is
// copied whole: a piece ends with its row.
func (p *sheetPatch) rowTag(st *patchState, in []byte, lt, end int, tag []byte) (next int, done bool, err error) {
	v, ok := attr(tag, "r")
	if !ok {
		return 0, false, nil
	}
	r, err := strconv.Atoi(string(v))
	if err != nil {
		return 0, false, nil
	}
	p.flushBefore(st, r)
	if p.nextRow(st) != r {
		if !bytes.HasSuffix(tag, []byte("/>")) && bytes.HasSuffix(in, []byte("row>")) {
			st.out.Write(in[lt:])
			return len(in), true, nil
		}
		return 0, false, nil
	}
	p.load(st, r)
	next, err = p.row(st, in, lt, end, r)
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

// row rewrites one <row> element starting at in[start:tagEndAt], returning
// where the input continues.
func (p *sheetPatch) row(st *patchState, in []byte, start, tagEndAt, r int) (int, error) {
	tag := withoutAttr(in[start:tagEndAt], "spans")
	selfClosing := bytes.HasSuffix(tag, []byte("/>"))
	if selfClosing {
		st.out.Write(tag[:len(tag)-2])
		st.out.WriteByte('>')
	} else {
		st.out.Write(tag)
	}
	i := tagEndAt
	col := 0 // last column seen, 1-based
	for !selfClosing && i < len(in) {
		lt := bytes.IndexByte(in[i:], '<')
		if lt < 0 {
			return 0, fmt.Errorf("unterminated row %d", r)
		}
		lt += i
		st.out.Write(in[i:lt])
		end := tagEnd(in, lt)
		name, closing := localName(in, lt)
		if closing && string(name) == "row" {
			i = end
			break
		}
		if string(name) != "c" || closing {
			st.out.Write(in[lt:end])
			i = end
			continue
		}
		cellEnd, err := cellEnd(in, lt, end)
		if err != nil {
			return 0, fmt.Errorf("%w in row %d", err, r)
		}
		i = cellEnd
		tag := in[lt:end]
		if c, ok := cellColumn(tag); ok {
			col = c
		} else {
			col++
		}
		if r == p.headerStyle.row && col == p.headerStyle.fromCol {
			if v, ok := attr(tag, "s"); ok {
				st.headerStyle, _ = strconv.Atoi(string(v))
			}
		}
		// Cells the patch adds or fills that come before this one.
		p.emitCells(st, r, col)
		if col >= p.drop[0] && col <= p.drop[1] && p.drop[0] > 0 {
			continue
		}
		if len(st.fills) > 0 && st.fills[0].col == col {
			st.out.Write(restyled(tag, p.fillBase+st.fills[0].xf))
			st.fills = st.fills[1:]
			st.out.Write(in[end:cellEnd])
		} else {
			st.out.Write(in[lt:cellEnd])
		}
	}
	p.emitCells(st, r, 0)
	st.out.WriteString("</row>")
	return i, nil
}

// emitCells writes the current row's added and newly filled cells that
// lie before column before (0: all that remain), in column order.
func (p *sheetPatch) emitCells(st *patchState, r, before int) {
	for {
		c, f := 1<<30, 1<<30
		if len(st.cells) > 0 {
			c = st.cells[0].col
		}
		if len(st.fills) > 0 {
			f = st.fills[0].col
		}
		switch {
		case min(c, f) == 1<<30 || before > 0 && min(c, f) >= before:
			return
		case f < c:
			st.out.WriteString(`<c r="`)
			st.writeRef(f, r)
			st.out.WriteString(`" s="`)
			st.writeInt(p.fillBase + st.fills[0].xf)
			st.out.WriteString(`"/>`)
			st.fills = st.fills[1:]
		default:
			st.writeCell(&st.cells[0], r)
			st.cells = st.cells[1:]
		}
	}
}

// writeCell writes an added cell.
func (st *patchState) writeCell(c *newCell, row int) {
	s := c.style
	if s < 0 {
		s = st.headerStyle
	}
	out := st.out
	out.WriteString(`<c r="`)
	st.writeRef(c.col, row)
	out.WriteByte('"')
	if s > 0 {
		out.WriteString(` s="`)
		st.writeInt(s)
		out.WriteByte('"')
	}
	switch {
	case c.num && (math.IsInf(c.number, 0) || math.IsNaN(c.number)):
		// No number a cell can hold: a formula keeps only itself, for
		// the reader to work out; a constant is left empty.
		if c.formula != "" {
			out.WriteString(`><f>`)
			writeEscaped(out, c.formula)
			out.WriteString(`</f></c>`)
		} else {
			out.WriteString(`/>`)
		}
	case c.formula != "" && (c.num || c.noValue):
		out.WriteString(`><f>`)
		writeEscaped(out, c.formula)
		out.WriteString(`</f>`)
		if c.num {
			out.WriteString(`<v>`)
			st.scratch = strconv.AppendFloat(st.scratch[:0], c.number, 'f', -1, 64)
			out.Write(st.scratch)
			out.WriteString(`</v>`)
		}
		out.WriteString(`</c>`)
	case c.num:
		out.WriteString(`><v>`)
		st.scratch = strconv.AppendFloat(st.scratch[:0], c.number, 'f', -1, 64)
		out.Write(st.scratch)
		out.WriteString(`</v></c>`)
	case c.formula != "":
		out.WriteString(` t="str"><f>`)
		writeEscaped(out, c.formula)
		out.WriteString(`</f><v>`)
		writeEscaped(out, c.text)
		out.WriteString(`</v></c>`)
	case c.text == "":
		out.WriteString(`/>`)
	default:
		out.WriteString(` t="inlineStr"><is><t xml:space="preserve">`)
		writeEscaped(out, c.text)
		out.WriteString(`</t></is></c>`)
	}
}

func (st *patchState) writeInt(n int) {
	st.scratch = strconv.AppendInt(st.scratch[:0], int64(n), 10)
	st.out.Write(st.scratch)
}

// writeRef writes a cell reference, A1 style.
func (st *patchState) writeRef(col, row int) {
	var letters [8]byte
	i := len(letters)
	for c := col; c > 0; c = (c - 1) / 26 {
		i--
		letters[i] = byte('A' + (c-1)%26)
	}
	st.out.Write(letters[i:])
	st.writeInt(row)
}

// writeEscaped writes text escaped for XML as html.EscapeString does,
// with the characters XML 1.0 cannot hold replaced by U+FFFD.
func writeEscaped(out *bufio.Writer, s string) {
	last := 0
	for i := 0; i < len(s); {
		c := s[i]
		var esc string
		size := 1
		switch {
		case c == '&':
			esc = "&amp;"
		case c == '<':
			esc = "&lt;"
		case c == '>':
			esc = "&gt;"
		case c == '"':
			esc = "&#34;"
		case c == '\'':
			esc = "&#39;"
		case c < 0x20 && c != '\t' && c != '\n' && c != '\r':
			esc = "\uFFFD"
		case c >= utf8.RuneSelf:
			r, n := utf8.DecodeRuneInString(s[i:])
			size = n
			if r == utf8.RuneError && n == 1 || r == 0xFFFE || r == 0xFFFF {
				esc = "\uFFFD"
			}
		}
		if esc != "" {
			out.WriteString(s[last:i])
			out.WriteString(esc)
			last = i + size
		}
		i += size
	}
	out.WriteString(s[last:])
}

func (p *sheetPatch) dimension(tag []byte) []byte {
	v, ok := attr(tag, "ref")
	if !ok || p.maxCol == 0 {
		return tag
	}
	from, to, ok := strings.Cut(string(v), ":")
	if !ok {
		to = from
	}
	c1, r1, err1 := excelize.CellNameToCoordinates(from)
	c2, r2, err2 := excelize.CellNameToCoordinates(to)
	if err1 != nil || err2 != nil || r2 < r1 || c2 < c1 || c2 >= p.maxCol && r2 >= p.lastRow {
		return tag
	}
	ref := cellName(c1, r1) + ":" + cellName(max(c2, p.maxCol), max(r2, p.lastRow))
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
