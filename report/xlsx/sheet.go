package xlsx

import (
	"bytes"
	"io"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"innoreport/report"
)

// colIndex reads the letters of an A1 reference: "AB12" → 27. ok is false
// for a reference with no letters.
func colIndex[T string | []byte](ref T) (int, bool) {
	c := 0
	i := 0
	for ; i < len(ref); i++ {
		ch := ref[i] | 0x20
		if ch < 'a' || ch > 'z' {
			break
		}
		c = c*26 + int(ch-'a'+1)
		if c > 1<<20 {
			return 0, false
		}
	}
	return c - 1, i > 0
}

// atoi reads a decimal integer as strconv.Atoi does (an optional sign,
// then digits only, within an int), from a string or from bytes.
func atoi[T string | []byte](s T) (int, bool) {
	i, neg := 0, false
	if len(s) > 0 && (s[0] == '+' || s[0] == '-') {
		i, neg = 1, s[0] == '-'
	}
	if i == len(s) {
		return 0, false
	}
	const cut = (1 << 63) / 10
	var n uint64
	for ; i < len(s); i++ {
		d := uint64(s[i] - '0')
		if d > 9 || n > cut || n == cut && d > 8 {
			return 0, false
		}
		n = n*10 + d
	}
	if neg {
		return int(-n), true
	}
	if n > math.MaxInt64 {
		return 0, false
	}
	return int(n), true
}

// trimLetters drops the column letters of an A1 reference.
func trimLetters[T string | []byte](ref T) T {
	i := 0
	for i < len(ref) && 'a' <= ref[i]|0x20 && ref[i]|0x20 <= 'z' {
		i++
	}
	return ref[i:]
}

// sheetReader is one worksheet being streamed into a grid: the cell it is
// in, and what it has seen of it.
type sheetReader struct {
	p           *pkg
	s           *report.Sheet
	index       int
	row, col    int
	cell        report.Cell
	cellType    string
	inCell, inV bool
	inIs, inT   bool
	hasF, hasV  bool
	hasIs       bool
	val         []byte // the cell's raw value, its buffer kept from cell to cell
	cells       int
	widest      int
	merges      []report.Range // as the sheet's mergeCells list them
	// out, where set, takes each cell as it is read instead of the grid
	// (see rowStream); again says the part is being read once more.
	out   *rowStream
	again bool
}

// sheet reads one worksheet whole into s.
func (p *pkg) sheet(s *report.Sheet, part string, index int) error {
	sr := &sheetReader{p: p, s: s, index: index, row: -1, col: -1}
	if err := p.scanSheet(sr, part); err != nil {
		return err
	}
	sr.fillGrid()
	return nil
}

// fillGrid clips the merged ranges read to the cells the sheet uses and
// copies their top-left cells across them.
func (sr *sheetReader) fillGrid() {
	sr.s.Merges = sr.merges
	clipMerges(sr.s, sr.widest)
	sr.s.FillMerges()
}

// scanSheet streams a worksheet's XML through sr, which puts each cell
// where it goes as it is complete.
func (p *pkg) scanSheet(sr *sheetReader, part string) error {
	rc, ok, err := p.openPart(part, sr.again)
	if err != nil {
		return err
	}
	if !ok {
		return nil
	}
	defer rc.Close()
	return tokens(rc, sr)
}

// readSheet reads a worksheet's XML whole into s, as sheet does from
// the package.
func (p *pkg) readSheet(r io.Reader, s *report.Sheet, index int) error {
	sr := &sheetReader{p: p, s: s, index: index, row: -1, col: -1}
	if err := tokens(r, sr); err != nil {
		return err
	}
	sr.fillGrid()
	return nil
}

func (sr *sheetReader) start(local []byte, as []rawAttr) error {
	switch string(local) {
	case "row":
		return sr.startRow(attrValue(as, "r"))
	case "c":
		return sr.startCell(as)
	case "v":
		sr.inV, sr.hasV = sr.inCell, sr.hasV || sr.inCell
	case "f":
		sr.hasF = sr.hasF || sr.inCell
	case "is":
		sr.inIs, sr.hasIs = sr.inCell, sr.hasIs || sr.inCell
	case "t":
		sr.inT = sr.inIs
	case "mergeCell":
		if m, ok := parseRange(string(attrValue(as, "ref"))); ok {
			sr.merges = append(sr.merges, m)
		}
	}
	return nil
}

func (sr *sheetReader) startRow(ref []byte) error {
	if r, ok := atoi(ref); ok && r >= 1 {
		sr.row = r - 1
	} else {
		sr.row++
	}
	sr.col, sr.inCell = -1, false
	if lim := sr.p.lim.Rows; sr.row >= lim {
		return sr.p.limit(sr.s.Name, report.MeasureRows, int64(lim), "-max-rows")
	}
	return nil
}

func (sr *sheetReader) startCell(as []rawAttr) error {
	if ref := attrValue(as, "r"); len(ref) > 0 {
		if c, ok := colIndex(ref); ok {
			sr.col = c
		} else {
			sr.col++
		}
		if r, ok := atoi(trimLetters(ref)); ok && r >= 1 && sr.row < 0 {
			sr.row = r - 1
		}
	} else {
		sr.col++
	}
	sr.row = max(sr.row, 0)
	if lim := sr.p.lim.Cols; sr.col >= lim {
		return sr.p.limit(sr.s.Name, report.MeasureColumns, int64(lim), "-max-cols")
	}
	sr.inCell, sr.hasF, sr.hasV, sr.hasIs = true, false, false, false
	sr.cellType = cellType(attrValue(as, "t"))
	sr.cell = report.Cell{}
	if xf, ok := atoi(attrValue(as, "s")); ok && xf >= 0 && xf < len(sr.p.xfs) {
		sr.cell.Format = sr.p.xfs[xf]
		sr.cell.Style = int32(xf)
	}
	sr.val = sr.val[:0]
	sr.cells++
	if sr.cells&0xFFF == 0 && time.Now().After(sr.p.deadline) {
		return sr.p.timeLimit()
	}
	return nil
}

// cellType is a cell's t attribute as a string, the usual ones without
// a copy.
func cellType(t []byte) string {
	for _, known := range [...]string{"", "s", "n", "str", "inlineStr", "b", "e", "d"} {
		if string(t) == known {
			return known
		}
	}
	return string(t)
}

func (sr *sheetReader) end(local []byte) error {
	switch string(local) {
	case "v":
		sr.inV = false
	case "is":
		sr.inIs = false
	case "t":
		sr.inT = false
	case "c":
		return sr.endCell()
	}
	return nil
}

func (sr *sheetReader) text(t []byte) error {
	if sr.inV || (sr.inIs && sr.inT) {
		if len(sr.val)+len(t) > sr.p.lim.CellChars*4 {
			return sr.p.cellLimit(sr.s.Name, report.CellName(sr.col, sr.row))
		}
		sr.val = append(sr.val, t...)
	}
	return nil
}

// endCell puts the cell just read into the grid.
func (sr *sheetReader) endCell() error {
	if !sr.inCell || sr.row < 0 || sr.col < 0 {
		sr.inCell = false
		return nil
	}
	sr.inCell = false
	p, val, cell := sr.p, sr.val, &sr.cell
	if len(val) > p.lim.CellChars && utf8.RuneCount(val) > p.lim.CellChars {
		return p.cellLimit(sr.s.Name, report.CellName(sr.col, sr.row))
	}
	p.finishCell(cell, sr.cellType, val, sr.hasV || sr.hasIs)
	if sr.hasF {
		cell.Formula = true
		// openpyxl writes an empty <v></v> beside a formula it could
		// not compute; only a formula whose result is text may have
		// cached an empty one.
		cached := sr.hasV && (len(val) > 0 || sr.cellType == "str")
		if !cached {
			p.uncomputed = append(p.uncomputed, formulaRef{sheet: sr.s.Name, row: sr.row, col: sr.col, sheetIndex: sr.index})
		}
	}
	if cell.Text == "" && !cell.Formula {
		return nil
	}
	sr.widest = max(sr.widest, sr.col+1)
	if sr.out != nil {
		return sr.out.put(sr.row, sr.col, sr.cell)
	}
	sr.put()
	return nil
}

// put stores the cell at its place in the grid, growing the row's slice
// by doubling.
func (sr *sheetReader) put() {
	s, row, col := sr.s, sr.row, sr.col
	for len(s.Rows) <= row {
		s.Rows = append(s.Rows, nil)
	}
	r := s.Rows[row]
	if len(r) <= col {
		if cap(r) > col {
			r = r[:col+1]
		} else {
			n := make([]report.Cell, col+1, max(col+1, 2*len(r)))
			copy(n, r)
			r = n
		}
	}
	r[col] = sr.cell
	s.Rows[row] = r
}

// finishCell sets a cell's text and kind from its type and raw value.
func (p *pkg) finishCell(c *report.Cell, typ string, val []byte, has bool) {
	if !has {
		return
	}
	if typ == "s" { // most cells: no string made, the shared one taken
		if i, ok := atoi(bytes.TrimSpace(val)); ok && i >= 0 && i < len(p.sst) {
			c.Text = p.sst[i]
		}
		return
	}
	var raw string
	if typ == "inlineStr" || typ == "str" {
		raw = p.intern(val)
	} else {
		// Numbers, dates and the rest: short, and often each row's own
		// (an id), which would fill the table the texts need.
		raw = string(val)
	}
	switch typ {
	case "inlineStr":
		c.Text = unescapeXstring(raw)
	case "str", "e":
		c.Text = raw
	case "b":
		if strings.TrimSpace(raw) == "1" {
			c.Text = "TRUE"
		} else {
			c.Text = "FALSE"
		}
	case "d":
		c.Text = raw
		if len(raw) >= 10 {
			c.Text = raw[:10] // ISO 8601: the day is enough
		}
	default:
		c.Text = raw
		if _, err := strconv.ParseFloat(strings.TrimSpace(raw), 64); err == nil {
			c.Number = true
		}
	}
}

// intern is val as a string, the same string for the same short text:
// a workbook written with inline strings (excelize's stream writer, some
// exporters) types its sections, units and states again on every row,
// and a string made per cell is a million copies held at a million rows.
// Texts past internLen, mostly each row's own, and those met once
// internCap are in, are made as they come.
func (p *pkg) intern(val []byte) string {
	const internLen, internCap = 64, 1 << 14
	if len(val) > internLen {
		return string(val)
	}
	if s, ok := p.interned[string(val)]; ok {
		return s
	}
	s := string(val)
	if p.interned == nil {
		p.interned = map[string]string{}
	}
	if len(p.interned) < internCap {
		p.interned[s] = s
	}
	return s
}

// parseRange reads "A1:B2" into a 0-based range.
func parseRange(ref string) (report.Range, bool) {
	a, b, ok := strings.Cut(ref, ":")
	if !ok {
		b = a
	}
	c1, ok1 := colIndex(a)
	c2, ok2 := colIndex(b)
	r1, err1 := strconv.Atoi(strings.TrimLeft(a, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz$"))
	r2, err2 := strconv.Atoi(strings.TrimLeft(b, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz$"))
	if !ok1 || !ok2 || err1 != nil || err2 != nil || r1 < 1 || r2 < r1 || c2 < c1 {
		return report.Range{}, false
	}
	return report.Range{R1: r1 - 1, C1: c1, R2: r2 - 1, C2: c2}, true
}

// mergeFillBudget bounds how many cells merged ranges may copy into: a
// sheet merged whole from A1 to XFD1048576 must not become 17 billion
// cells.
const mergeFillBudget = 4 << 20

// clipMerges keeps merged ranges within the cells the sheet uses, and
// drops the fill of those that would still be too large.
func clipMerges(s *report.Sheet, width int) {
	clipped, kept := clipRanges(s.Merges, len(s.Rows), width)
	out := s.Merges[:0]
	for i, m := range clipped {
		if kept[i] {
			out = append(out, m)
		}
	}
	s.Merges = out
}

// clipRanges clips each merged range to a sheet of rows rows and width
// columns, and says which are kept: a range below the last row is not, nor
// one whose fill would pass what is left of mergeFillBudget.
func clipRanges(ms []report.Range, rows, width int) ([]report.Range, []bool) {
	budget := mergeFillBudget
	clipped := make([]report.Range, len(ms))
	kept := make([]bool, len(ms))
	for i, m := range ms {
		m.R2 = min(m.R2, rows-1)
		m.C2 = min(m.C2, max(width-1, m.C1))
		clipped[i] = m
		if m.R2 < m.R1 {
			continue
		}
		area := (m.R2 - m.R1 + 1) * (m.C2 - m.C1 + 1)
		if area > budget {
			continue
		}
		budget -= area
		kept[i] = true
	}
	return clipped, kept
}

// unescapeXstring decodes the _xHHHH_ escapes OOXML writes in strings for
// the characters XML cannot hold ("ABC_x000D_" is "ABC\r"), as Excel
// shows them; _x005F_ is the escape of an underscore, so "_x005F_x000D_"
// reads "_x000D_".
func unescapeXstring(s string) string {
	i := strings.Index(s, "_x")
	if i < 0 {
		return s
	}
	var b strings.Builder
	for i >= 0 {
		b.WriteString(s[:i])
		if r, err := strconv.ParseUint(s[i+2:min(i+6, len(s))], 16, 16); err == nil && len(s) >= i+7 && s[i+6] == '_' {
			b.WriteRune(rune(r))
			s = s[i+7:]
		} else {
			b.WriteString("_x")
			s = s[i+2:]
		}
		i = strings.Index(s, "_x")
	}
	b.WriteString(s)
	return b.String()
}
