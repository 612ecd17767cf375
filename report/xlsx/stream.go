package xlsx

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"slices"
	"time"

	"innoreport/report"
)

// Streaming: check and build read a workbook a row at a time, so that a
// sheet of a million rows is never held whole. Merged ranges are listed
// at the end of a sheet's XML, after its rows, and a row must be filled
// from them as it goes by: a first pass over the part's bytes finds them.
// Each sheet's first report.HeadRows rows are read first, for the tables'
// headers; then every sheet is read through once, a row at a time.
//
// The grid clips merged ranges to the cells the whole sheet uses, which
// is known only at its end; the stream fills them clipped to the limits
// alone, and checks at the end that this filled exactly what the grid
// would have. Where it did not (a range reaching past the last column
// used, rows out of order, a formula saved without its result), the
// workbook is read whole instead: errWhole.

// errWhole says a workbook must be read whole: streaming it would not
// read it exactly as the grid does.
var errWhole = errors.New("xlsx: the workbook must be read whole")

// errHeadRead stops reading a sheet once its head is read.
var errHeadRead = errors.New("xlsx: head read")

// Analyze reads and checks the workbook data a row at a time (see
// report.AnalyzeStream), or whole where it cannot be streamed exactly;
// either way the result's Data.SheetRows holds every sheet's rows. Its
// errors are Read's.
func Analyze(name string, data []byte, opts Options, t *report.Template, ro report.Options) (*report.Result, error) {
	p, _, err := openPkg(name, data, opts)
	if err != nil {
		return nil, err
	}
	st, err := p.streamer()
	if err == nil {
		var head *report.Workbook
		if head, err = st.head(); err == nil {
			var res *report.Result
			if res, err = report.AnalyzeStream(head, st.rows(nil), t, ro); err == nil {
				res.Data.SheetRows = st.sheetRows
				return res, nil
			}
		}
	}
	if err := p.streamError(err); err != nil {
		return nil, err
	}
	wb, err := Read(name, data, opts)
	if err != nil {
		return nil, err
	}
	res := report.Analyze(wb, t, ro)
	res.Data.SheetRows = map[string]int{}
	for _, s := range wb.Sheets {
		res.Data.SheetRows[s.Name] = len(s.Rows)
	}
	return res, nil
}

// streamError is an error met streaming as the user is told it, or nil
// where the workbook is to be read whole: for errWhole, and for any error
// but a limit's, since the grid, reading the sheets in another order, may
// meet another first.
func (p *pkg) streamError(err error) error {
	var le *report.LimitError
	if errors.Is(err, errWhole) || !errors.As(err, &le) {
		return nil
	}
	return p.readError(err)
}

// Cells reads the cells want names, by sheet, from the workbook data
// read before with opts, a row at a time, as Read would have read them
// (merged ranges filled). Cells not in the workbook read empty.
func Cells(name string, data []byte, opts Options, want map[string]map[[2]int]bool) (map[string]map[[2]int]report.Cell, error) {
	got := map[string]map[[2]int]report.Cell{}
	keep := func(sheet string, r, c int, cell report.Cell) {
		if want[sheet][[2]int{r, c}] {
			if got[sheet] == nil {
				got[sheet] = map[[2]int]report.Cell{}
			}
			got[sheet][[2]int{r, c}] = cell
		}
	}
	p, _, err := openPkg(name, data, opts)
	if err != nil {
		return nil, err
	}
	st, err := p.streamer()
	if err == nil {
		only := func(i int) bool { return len(want[st.entries[i].name]) > 0 }
		err = st.rows(only)(func(i int, s *report.Sheet, r int) {
			for c, cell := range s.Row(r) {
				keep(s.Name, r, c, cell)
			}
		})
	}
	if err == nil {
		return got, nil
	}
	if err := p.streamError(err); err != nil {
		return nil, err
	}
	wb, err := Read(name, data, opts)
	if err != nil {
		return nil, err
	}
	clear(got)
	for _, s := range wb.Sheets {
		for k := range want[s.Name] {
			keep(s.Name, k[0], k[1], s.At(k[0], k[1]))
		}
	}
	return got, nil
}

// streamer reads a package's sheets a row at a time.
type streamer struct {
	p         *pkg
	wb        *report.Workbook // no sheets: its name, dates and properties
	entries   []sheetEntry
	parts     []string         // each sheet's part, "" for none
	merges    [][]report.Range // each sheet's merged ranges, as listed
	rowsHint  []int            // each sheet's <row> tags, counted with them
	sheetRows map[string]int   // rows read, by sheet, once streamed
}

func (p *pkg) streamer() (*streamer, error) {
	wb, sheets, rels, err := p.prelude()
	if err != nil {
		return nil, err
	}
	st := &streamer{p: p, wb: wb, entries: sheets, merges: make([][]report.Range, len(sheets)), rowsHint: make([]int, len(sheets)), sheetRows: map[string]int{}}
	for _, se := range sheets {
		st.parts = append(st.parts, rels.byID[se.part])
	}
	return st, nil
}

// mergesOf lists sheet i's merged ranges from a first pass over its part.
func (st *streamer) mergesOf(i int) ([]report.Range, error) {
	if st.merges[i] == nil && st.parts[i] != "" {
		ms, rows, err := st.p.mergeCells(st.parts[i])
		if err != nil {
			return nil, err
		}
		st.rowsHint[i] = rows
		if ms == nil {
			ms = []report.Range{} // read: none
		}
		st.merges[i] = ms
	}
	return st.merges[i], nil
}

// newSheet is sheet i as the stream shows it: its name, and its merged
// ranges as filled while streaming.
func (st *streamer) newSheet(i int) (*report.Sheet, *rowStream, error) {
	s := &report.Sheet{Name: st.entries[i].name, Hidden: st.entries[i].hidden}
	ms, err := st.mergesOf(i)
	if err != nil {
		return nil, nil, err
	}
	s.RowsHint = st.rowsHint[i]
	clipped, kept := clipRanges(ms, st.p.lim.Rows, st.p.lim.Cols)
	for k, m := range clipped {
		if kept[k] {
			s.Merges = append(s.Merges, m)
		}
	}
	return s, newRowStream(s), nil
}

// head reads each sheet's first report.HeadRows rows.
func (st *streamer) head() (*report.Workbook, error) {
	wb := *st.wb
	for i := range st.entries {
		s, rs, err := st.newSheet(i)
		if err != nil {
			return nil, err
		}
		wb.Sheets = append(wb.Sheets, s)
		if st.parts[i] == "" {
			continue
		}
		view := &report.Sheet{Name: s.Name, Hidden: s.Hidden, Merges: s.Merges}
		rs.s, rs.stop = view, report.HeadRows
		rs.deliver = func(v *report.Sheet, r int) error {
			s.Rows = append(s.Rows, slices.Clone(v.Row(r)))
			return nil
		}
		sr := &sheetReader{p: st.p, s: s, index: i, row: -1, col: -1, out: rs, again: true}
		err = st.p.scanSheet(sr, st.parts[i])
		if err == nil {
			err = rs.finish()
		}
		if err != nil && err != errHeadRead {
			return nil, err
		}
		if len(st.p.uncomputed) > 0 {
			return nil, errWhole
		}
	}
	return &wb, nil
}

// rows streams every sheet only keeps (nil: every sheet) once, checking
// at each sheet's end that it was read as the grid would read it.
func (st *streamer) rows(only func(int) bool) report.RowStream {
	return func(row func(int, *report.Sheet, int)) error {
		for i := range st.entries {
			if only != nil && !only(i) {
				continue
			}
			if st.parts[i] == "" {
				st.sheetRows[st.entries[i].name] = 0
				continue
			}
			s, rs, err := st.newSheet(i)
			if err != nil {
				return err
			}
			sr := &sheetReader{p: st.p, s: s, index: i, row: -1, col: -1, out: rs}
			read := func(put func(int, []report.Cell) error) error {
				rs.deliver = func(v *report.Sheet, r int) error { return put(r, v.Rows[0]) }
				if err := st.p.scanSheet(sr, st.parts[i]); err != nil {
					return err
				}
				return rs.finish()
			}
			// The checks' view of the sheet, apart from the reader's.
			view := &report.Sheet{Name: s.Name, Hidden: s.Hidden, Merges: s.Merges, RowsHint: s.RowsHint}
			one := make([][]report.Cell, 1)
			err = readAhead(read, func(r int, cells []report.Cell) {
				one[0] = cells
				view.First, view.Rows = r, one
				row(i, view, r)
			})
			if err != nil {
				return err
			}
			if len(st.p.uncomputed) > 0 || !sameFill(st.merges[i], sr.merges, rs.next, sr.widest, st.p.lim) {
				return errWhole
			}
			st.sheetRows[s.Name] = rs.next
		}
		return nil
	}
}

// sameFill reports whether merged ranges listed (pre, from the first
// pass) and filled clipped to the limits filled a sheet of rows rows
// and width columns as the grid fills it: the same ranges as the XML
// parser saw, and each that covers a row read clipped alike.
func sameFill(pre, parsed []report.Range, rows, width int, lim Limits) bool {
	if !slices.Equal(pre, parsed) {
		return false
	}
	sc, sk := clipRanges(pre, lim.Rows, lim.Cols)
	gc, gk := clipRanges(pre, rows, width)
	for i, m := range pre {
		switch {
		case m.R1 >= rows:
		case sk[i] != gk[i]:
			return false
		case sk[i] && (sc[i].C2 != gc[i].C2 || (sc[i].R2 == m.R1) != (gc[i].R2 == m.R1)):
			return false
		}
	}
	return true
}

// rowStream gathers a sheet's cells into rows and hands each row on,
// filled from the merged ranges over it, as soon as the next begins:
// every row from the first to the last with a cell, in order.
type rowStream struct {
	s       *report.Sheet // the view handed on: Rows holds the one row
	deliver func(s *report.Sheet, r int) error
	stop    int // rows from here on are not read (the head's end); 0 none

	starts []int         // the merged ranges by their first row, then their order
	begun  int           // those of starts whose first row has been handed on
	active []int         // the ranges over the row, in their order
	tops   []report.Cell // each range's top-left cell, once read
	cur    int           // row of the cells being gathered, -1 none
	cells  []report.Cell // its cells
	next   int           // the next row to hand on
	one    [][]report.Cell
}

func newRowStream(s *report.Sheet) *rowStream {
	rs := &rowStream{s: s, tops: make([]report.Cell, len(s.Merges)), cur: -1, one: make([][]report.Cell, 1)}
	for i := range s.Merges {
		rs.starts = append(rs.starts, i)
	}
	slices.SortStableFunc(rs.starts, func(i, j int) int { return s.Merges[i].R1 - s.Merges[j].R1 })
	return rs
}

// put takes a cell with a value, in the order the sheet lists them.
func (rs *rowStream) put(row, col int, cell report.Cell) error {
	if row < rs.cur {
		return errWhole // rows out of order
	}
	if row > rs.cur {
		if err := rs.flush(row); err != nil {
			return err
		}
	}
	for len(rs.cells) <= col {
		rs.cells = append(rs.cells, report.Cell{})
	}
	rs.cells[col] = cell
	return nil
}

// flush hands on the row gathered and the empty rows before row.
func (rs *rowStream) flush(row int) error {
	if rs.cur >= 0 {
		if err := rs.hand(rs.cur, rs.cells); err != nil {
			return err
		}
	}
	for r := rs.next; r < row; r++ {
		if err := rs.hand(r, nil); err != nil {
			return err
		}
	}
	rs.cur, rs.cells = row, rs.cells[:0]
	return nil
}

// finish hands on the last row.
func (rs *rowStream) finish() error {
	if rs.cur < 0 {
		return nil
	}
	return rs.hand(rs.cur, rs.cells)
}

// hand fills row r from the merged ranges over it, as FillMerges fills
// the grid (range by range, in order), and hands it on.
func (rs *rowStream) hand(r int, cells []report.Cell) error {
	if rs.stop > 0 && r >= rs.stop {
		return errHeadRead
	}
	if len(rs.s.Merges) > 0 {
		cells = rs.fill(r, cells)
	}
	rs.one[0] = cells
	rs.s.First, rs.s.Rows = r, rs.one
	rs.next = r + 1
	return rs.deliver(rs.s, r)
}

func (rs *rowStream) fill(r int, cells []report.Cell) []report.Cell {
	// Rows are handed on in order, each once: the ranges beginning at r
	// are next in starts.
	ms := rs.s.Merges
	added := false
	for ; rs.begun < len(rs.starts) && ms[rs.starts[rs.begun]].R1 <= r; rs.begun++ {
		if i := rs.starts[rs.begun]; ms[i].R1 == r {
			rs.active, added = append(rs.active, i), true
		}
	}
	if added {
		slices.Sort(rs.active)
	}
	rs.active = slices.DeleteFunc(rs.active, func(i int) bool { return ms[i].R2 < r })
	for _, i := range rs.active {
		m := ms[i]
		if r == m.R1 && m.C1 < len(cells) {
			rs.tops[i] = cells[m.C1]
		}
		top := rs.tops[i]
		top.Merged = true
		for len(cells) <= m.C2 {
			cells = append(cells, report.Cell{})
		}
		for c := m.C1; c <= m.C2; c++ {
			if r != m.R1 || c != m.C1 {
				cells[c] = top
			}
		}
	}
	return cells
}

// mergeCells lists a sheet part's merged ranges from its bytes alone:
// each <mergeCell ref="…"/>, whatever its prefix. The sheet's reading
// checks the list against what the XML parser saw.
func (p *pkg) mergeCells(part string) ([]report.Range, int, error) {
	rc, ok, err := p.openPart(part, true)
	if err != nil || !ok {
		return nil, 0, err
	}
	defer rc.Close()
	br := bufio.NewReaderSize(rc, 64<<10)
	rows, err := skipToMerges(br)
	if err == io.EOF {
		return nil, rows, nil
	} else if err != nil {
		return nil, 0, err
	}
	var ms []report.Range
	for n := 0; ; n++ {
		if n&0xFFFF == 0 && time.Now().After(p.deadline) {
			return nil, 0, p.timeLimit()
		}
		if _, err := br.ReadSlice('<'); err == bufio.ErrBufferFull {
			continue
		} else if err == io.EOF {
			return ms, rows, nil
		} else if err != nil {
			return nil, 0, err
		}
		head, _ := br.Peek(64)
		name := head[:max(0, bytes.IndexAny(head, " \t\r\n/>"))]
		if i := bytes.LastIndexByte(name, ':'); i >= 0 {
			name = name[i+1:]
		}
		if string(name) != "mergeCell" {
			continue
		}
		tag, err := br.ReadBytes('>')
		if err != nil && err != io.EOF {
			return nil, 0, err
		}
		if m, ok := parseRange(tagAttr(tag, "ref")); ok {
			ms = append(ms, m)
		}
	}
}

// skipToMerges drops the bytes before the first "mergeCell" in br, but
// for the tag's '<' and prefix, at the speed of a byte search: the tag
// loop is slow, and merged ranges come after every row. A name cannot be
// written with entities, so no mergeCell tag is skipped; io.EOF says there
// is none. On the way it counts the <row> tags it drops, a hint of the
// sheet's size.
func skipToMerges(br *bufio.Reader) (rows int, err error) {
	const keep = 256 // the '<' and a prefix: "<x:" and the like
	for {
		buf, err := br.Peek(br.Size())
		if i := bytes.Index(buf, []byte("mergeCell")); i >= 0 {
			drop := max(0, i-keep)
			rows += countRows(buf, i) // the kept bytes' too: none is counted after
			_, err := br.Discard(drop)
			return rows, err
		}
		if err != nil && err != bufio.ErrBufferFull {
			return rows + countRows(buf, len(buf)), err
		}
		drop := max(0, len(buf)-keep)
		rows += countRows(buf, drop)
		if _, err := br.Discard(drop); err != nil {
			return rows, err
		}
	}
}

// countRows counts the <row tags that begin in buf[:drop], the bytes
// about to be dropped: one cut by the drop is counted here, where it
// begins, and not missed on both sides of it (at a million rows, the
// count fell 170 short, and the task list, sized to it, doubled).
func countRows(buf []byte, drop int) int {
	const row = "<row"
	return bytes.Count(buf[:min(len(buf), drop+len(row)-1)], []byte(row))
}

// tagAttr is the value of the attribute of that local name in a start
// tag's bytes, as written (no entities decoded), or "".
func tagAttr(tag []byte, local string) string {
	i := bytes.IndexAny(tag, " \t\r\n")
	for i >= 0 && i < len(tag) {
		tag = bytes.TrimLeft(tag[i:], " \t\r\n")
		eq := bytes.IndexByte(tag, '=')
		if eq < 0 {
			return ""
		}
		name := bytes.TrimSpace(tag[:eq])
		if k := bytes.LastIndexByte(name, ':'); k >= 0 {
			name = name[k+1:]
		}
		rest := bytes.TrimLeft(tag[eq+1:], " \t\r\n")
		if len(rest) == 0 || (rest[0] != '"' && rest[0] != '\'') {
			return ""
		}
		end := bytes.IndexByte(rest[1:], rest[0])
		if end < 0 {
			return ""
		}
		if string(name) == local {
			return string(rest[1 : 1+end])
		}
		tag, i = rest[2+end:], 0
	}
	return ""
}
