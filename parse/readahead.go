package parse

import (
	"io"
	"sync"
)

// readAhead reads from a slow source (a gzip stream: inflating costs about
// as much as parsing) on its own goroutine, a few blocks ahead of the
// reader, so that inflating and parsing use two cores. The bytes, and
// where an error falls among them, are exactly the source's.
//
// Close must be called when reading stops. It does not wait for the
// goroutine, which may be blocked reading the source (a network body the
// caller is about to close): the goroutine ends once that read returns.
type readAhead struct {
	blocks chan aheadBlock
	free   chan []byte
	stop   chan struct{}
	once   sync.Once

	cur  []byte // what is left of the block being read
	last []byte // its buffer, to hand back
	err  error  // the source's error, once every block before it is read
}

type aheadBlock struct {
	b   []byte
	err error
}

const (
	aheadBlockSize = 1 << 20
	aheadBlocks    = 4
)

func newReadAhead(src io.Reader) *readAhead {
	r := &readAhead{
		blocks: make(chan aheadBlock, aheadBlocks),
		free:   make(chan []byte, aheadBlocks+1),
		stop:   make(chan struct{}),
	}
	for range aheadBlocks + 1 {
		r.free <- make([]byte, aheadBlockSize)
	}
	go r.fill(src)
	return r
}

// fill reads the source block by block until it fails, ends, or Close.
func (r *readAhead) fill(src io.Reader) {
	defer close(r.blocks)
	for {
		var buf []byte
		select {
		case buf = <-r.free:
		case <-r.stop:
			return
		}
		n, err := fillBlock(src, buf)
		select {
		case r.blocks <- aheadBlock{b: buf[:n], err: err}:
		case <-r.stop:
			return
		}
		if err != nil {
			return
		}
	}
}

// fillBlock reads into buf until it is full or the source returns an
// error, which it returns as it is (io.ReadFull would turn a source's
// io.EOF after some bytes into io.ErrUnexpectedEOF).
func fillBlock(src io.Reader, buf []byte) (int, error) {
	n, idle := 0, 0
	for n < len(buf) {
		m, err := src.Read(buf[n:])
		n += m
		if err != nil {
			return n, err
		}
		if m > 0 {
			idle = 0
		} else if idle++; idle == 100 {
			return n, io.ErrNoProgress
		}
	}
	return n, nil
}

func (r *readAhead) Read(p []byte) (int, error) {
	for len(r.cur) == 0 {
		if r.err != nil {
			return 0, r.err
		}
		if r.last != nil {
			r.free <- r.last[:cap(r.last)]
			r.last = nil
		}
		blk, ok := <-r.blocks
		if !ok {
			r.err = io.EOF
			continue
		}
		r.cur, r.last, r.err = blk.b, blk.b, blk.err
	}
	n := copy(p, r.cur)
	r.cur = r.cur[n:]
	return n, nil
}

// Close tells the goroutine to stop.
func (r *readAhead) Close() error {
	r.once.Do(func() { close(r.stop) })
	return nil
}
