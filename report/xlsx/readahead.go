package xlsx

import "io"

// Inflating a large sheet costs about a fifth of reading it: a goroutine
// inflates it ahead of its reader, on the other core, a few chunks at a
// time. The reader sees the same bytes, and the same error after them,
// as it would reading the part itself.

// readaheadMin is the size a part declares from which it is inflated
// ahead: below it a goroutine costs more than it saves. A lie only
// changes which way the part is read.
const readaheadMin = 1 << 20

// Chunks inflated ahead: their size, and how many there are, one being
// read while the others are filled.
const (
	readaheadChunk  = 128 << 10
	readaheadChunks = 3
)

type chunk struct {
	b   []byte
	err error
}

// readahead reads r in a goroutine of its own. Only that goroutine reads
// r (and so moves the package's unzip counter) until Close, which waits
// for it, so the counter needs no lock.
type readahead struct {
	filled chan chunk
	free   chan []byte
	done   chan struct{}
	exited chan struct{}
	c      io.Closer
	closed bool

	cur  chunk // being read; its error comes once its bytes are read
	held []byte
	err  error // sticky, once met
}

func newReadahead(r io.Reader, c io.Closer) *readahead {
	ra := &readahead{
		filled: make(chan chunk, readaheadChunks),
		free:   make(chan []byte, readaheadChunks),
		done:   make(chan struct{}),
		exited: make(chan struct{}),
		c:      c,
	}
	for range readaheadChunks {
		ra.free <- make([]byte, readaheadChunk)
	}
	go ra.fill(r)
	return ra
}

// fill inflates chunk after chunk until an error (io.EOF at the end)
// or Close.
func (ra *readahead) fill(r io.Reader) {
	defer close(ra.exited)
	for {
		var b []byte
		select {
		case b = <-ra.free:
		case <-ra.done:
			return
		}
		n := 0
		var err error
		for n < len(b) && err == nil {
			var k int
			k, err = r.Read(b[n:])
			n += k
		}
		select {
		case ra.filled <- chunk{b[:n], err}:
		case <-ra.done:
			return
		}
		if err != nil {
			return
		}
	}
}

func (ra *readahead) Read(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	for len(ra.cur.b) == 0 {
		if ra.err != nil {
			return 0, ra.err
		}
		if ra.cur.err != nil {
			ra.err = ra.cur.err
			return 0, ra.err
		}
		if ra.held != nil {
			ra.free <- ra.held[:cap(ra.held)]
		}
		ra.cur = <-ra.filled
		ra.held = ra.cur.b
	}
	n := copy(p, ra.cur.b)
	ra.cur.b = ra.cur.b[n:]
	if len(ra.cur.b) == 0 && ra.cur.err != nil {
		// The error with the last bytes before it, as the part's own
		// reader gives it.
		ra.err = ra.cur.err
		return n, ra.err
	}
	return n, nil
}

// Close stops the goroutine, waits for it, and closes the part.
func (ra *readahead) Close() error {
	if ra.closed {
		return nil
	}
	ra.closed = true
	close(ra.done)
	<-ra.exited
	return ra.c.Close()
}
