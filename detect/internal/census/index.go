package census

import (
	"strings"

	"github.com/gorensic/gorensic/detect"
	"github.com/gorensic/gorensic/parse"
)

// index answers the questions both analyses ask about the snapshot: which
// goroutine has a given ID, which functions are on some goroutine's stack,
// and what a group is doing. It is built once per analysis.
type index struct {
	s      *parse.Snapshot
	groups []*parse.Group
	total  int
	ops    []op // per group, parallel to groups

	// byID maps the creator IDs the analysis asked for to goroutine
	// indices; filled by resolveCreators.
	byID map[int64]int
	// onStack holds every (normalised) function on some stack in the
	// snapshot; built lazily.
	onStack map[string]bool
	// creatorInside caches whether a creator's stack holds the creating
	// function, by (stack, function).
	creatorInside map[insideKey]bool
	// complete is false when the input was cut (truncated dump, pprof's
	// 64 MiB cap): an absent creator may then just be missing.
	complete bool
	// deadlock is true for "all goroutines are asleep" crashes and
	// synctest's "deadlock: " panics, which the deadlock detector reports.
	deadlock bool
}

func newIndex(p *detect.Pass) *index {
	ix := &index{s: p.Snapshot, groups: p.Groups, total: p.Total, complete: true}
	if ix.total <= 0 {
		ix.total = p.Snapshot.GoroutineCount()
	}
	for _, w := range p.Snapshot.Warnings {
		if w.Kind == parse.WarnTruncated || w.Kind == parse.WarnPprofCap || w.Kind == parse.WarnCountMismatch {
			ix.complete = false
		}
	}
	if c := p.Snapshot.Crash; c != nil && (strings.Contains(c.Message, "all goroutines are asleep") || strings.HasPrefix(c.Message, "deadlock: ")) {
		ix.deadlock = true // the runtime's, or a synctest bubble's
	}
	ix.ops = make([]op, len(ix.groups))
	for i, g := range ix.groups {
		ix.ops[i] = classify(p.Snapshot, g)
	}
	return ix
}

// resolveCreators finds the goroutines with the given IDs in one pass.
func (ix *index) resolveCreators(ids map[int64]bool) {
	ix.byID = make(map[int64]int, len(ids))
	if len(ids) == 0 {
		return
	}
	for i := range ix.s.Goroutines {
		if id := ix.s.Goroutines[i].ID; ids[id] {
			ix.byID[id] = i
		}
	}
}

// creator returns the live creator goroutine of g, or nil.
func (ix *index) creator(g *parse.Goroutine) *parse.Goroutine {
	return ix.creatorByID(g.CreatorID)
}

// creatorByID returns the live goroutine with ID id, among the creators
// resolveCreators was asked for, or nil.
func (ix *index) creatorByID(id int64) *parse.Goroutine {
	if id == 0 {
		return nil
	}
	if i, ok := ix.byID[id]; ok {
		return &ix.s.Goroutines[i]
	}
	return nil
}

// functionOnSomeStack reports whether fn is on the stack of any goroutine.
func (ix *index) functionOnSomeStack(fn string) bool {
	if ix.onStack == nil {
		ix.onStack = make(map[string]bool)
		for _, g := range ix.groups {
			for _, f := range g.Stack.Frames {
				ix.onStack[norm(f.Function)] = true
			}
		}
	}
	return ix.onStack[norm(fn)]
}

type insideKey struct {
	stack *parse.Stack
	fn    string
}

// stackHasCached is stackHas, remembered per stack and function: a
// million goroutines have a few hundred stacks.
func (ix *index) stackHasCached(st *parse.Stack, fn string) bool {
	k := insideKey{st, fn}
	v, ok := ix.creatorInside[k]
	if !ok {
		if ix.creatorInside == nil {
			ix.creatorInside = make(map[insideKey]bool)
		}
		v = stackHas(st, fn)
		ix.creatorInside[k] = v
	}
	return v
}

// norm is detect.NormalizeFunction without the copy for the common
// function name without type parameters.
func norm(fn string) string {
	if strings.IndexByte(fn, '[') < 0 {
		return fn
	}
	return detect.NormalizeFunction(fn)
}

// stackHas reports whether fn is one of st's frames.
func stackHas(st *parse.Stack, fn string) bool {
	if st == nil {
		return false
	}
	fn = norm(fn)
	for _, f := range st.Frames {
		if norm(f.Function) == fn {
			return true
		}
	}
	return false
}

// creatorStatus says whether the function that started g is still running
// in the goroutine that started it.
type creatorStatus int

const (
	creatorUnknown  creatorStatus = iota
	creatorRunning                // the creator is alive and still inside the creating function
	creatorReturned               // the creator is gone, or alive but has left the creating function
)

// creatorStatusOf answers for one goroutine. With creator IDs (Go 1.21+)
// it looks at the creator goroutine itself; with creation frames but no
// IDs it asks whether the creating function is on any stack at all.
func (ix *index) creatorStatusOf(g *parse.Goroutine) creatorStatus {
	return ix.creatorStatus(g.Stack, g.CreatorID)
}

// creatorStatus answers for a goroutine of stack st started by goroutine
// creatorID (0 when unknown).
func (ix *index) creatorStatus(st *parse.Stack, creatorID int64) creatorStatus {
	cb := st.CreatedBy
	if cb == nil {
		return creatorUnknown
	}
	if ix.s.Caps.Has(parse.CapCreatorIDs) && creatorID != 0 {
		c := ix.creatorByID(creatorID)
		switch {
		case c == nil && ix.complete:
			return creatorReturned
		case c == nil:
			return creatorUnknown
		case ix.stackHasCached(c.Stack, cb.Function):
			return creatorRunning
		}
		return creatorReturned
	}
	if ix.s.Caps.Has(parse.CapCreators) {
		if ix.functionOnSomeStack(cb.Function) {
			return creatorRunning
		}
		if ix.complete {
			return creatorReturned
		}
	}
	return creatorUnknown
}

// serverConnFrames are the functions a server runs each connection's
// requests in.
var serverConnFrames = []string{
	"net/http.(*conn).serve", "net/http.(*http2serverConn).serve", "golang.org/x/net/http2.(*serverConn).serve",
	"google.golang.org/grpc/internal/transport.(*http2Server).HandleStreams",
}

// isServerConn reports whether a stack is a server connection goroutine,
// which runs request handlers one after another.
func (ix *index) isServerConn(st *parse.Stack) bool {
	for _, fn := range serverConnFrames {
		if ix.stackHasCached(st, fn) {
			return true
		}
	}
	return false
}

// isAcceptFrame reports whether fn accepts network connections.
func isAcceptFrame(fn string) bool {
	i := strings.LastIndexByte(fn, '.')
	if i < 0 {
		return false
	}
	name := fn[i+1:]
	if name != "Accept" && name != "AcceptTCP" && name != "AcceptUnix" && name != "accept" {
		return false
	}
	switch parse.FuncPackage(fn) {
	case "net", "internal/poll", "crypto/tls", "net/http", "golang.org/x/net/netutil":
		return true
	}
	return strings.Contains(fn, "Listener)")
}

// inAccept reports whether a stack is an accept loop waiting for a
// connection.
func inAccept(st *parse.Stack) bool {
	if st == nil {
		return false
	}
	for _, f := range st.Frames {
		if isAcceptFrame(f.Function) {
			return true
		}
	}
	return false
}
