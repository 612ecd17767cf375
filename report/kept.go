package report

import (
	"encoding/binary"
	"slices"
)

// What a streamed workbook keeps of its cells, for the updated
// workbook's writer, which cites a few of them once the checks are done:
// the styles of the cells a finding may be pinned to (the columns each
// table maps, row by row), the indicators' figures whole, and the head
// of every sheet. A table's rows mostly share their styles, so each row
// keeps only the index of its styles among the distinct ones: four bytes
// a row.

// keptStyles are the styles of a table's mapped columns, row by row.
type keptStyles struct {
	cols     []int             // the mapped columns, in order
	rows     []uint32          // each row's styles, from the first below the header
	distinct map[string]uint32 // the styles of a row, as bytes, to their index
	styles   [][]int32         // by index
	vec      []int32
	key      []byte
	figures  map[[2]int]Cell // the indicators' figures: row, column → cell
}

func newKeptStyles(hm headerMatch) *keptStyles {
	k := &keptStyles{distinct: map[string]uint32{}, figures: map[[2]int]Cell{}}
	for _, c := range hm.cols {
		k.cols = append(k.cols, c)
	}
	slices.Sort(k.cols)
	k.cols = slices.Compact(k.cols)
	return k
}

// row keeps the styles of row r's mapped cells, r being the next row.
func (k *keptStyles) row(s *Sheet, r int) {
	k.vec, k.key = k.vec[:0], k.key[:0]
	for _, c := range k.cols {
		st := s.At(r, c).Style
		k.vec = append(k.vec, st)
		k.key = binary.LittleEndian.AppendUint32(k.key, uint32(st))
	}
	id, ok := k.distinct[string(k.key)]
	if !ok {
		id = uint32(len(k.styles))
		k.distinct[string(k.key)] = id
		k.styles = append(k.styles, slices.Clone(k.vec))
	}
	k.rows = append(k.rows, id)
}

// KeptCell is a cell of a streamed workbook as the writer cites it: the
// head's cells and the indicators' figures whole, the other cells of a
// table's mapped columns with their style alone. ok is false for a cell
// not kept (nor for any cell of a workbook read whole).
func (d *Data) KeptCell(sheet string, r, c int) (Cell, bool) {
	if d.kept == nil {
		return Cell{}, false
	}
	for _, tb := range d.kept.tables {
		if tb.sheet < 0 || tb.styles == nil || d.kept.head.Sheets[tb.sheet].Name != sheet || r <= tb.hm.bottom {
			continue
		}
		if cell, ok := tb.styles.figures[[2]int{r, c}]; ok {
			return cell, true
		}
		i, ok := slices.BinarySearch(tb.styles.cols, c)
		if at := r - tb.hm.bottom - 1; ok && at < len(tb.styles.rows) {
			return Cell{Style: tb.styles.styles[tb.styles.rows[at]][i]}, true
		}
	}
	if s := d.kept.head.Sheet(sheet); s != nil && r < s.Len() && r < HeadRows {
		return s.At(r, c), true
	}
	return Cell{}, false
}

// kept is what a streamed workbook keeps of its cells (see KeptCell).
type kept struct {
	head   *Workbook
	tables []*table
}
