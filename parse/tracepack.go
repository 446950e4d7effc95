package parse

import (
	"encoding/binary"
	"errors"

	"golang.org/x/exp/trace"
)

// The parallel reader's decoders hand records to the summarising goroutine
// packed into bytes: a record struct is about 100 bytes where the event it
// came from took 4 to 8 in the file, and a decoder may run a generation
// ahead of the summary, so the hand-off buffer would otherwise be many
// times the generation it holds. Packed records hold no pointers either,
// so the garbage collector does not scan them.
//
// A packed record is a head byte (kind, and the from and to states), a
// flags byte saying which fields follow, then the fields as uvarints:
// the time as the difference from the previous record's, the resource ID,
// and those of skip, stack, event stack, goroutine, P, reason and place in
// the input that the flags name. Stacks and reasons are numbered per
// generation in order of first use; a number one past the last one seen
// introduces the next entry of the chunk's stacks or reasons. Clock
// snapshots are taken from the chunk in order.

const (
	packSkip = 1 << iota
	packStk
	packEvStk
	packBy
	packProc
	packReason
	packPos
	packClock
)

// traceChunk is a run of packed records of one generation, with the stacks,
// reasons and clock snapshots they introduce.
type traceChunk struct {
	data    []byte
	stacks  []trace.Stack
	reasons []string
	clocks  []*trace.ClockSnapshot
	n       int // records in data
}

// packer packs the records of one generation.
type packer struct {
	chunk  *traceChunk
	last   trace.Time // time of the previous record
	stacks map[trace.Stack]uint64
	// A goroutine's last two stacks, by ID: most stacked events repeat
	// one, and the map lookup would cost more than the rest of packing.
	recent  [recentStacks]recentStack
	reasons []string
}

// recentStacks is the size of the packer's cache of goroutines' recent
// stacks.
const recentStacks = 1024

// recentStack holds a goroutine's last two stacks and their numbers+1.
type recentStack struct {
	g   trace.GoID
	ts  [2]trace.Stack
	num [2]uint64
}

func newPacker() *packer {
	return &packer{stacks: make(map[trace.Stack]uint64)}
}

// maxPacked is the most bytes a packed record takes: two, and nine
// uvarints.
const maxPacked = 2 + 9*binary.MaxVarintLen64

// pack appends r to the packer's chunk.
func (p *packer) pack(r *traceRec) {
	c := p.chunk
	n := len(c.data)
	if cap(c.data)-n < maxPacked {
		c.data = append(c.data[:n:n], make([]byte, maxPacked+n)...)[:n]
	}
	b := c.data[:n+maxPacked]
	b[n] = byte(r.kind)<<6 | r.from<<3 | r.to
	i := n + 2
	i += binary.PutUvarint(b[i:], uint64(r.t-p.last))
	p.last = r.t
	i += binary.PutUvarint(b[i:], uint64(r.id))
	var flags byte
	if r.skip != 0 {
		flags |= packSkip
		i += binary.PutUvarint(b[i:], uint64(r.skip))
	}
	if r.stk != trace.NoStack {
		flags |= packStk
		i += binary.PutUvarint(b[i:], p.ownStack(trace.GoID(r.id), r.stk))
	}
	if r.evStk != trace.NoStack {
		flags |= packEvStk
		i += binary.PutUvarint(b[i:], p.stack(r.evStk))
	}
	if r.by != trace.NoGoroutine {
		flags |= packBy
		i += binary.PutUvarint(b[i:], uint64(r.by))
	}
	if r.proc != trace.NoProc {
		flags |= packProc
		i += binary.PutUvarint(b[i:], uint64(r.proc))
	}
	if r.reason != "" {
		flags |= packReason
		i += binary.PutUvarint(b[i:], p.reason(r.reason))
	}
	if r.pos != 0 {
		flags |= packPos
		i += binary.PutUvarint(b[i:], uint64(r.pos))
	}
	if r.clock != nil {
		flags |= packClock
		c.clocks = append(c.clocks, r.clock)
	}
	b[n+1] = flags
	c.data = b[:i]
	c.n++
}

// ownStack numbers a stack of goroutine g's own, through the cache of
// goroutines' recent stacks.
func (p *packer) ownStack(g trace.GoID, ts trace.Stack) uint64 {
	c := &p.recent[uint64(g)%recentStacks]
	if c.g == g && c.num[0] != 0 {
		if c.ts[0] == ts {
			return c.num[0] - 1
		}
		if c.ts[1] == ts && c.num[1] != 0 {
			c.ts[0], c.ts[1] = c.ts[1], c.ts[0]
			c.num[0], c.num[1] = c.num[1], c.num[0]
			return c.num[0] - 1
		}
	}
	n := p.stack(ts)
	if c.g != g {
		*c = recentStack{g: g}
	}
	c.ts[1], c.num[1] = c.ts[0], c.num[0]
	c.ts[0], c.num[0] = ts, n+1
	return n
}

// stack returns the number of ts in the generation, introducing it in the
// chunk when new.
func (p *packer) stack(ts trace.Stack) uint64 {
	if n, ok := p.stacks[ts]; ok {
		return n
	}
	n := uint64(len(p.stacks))
	p.stacks[ts] = n
	p.chunk.stacks = append(p.chunk.stacks, ts)
	return n
}

// reason returns the number of a wait reason in the generation,
// introducing it when new; a generation has a few dozen.
func (p *packer) reason(s string) uint64 {
	for i, r := range p.reasons {
		if r == s {
			return uint64(i)
		}
	}
	p.reasons = append(p.reasons, s)
	p.chunk.reasons = append(p.chunk.reasons, s)
	return uint64(len(p.reasons) - 1)
}

// unpacker reads the packed records of one generation, chunk after chunk.
type unpacker struct {
	last    trace.Time
	stacks  []trace.Stack
	reasons []string
	// Where the current chunk's introductions and clocks have been
	// taken up to.
	newStack, newReason, clock int
}

// errPacked is a packed record the unpacker cannot read: a bug, since the
// same program packed it.
var errPacked = errors.New("malformed packed trace record")

// unpack reads the record at the start of b, of chunk c, into r and
// returns the rest of b.
func (u *unpacker) unpack(c *traceChunk, b []byte, r *traceRec) ([]byte, error) {
	if len(b) < 2 {
		return nil, errPacked
	}
	head, flags := b[0], b[1]
	b = b[2:]
	// Every field is set, absent ones to their zero (a composite literal
	// would zero a temporary and copy it, on every record).
	r.kind, r.from, r.to = recKind(head>>6), head>>3&7, head&7
	r.skip, r.by, r.proc = 0, trace.NoGoroutine, trace.NoProc
	r.stk, r.evStk, r.reason = trace.NoStack, trace.NoStack, ""
	r.pos, r.clock = 0, nil
	var v uint64
	v, b = uvarintField(b)
	u.last += trace.Time(v)
	r.t = u.last
	v, b = uvarintField(b)
	r.id = int64(v)
	if flags&packSkip != 0 {
		v, b = uvarintField(b)
		r.skip = uint32(v)
	}
	if flags&packStk != 0 {
		v, b = uvarintField(b)
		if r.stk = u.stack(c, v); r.stk == trace.NoStack {
			return nil, errPacked
		}
	}
	if flags&packEvStk != 0 {
		v, b = uvarintField(b)
		if r.evStk = u.stack(c, v); r.evStk == trace.NoStack {
			return nil, errPacked
		}
	}
	if flags&packBy != 0 {
		v, b = uvarintField(b)
		r.by = trace.GoID(v)
	}
	if flags&packProc != 0 {
		v, b = uvarintField(b)
		r.proc = trace.ProcID(v)
	}
	if flags&packReason != 0 {
		v, b = uvarintField(b)
		if v == uint64(len(u.reasons)) && u.newReason < len(c.reasons) {
			u.reasons = append(u.reasons, c.reasons[u.newReason])
			u.newReason++
		}
		if v >= uint64(len(u.reasons)) {
			return nil, errPacked
		}
		r.reason = u.reasons[v]
	}
	if flags&packPos != 0 {
		v, b = uvarintField(b)
		r.pos = int64(v)
	}
	if flags&packClock != 0 {
		if u.clock >= len(c.clocks) {
			return nil, errPacked
		}
		r.clock = c.clocks[u.clock]
		u.clock++
	}
	if b == nil {
		return nil, errPacked
	}
	return b, nil
}

// uvarintField reads a uvarint from the start of b and returns it and the
// rest of b, nil (as every later call returns) when b holds none.
func uvarintField(b []byte) (uint64, []byte) {
	if len(b) > 0 && b[0] < 0x80 {
		return uint64(b[0]), b[1:]
	}
	v, n := binary.Uvarint(b)
	if n <= 0 {
		return 0, nil
	}
	return v, b[n:]
}

// stack returns the trace stack of number n, taking the chunk's next
// introduction when n is new; NoStack for a number never introduced.
func (u *unpacker) stack(c *traceChunk, n uint64) trace.Stack {
	if n == uint64(len(u.stacks)) && u.newStack < len(c.stacks) {
		u.stacks = append(u.stacks, c.stacks[u.newStack])
		u.newStack++
	}
	if n >= uint64(len(u.stacks)) {
		return trace.NoStack
	}
	return u.stacks[n]
}

// next starts reading chunk c.
func (u *unpacker) next() { u.newStack, u.newReason, u.clock = 0, 0, 0 }
