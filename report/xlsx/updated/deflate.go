package updated

import (
	"bytes"
	"io"
	"sync"

	"github.com/klauspost/compress/flate"
)

// compressLevel trades the updated workbook's size for time: the tasks
// sheet of 100,000 tasks is 128 MB of XML once patched, deflated on every
// build. With compress/flate, level 3 took 0.73 s and 18.1 MB where the
// default took 1.54 s and 15.9 MB (level 1: 0.60 s, 21.5 MB), in one run.
// klauspost/compress's level 5 writes the 100,000-task workbook 4% smaller
// than compress/flate's level 3 did, with a tenth less processor time
// (its level 3: 12% larger), over five interleaved runs.
const compressLevel = 5

// smallLevel deflates each part's first block, all of most parts: with
// compress/flate, a writer above BestSpeed cleared 640 kB of hash tables
// every time it was reset, which for the 31 parts of a small workbook cost
// more than deflating them (2.5 ms of a 39-task build's 14 ms updated
// workbook); klauspost/compress's BestSpeed is faster still. A
// tasks sheet of 100,000 rows is deflated at compressLevel past its first
// megabyte.
const smallLevel = flate.BestSpeed

// blockSize is what a part is cut into to be deflated on several cores.
// Each block starts without the previous one's history, which costs
// about 1% of the size at a megabyte.
const blockSize = 1 << 20

// inFlight bounds the blocks being deflated at once, and so the memory.
const inFlight = 3

// deflater is the compressor archive/zip is given for every part of the
// updated package (archive/zip's own makes a flate writer a part, each a
// megabyte to allocate and clear). A part is deflated by one writer
// reused for every part until it passes a block; the rest of a larger
// one, the tasks sheet, is cut into blocks deflated side by side. Each
// stream but the last is flushed to a byte boundary, not closed, so that
// joined in order they are one deflate stream.
type deflater struct {
	small  *flate.Writer
	blocks chan *block // the blocks' buffers and writers, reused
}

var deflaters sync.Pool

func getDeflater() *deflater {
	if d, ok := deflaters.Get().(*deflater); ok {
		return d
	}
	return &deflater{blocks: make(chan *block, inFlight+1)}
}

func putDeflater(d *deflater) { deflaters.Put(d) }

func (d *deflater) compressor(w io.Writer) (io.WriteCloser, error) {
	if d.small == nil {
		fw, err := flate.NewWriter(w, smallLevel)
		if err != nil {
			return nil, err
		}
		d.small = fw
	} else {
		d.small.Reset(w)
	}
	return &partWriter{d: d, w: w}, nil
}

// partWriter deflates one part.
type partWriter struct {
	d       *deflater
	w       io.Writer
	n       int    // bytes written to the small writer
	cur     *block // the block being filled, once past the small writer
	queue   chan *block
	written chan error // the writing goroutine's result
}

type block struct {
	in    []byte
	out   bytes.Buffer
	fw    *flate.Writer
	err   error
	ready chan struct{}
}

func (p *partWriter) Write(b []byte) (int, error) {
	n := len(b)
	if p.queue == nil {
		if p.n+len(b) <= blockSize {
			p.n += len(b)
			return p.d.small.Write(b)
		}
		// Past a block: what the small writer has is flushed to a byte
		// boundary, and the rest goes in blocks.
		if err := p.d.small.Flush(); err != nil {
			return 0, err
		}
		p.queue, p.written = make(chan *block, inFlight), make(chan error, 1)
		go p.writeBlocks()
	}
	for len(b) > 0 {
		if p.cur == nil {
			p.cur = p.d.newBlock()
		}
		k := min(len(b), blockSize-len(p.cur.in))
		p.cur.in = append(p.cur.in, b[:k]...)
		b = b[k:]
		if len(p.cur.in) == blockSize {
			p.send(false)
		}
	}
	return n, nil
}

// newBlock is a block to fill, reused where one is free.
func (d *deflater) newBlock() *block {
	select {
	case b := <-d.blocks:
		b.in, b.err, b.ready = b.in[:0], nil, make(chan struct{})
		b.out.Reset()
		return b
	default:
		return &block{in: make([]byte, 0, blockSize), ready: make(chan struct{})}
	}
}

// send hands the block filled to a goroutine to deflate; last ends the
// stream with it.
func (p *partWriter) send(last bool) {
	b := p.cur
	if b == nil {
		b = p.d.newBlock()
	}
	p.cur = nil
	go b.deflate(last)
	p.queue <- b
}

func (b *block) deflate(last bool) {
	defer close(b.ready)
	if b.fw == nil {
		if b.fw, b.err = flate.NewWriter(&b.out, compressLevel); b.err != nil {
			return
		}
	} else {
		b.fw.Reset(&b.out)
	}
	if _, b.err = b.fw.Write(b.in); b.err != nil {
		return
	}
	if last {
		b.err = b.fw.Close()
	} else {
		b.err = b.fw.Flush() // ends on a byte boundary, the stream open
	}
}

// writeBlocks writes the blocks' output in order as each is ready, and
// frees them.
func (p *partWriter) writeBlocks() {
	var err error
	for b := range p.queue {
		<-b.ready
		if err == nil {
			err = b.err
		}
		if err == nil {
			_, err = p.w.Write(b.out.Bytes())
		}
		select {
		case p.d.blocks <- b:
		default:
		}
	}
	p.written <- err
}

func (p *partWriter) Close() error {
	if p.queue == nil {
		return p.d.small.Close()
	}
	p.send(true)
	close(p.queue)
	return <-p.written
}
