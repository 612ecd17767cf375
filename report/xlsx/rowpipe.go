package xlsx

import (
	"errors"

	"innoreport/report"
)

// A streamed sheet is read (inflated, scanned, its rows gathered) in a
// goroutine of its own while the checks take its rows on the caller's,
// on the other core: reading a row costs about what checking it does.
// The rows cross in batches, copied out of the reader's buffers, which it
// reuses; the checks see them in order, one at a time, as they would
// reading the sheet themselves.

// A batch is handed on when it holds this many rows or cells.
const (
	batchRows  = 256
	batchCells = 16 << 10
	batches    = 4 // being filled, being checked, and waiting
)

// errChecksGone stops the reader when the checks have left (a panic).
var errChecksGone = errors.New("xlsx: the checks stopped taking rows")

// rowBatch is rows read ahead: row rows[k] is cells[ends[k-1]:ends[k]].
type rowBatch struct {
	rows  []int
	ends  []int
	cells []report.Cell
}

type rowPipe struct {
	full chan *rowBatch
	free chan *rowBatch
	stop chan struct{}
	cur  *rowBatch
}

// put copies row r into the batch being filled, handing it on once full.
func (rp *rowPipe) put(r int, cells []report.Cell) error {
	if rp.cur == nil {
		select {
		case rp.cur = <-rp.free:
		case <-rp.stop:
			return errChecksGone
		}
	}
	b := rp.cur
	b.rows = append(b.rows, r)
	b.cells = append(b.cells, cells...)
	b.ends = append(b.ends, len(b.cells))
	if len(b.rows) >= batchRows || len(b.cells) >= batchCells {
		return rp.send()
	}
	return nil
}

// send hands on the batch being filled, if any.
func (rp *rowPipe) send() error {
	if rp.cur == nil {
		return nil
	}
	select {
	case rp.full <- rp.cur:
		rp.cur = nil
		return nil
	case <-rp.stop:
		return errChecksGone
	}
}

// readAhead runs read in a goroutine, read handing each row it reads to
// put, and calls row with each on this one, in order. It returns read's
// error once the rows read before it have been through row; a panic in
// read is raised again here.
func readAhead(read func(put func(int, []report.Cell) error) error, row func(r int, cells []report.Cell)) error {
	rp := &rowPipe{full: make(chan *rowBatch, batches), free: make(chan *rowBatch, batches), stop: make(chan struct{})}
	for range batches {
		rp.free <- &rowBatch{}
	}
	var rerr error
	var panicked any
	done := make(chan struct{})
	go func() {
		defer close(done)
		defer close(rp.full)
		defer func() {
			if p := recover(); p != nil {
				panicked = p
			}
		}()
		rerr = read(rp.put)
		// The rows before an error are handed on too, as the reader
		// itself would have before meeting it.
		if err := rp.send(); rerr == nil {
			rerr = err
		}
	}()
	defer func() {
		// Should row panic, the reader stops rather than wait for ever.
		close(rp.stop)
		<-done
	}()
	for b := range rp.full {
		start := 0
		for k, r := range b.rows {
			var cells []report.Cell
			if end := b.ends[k]; end > start {
				cells = b.cells[start:end:end]
				start = end
			}
			row(r, cells)
		}
		b.rows, b.ends, b.cells = b.rows[:0], b.ends[:0], b.cells[:0]
		rp.free <- b
	}
	<-done
	if panicked != nil {
		panic(panicked)
	}
	return rerr
}
