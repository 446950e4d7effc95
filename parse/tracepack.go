package parse

import (
	"errors"
	"math"

	"golang.org/x/exp/trace"
)

// The parallel reader's decoders hand records to the summarising goroutine
// packed into slots of 24 bytes without pointers: a record struct is about
// 100 bytes with four pointers, where the event it came from took 4 to 8
// in the file. A decoder may run a generation ahead of the summary, so the
// hand-off must stay small; and the collector neither scans packed slots
// nor makes their writes pay write barriers. (Uvarint bytes were a third
// the size, but packing and unpacking them cost more instructions than
// the summary itself.)
//
// A record takes one slot (its time, resource ID, stack, skip, and a P or
// a wait reason), and a second when it names the event's goroutine and
// stack (creations, wake-ups), is a sync (place in the input, clock), or
// has a value too wide for the first. Stacks and reasons are numbered per
// generation in order of first use; a number one past the last one seen
// introduces the next entry of the chunk's stacks or reasons. Clock
// snapshots are taken from the chunk in order.

// packSlot is one slot of a packed record. In a record's second slot the
// fields hold: t the sync's place in the input, id the event's stack
// number+1, stk and aux the high and low halves of the event's goroutine+1,
// and skip, head and flags the high bits of a wide skip, ID and aux.
type packSlot struct {
	t     trace.Time
	id    uint32 // the resource ID's low half
	stk   uint32 // stack number+1
	aux   uint32 // P+1, or wait reason number+1 (packReason)
	skip  uint16
	head  uint8 // kind<<6 | from<<3 | to
	flags uint8
}

// Flags of a record's first slot.
const (
	packMore     = 1 << iota // a second slot follows
	packReason               // aux is a reason, not a P
	packWideID               // the ID has high bits (second slot)
	packWideSkip             // skip has high bits
	packWideAux              // aux has high bits
	packClock                // the chunk's next clock snapshot goes with the sync
)

// packRefused marks a second slot that could not hold a record's values
// (an ID or P above 2^40, which no trace holds but a corrupt one); unpack
// refuses such a record, and the parallel read gives way.
const packRefused = math.MaxUint8

// traceChunk is a run of packed records of one generation, with the stacks,
// reasons and clock snapshots they introduce.
type traceChunk struct {
	slots   []packSlot
	stacks  []trace.Stack
	reasons []string
	clocks  []*trace.ClockSnapshot
}

// packer packs the records of one generation.
type packer struct {
	chunk *traceChunk
	// The chunk's slots, filled up to n: writing through them rather
	// than appending to chunk.slots saves a slice update per record.
	buf    []packSlot
	n      int
	stacks map[trace.Stack]uint32
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
	num [2]uint32
}

func newPacker() *packer {
	return &packer{stacks: make(map[trace.Stack]uint32)}
}

// reset readies the packer for another generation.
func (p *packer) reset() {
	clear(p.stacks)
	clear(p.recent[:])
	p.reasons = p.reasons[:0]
}

// start makes c, empty, the chunk to pack into.
func (p *packer) start(c *traceChunk) {
	p.chunk, p.buf, p.n = c, c.slots[:cap(c.slots)], 0
}

// finish returns the chunk packed into, its slots set.
func (p *packer) finish() *traceChunk {
	p.chunk.slots = p.buf[:p.n]
	return p.chunk
}

// pack appends r to the packer's chunk.
func (p *packer) pack(r *traceRec) {
	if p.n+2 > len(p.buf) {
		p.buf = append(p.buf[:p.n], packSlot{}, packSlot{})
		p.buf = p.buf[:cap(p.buf)]
	}
	s := &p.buf[p.n]
	p.n++
	s.t, s.id, s.skip = r.t, uint32(r.id), uint16(r.skip)
	s.head, s.flags, s.stk, s.aux = byte(r.kind)<<6|r.from<<3|r.to, 0, 0, 0
	if r.stk != trace.NoStack {
		s.stk = p.ownStack(trace.GoID(r.id), r.stk)
	}
	switch {
	case r.reason != "":
		s.flags, s.aux = packReason, p.reason(r.reason)
	case r.proc != trace.NoProc:
		s.aux = uint32(r.proc + 1)
	}
	// Most records end here: one slot holds them.
	if r.by == trace.NoGoroutine && r.evStk == trace.NoStack && r.pos == 0 && r.clock == nil &&
		(uint64(r.id)|uint64(r.proc+1))>>32 == 0 && r.skip <= math.MaxUint16 {
		return
	}
	p.packMore(r, s)
}

// packMore packs what a record's first slot s cannot hold into a second.
func (p *packer) packMore(r *traceRec, s *packSlot) {
	var wide wideValues
	if uint64(r.id) > math.MaxUint32 {
		s.flags |= packWideID
		wide.id = uint64(r.id) >> 32
	}
	if r.skip > math.MaxUint16 {
		s.flags |= packWideSkip
		wide.skip = r.skip >> 16
	}
	if aux := uint64(r.proc) + 1; s.flags&packReason == 0 && aux > math.MaxUint32 {
		s.flags |= packWideAux
		wide.aux = aux >> 32
	}
	if r.clock != nil {
		s.flags |= packClock
		p.chunk.clocks = append(p.chunk.clocks, r.clock)
	}
	if r.evStk == trace.NoStack && r.by == trace.NoGoroutine && r.pos == 0 && s.flags&(packWideID|packWideSkip|packWideAux) == 0 {
		return
	}
	s.flags |= packMore
	x := &p.buf[p.n]
	p.n++
	by := uint64(r.by) + 1 // NoGoroutine is -1
	*x = packSlot{
		t:     trace.Time(r.pos),
		stk:   uint32(by >> 32),
		aux:   uint32(by),
		skip:  uint16(wide.skip),
		head:  uint8(wide.id),
		flags: uint8(wide.aux),
	}
	if r.evStk != trace.NoStack {
		x.id = p.stack(r.evStk) + 1
	}
	if wide.id >= packRefused || wide.aux >= packRefused {
		x.flags, x.head = packRefused, packRefused
	}
}

// wideValues are the high bits of values too wide for a first slot.
type wideValues struct {
	id, aux uint64
	skip    uint32
}

// ownStack numbers a stack of goroutine g's own (number+1), through the
// cache of goroutines' recent stacks.
func (p *packer) ownStack(g trace.GoID, ts trace.Stack) uint32 {
	c := &p.recent[uint64(g)%recentStacks]
	if c.g == g && c.num[0] != 0 {
		if c.ts[0] == ts {
			return c.num[0]
		}
		if c.ts[1] == ts && c.num[1] != 0 {
			c.ts[0], c.ts[1] = c.ts[1], c.ts[0]
			c.num[0], c.num[1] = c.num[1], c.num[0]
			return c.num[0]
		}
	}
	n := p.stack(ts) + 1
	if c.g != g {
		*c = recentStack{g: g}
	}
	c.ts[1], c.num[1] = c.ts[0], c.num[0]
	c.ts[0], c.num[0] = ts, n
	return n
}

// stack returns the number of ts in the generation, introducing it in the
// chunk when new.
func (p *packer) stack(ts trace.Stack) uint32 {
	if n, ok := p.stacks[ts]; ok {
		return n
	}
	n := uint32(len(p.stacks))
	p.stacks[ts] = n
	p.chunk.stacks = append(p.chunk.stacks, ts)
	return n
}

// reason returns the number+1 of a wait reason in the generation,
// introducing it when new; a generation has a few dozen.
func (p *packer) reason(s string) uint32 {
	for i, r := range p.reasons {
		if r == s {
			return uint32(i + 1)
		}
	}
	p.reasons = append(p.reasons, s)
	p.chunk.reasons = append(p.chunk.reasons, s)
	return uint32(len(p.reasons))
}

// unpacker reads the packed records of one generation, chunk after chunk.
type unpacker struct {
	stacks  []trace.Stack
	reasons []string
	// Where the current chunk's introductions and clocks have been
	// taken up to.
	newStack, newReason, clock int
}

// errPacked is a packed record the unpacker cannot read: a bug, since the
// same program packed it.
var errPacked = errors.New("malformed packed trace record")

// unpack reads the record at slots[i], of chunk c, into r. It returns
// the index of the next record, or false when the record is malformed.
func (u *unpacker) unpack(c *traceChunk, slots []packSlot, i int, r *traceRec) (int, bool) {
	s := &slots[i]
	// Every field is set, absent ones to their zero (a composite literal
	// would zero a temporary and copy it, on every record).
	r.t, r.id, r.skip = s.t, int64(s.id), uint32(s.skip)
	r.kind, r.from, r.to = recKind(s.head>>6), s.head>>3&7, s.head&7
	r.by, r.proc, r.evStk, r.reason = trace.NoGoroutine, trace.NoProc, trace.NoStack, ""
	r.pos, r.clock = 0, nil
	r.stk = trace.NoStack
	if s.stk != 0 {
		if r.stk = u.stack(c, s.stk-1); r.stk == trace.NoStack {
			return 0, false
		}
	}
	if s.flags == 0 {
		// Most records: one slot, no reason.
		if s.aux != 0 {
			r.proc = trace.ProcID(s.aux) - 1
		}
		return i + 1, true
	}
	return u.unpackMore(c, slots, i, r)
}

// unpackMore is unpack for a record with flags.
func (u *unpacker) unpackMore(c *traceChunk, slots []packSlot, i int, r *traceRec) (int, bool) {
	s := &slots[i]
	aux := uint64(s.aux)
	next := i + 1
	if s.flags&packMore != 0 {
		if next >= len(slots) {
			return 0, false
		}
		x := &slots[next]
		next++
		if x.flags == packRefused && x.head == packRefused {
			return 0, false
		}
		r.pos = int64(x.t)
		r.by = trace.GoID(uint64(x.stk)<<32|uint64(x.aux)) - 1
		if x.id != 0 {
			if r.evStk = u.stack(c, x.id-1); r.evStk == trace.NoStack {
				return 0, false
			}
		}
		if s.flags&packWideID != 0 {
			r.id |= int64(x.head) << 32
		}
		if s.flags&packWideSkip != 0 {
			r.skip |= uint32(x.skip) << 16
		}
		if s.flags&packWideAux != 0 {
			aux |= uint64(x.flags) << 32
		}
	}
	switch {
	case s.flags&packReason != 0:
		if aux == uint64(len(u.reasons))+1 && u.newReason < len(c.reasons) {
			u.reasons = append(u.reasons, c.reasons[u.newReason])
			u.newReason++
		}
		if aux == 0 || aux > uint64(len(u.reasons)) {
			return 0, false
		}
		r.reason = u.reasons[aux-1]
	case aux != 0:
		r.proc = trace.ProcID(aux - 1)
	}
	if s.flags&packClock != 0 {
		if u.clock >= len(c.clocks) {
			return 0, false
		}
		r.clock = c.clocks[u.clock]
		u.clock++
	}
	return next, true
}

// stack returns the trace stack of number n, taking the chunk's next
// introduction when n is new; NoStack for a number never introduced.
func (u *unpacker) stack(c *traceChunk, n uint32) trace.Stack {
	if n < uint32(len(u.stacks)) {
		return u.stacks[n]
	}
	if n == uint32(len(u.stacks)) && u.newStack < len(c.stacks) {
		u.stacks = append(u.stacks, c.stacks[u.newStack])
		u.newStack++
		return u.stacks[n]
	}
	return trace.NoStack
}

// next starts reading chunk c.
func (u *unpacker) next() { u.newStack, u.newReason, u.clock = 0, 0, 0 }
