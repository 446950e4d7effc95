package parse

import (
	"bytes"
	"io"
	"math"
	"os"
	"path/filepath"
	"testing"
	"unsafe"

	"golang.org/x/exp/trace"
)

// someStacks returns stacks of a real trace.
func someStacks(t *testing.T, n int) []trace.Stack {
	paths, _ := filepath.Glob(filepath.Join("..", "fixtures", "captured", "*", "hot-lock", "trace.out"))
	if len(paths) == 0 {
		t.Skip("no captured hot-lock trace")
	}
	data, err := os.ReadFile(paths[0])
	if err != nil {
		t.Fatal(err)
	}
	r, err := trace.NewReader(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	seen := map[trace.Stack]bool{}
	var out []trace.Stack
	for len(out) < n {
		ev, err := r.ReadEvent()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if s := ev.Stack(); s != trace.NoStack && !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	if len(out) < n {
		t.Fatalf("%d stacks, want %d", len(out), n)
	}
	return out
}

// TestPackRecords packs records of every shape, in chunks, and unpacks
// them: each comes back as it was, or, when a value is too wide to pack,
// the unpacker refuses it.
func TestPackRecords(t *testing.T) {
	stk := someStacks(t, 3)
	clock := &trace.ClockSnapshot{Trace: 42}
	base := traceRec{t: 1000, id: 7, by: trace.NoGoroutine, proc: trace.NoProc, stk: trace.NoStack, evStk: trace.NoStack}
	with := func(f func(r *traceRec)) traceRec {
		r := base
		f(&r)
		return r
	}
	for _, tt := range []struct {
		name    string
		recs    []traceRec
		refused bool
	}{
		{"plain", []traceRec{base}, false},
		{"syscall", []traceRec{with(func(r *traceRec) { r.from, r.to, r.stk, r.proc = 3, 5, stk[0], 3 })}, false},
		{"stacks repeat and alternate", []traceRec{
			with(func(r *traceRec) { r.stk = stk[0] }), with(func(r *traceRec) { r.stk = stk[1] }),
			with(func(r *traceRec) { r.stk = stk[0] }), with(func(r *traceRec) { r.id, r.stk = 8, stk[1] }),
			with(func(r *traceRec) { r.stk = stk[2] }),
		}, false},
		{"block", []traceRec{with(func(r *traceRec) { r.to, r.stk, r.reason = 4, stk[1], "chan receive" }), with(func(r *traceRec) { r.reason = "sync" }), with(func(r *traceRec) { r.reason = "chan receive" })}, false},
		{"create", []traceRec{with(func(r *traceRec) { r.from, r.to, r.stk, r.evStk, r.by = 1, 2, stk[2], stk[0], 3 })}, false},
		{"wake-up by no goroutine", []traceRec{with(func(r *traceRec) { r.from, r.to, r.by = 4, 2, trace.NoGoroutine })}, false},
		{"sync", []traceRec{with(func(r *traceRec) { r.kind, r.id, r.pos, r.clock = recSync, 0, 1<<40, clock })}, false},
		{"gomaxprocs", []traceRec{with(func(r *traceRec) { r.kind, r.id = recGOMAXPROCS, 1<<20 })}, false},
		{"P", []traceRec{with(func(r *traceRec) { r.kind, r.from, r.to, r.proc = recProc, 1, 2, 0 })}, false},
		{"wide", []traceRec{with(func(r *traceRec) {
			r.id, r.skip, r.proc, r.by, r.t = 1<<39+5, math.MaxUint32, 1<<38, math.MaxInt64, math.MaxInt64
		})}, false},
		{"negative goroutine", []traceRec{with(func(r *traceRec) { r.by = -5 })}, false},
		{"ID too wide", []traceRec{with(func(r *traceRec) { r.id = 1 << 41 })}, true},
		{"negative ID", []traceRec{with(func(r *traceRec) { r.id = -2 })}, true},
		{"negative P", []traceRec{with(func(r *traceRec) { r.proc = -7 })}, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			pk := newPacker()
			var chunks []*traceChunk
			for i := range tt.recs {
				// A chunk per record: introductions must carry over.
				pk.start(&traceChunk{})
				pk.pack(&tt.recs[i])
				chunks = append(chunks, pk.finish())
			}
			var u unpacker
			for i, c := range chunks {
				u.next()
				var got traceRec
				next, ok := u.unpack(c, c.slots, 0, &got)
				if tt.refused {
					if ok {
						t.Fatalf("record %d: unpacked %+v, want it refused", i, got)
					}
					return
				}
				if !ok || next != len(c.slots) || got != tt.recs[i] {
					t.Fatalf("record %d: unpacked %+v (%v, %d of %d slots), want %+v", i, got, ok, next, len(c.slots), tt.recs[i])
				}
			}
			if tt.refused {
				t.Fatal("nothing refused")
			}
		})
	}
}

// TestPackSlotSize guards the size the hand-off's memory bound counts on.
func TestPackSlotSize(t *testing.T) {
	if n := unsafe.Sizeof(packSlot{}); n != 24 {
		t.Errorf("packSlot is %d bytes, want 24", n)
	}
}
