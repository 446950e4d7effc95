package detect

import (
	"strings"

	"github.com/gorensic/gorensic/parse"
)

// IsStdlib reports whether the package of fn belongs to the Go standard
// library or the runtime: its import path starts with one of the standard
// library's top-level directories. A dotless path that is not one of them
// ("myapp/handler", GOPATH-era "robotgo") is the program's own code, as
// is "main".
func IsStdlib(fn string) bool {
	pkg := parse.FuncPackage(fn)
	if pkg == "" {
		return !strings.Contains(fn, ".") // Go 1.3 C runtime frames, "panic"
	}
	first, _, _ := strings.Cut(pkg, "/")
	if strings.Contains(first, ".") {
		return false
	}
	_, ok := stdRoots[first]
	return ok
}

// stdRoots are the top-level directories of the standard library's import
// paths (GOROOT/src), including "vendor" (its vendored golang.org/x
// packages) and "cmd".
var stdRoots = map[string]struct{}{
	"archive": {}, "arena": {}, "bufio": {}, "builtin": {}, "bytes": {}, "cmd": {}, "cmp": {},
	"compress": {}, "container": {}, "context": {}, "crypto": {}, "database": {}, "debug": {},
	"embed": {}, "encoding": {}, "errors": {}, "expvar": {}, "flag": {}, "fmt": {}, "go": {},
	"hash": {}, "html": {}, "image": {}, "index": {}, "internal": {}, "io": {}, "iter": {},
	"log": {}, "maps": {}, "math": {}, "mime": {}, "net": {}, "os": {}, "path": {}, "plugin": {},
	"reflect": {}, "regexp": {}, "runtime": {}, "simd": {}, "slices": {}, "sort": {}, "strconv": {},
	"strings": {}, "structs": {}, "sync": {}, "syscall": {}, "testing": {}, "text": {}, "time": {},
	"unicode": {}, "unique": {}, "unsafe": {}, "vendor": {}, "weak": {},
}

// Culprit returns the frame a finding should point at: the innermost frame
// in the program's own code (not the runtime, not the standard library).
// When every frame is library code it returns the innermost frame outside
// the runtime, and nil for an empty stack.
func Culprit(st *parse.Stack) *parse.Frame {
	if st == nil {
		return nil
	}
	for _, f := range st.Frames {
		if !f.Runtime && !IsStdlib(f.Function) {
			return f
		}
	}
	for _, f := range st.Frames {
		if !f.Runtime {
			return f
		}
	}
	if len(st.Frames) > 0 {
		return st.Frames[0]
	}
	return nil
}

// EntryFunction returns the outermost frame of a stack: the function the
// goroutine was started with, used as its creation site when the input
// records no "created by" (debug=0 and debug=1 profiles). The compiler's
// go-statement wrappers ("main.main.gowrap3", printed with
// GOTRACEBACK=system) are skipped: the entry is the function they call.
func EntryFunction(st *parse.Stack) *parse.Frame {
	if st == nil || len(st.Frames) == 0 {
		return nil
	}
	for i := len(st.Frames) - 1; i >= 0; i-- {
		f := st.Frames[i]
		if f.Function == "runtime.goexit" || f.Function == "goexit" || (i > 0 && isGoWrapper(f.Function)) {
			continue
		}
		return f
	}
	return st.Frames[len(st.Frames)-1]
}

// isGoWrapper reports whether fn is a compiler-made go-statement wrapper:
// its last element is "gowrap" and digits.
func isGoWrapper(fn string) bool {
	i := strings.LastIndexByte(fn, '.')
	if i < 0 || !strings.HasPrefix(fn[i+1:], "gowrap") {
		return false
	}
	digits := fn[i+1+len("gowrap"):]
	if digits == "" {
		return false
	}
	for _, c := range digits {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// CreationSite returns the "created by" frame of a stack, or nil when the
// input does not record one (debug=0 and debug=1 profiles: use
// EntryFunction there).
func CreationSite(st *parse.Stack) *parse.Frame {
	if st == nil {
		return nil
	}
	return st.CreatedBy
}

// EvidenceOf builds the evidence for a group: count, state, stack, a few
// goroutine IDs, labels and wait ages.
func EvidenceOf(s *parse.Snapshot, g *parse.Group, note string) Evidence {
	e := Evidence{
		Count:        g.Count,
		State:        g.State,
		Stack:        g.Stack,
		GoroutineIDs: g.IDs(s, 5),
		Labels:       g.Labels,
		Note:         note,
	}
	if s.Caps.Has(parse.CapWaitAges) {
		e.Wait = &WaitStats{Min: g.WaitMin, Median: g.WaitMedian, Max: g.WaitMax}
	}
	return e
}

// GoroutineEvidence builds the evidence for one goroutine (a crashing
// goroutine, a creator, a parent): its state, stack, ID, labels and wait
// age, as far as the snapshot has them.
func GoroutineEvidence(s *parse.Snapshot, g *parse.Goroutine, note string) Evidence {
	e := Evidence{Count: 1, State: g.State, Stack: g.Stack, Note: note}
	if s.Caps.Has(parse.CapGoroutineIDs) {
		e.GoroutineIDs = []int64{g.ID}
	}
	if g.Labels != nil {
		e.Labels = []*parse.Labels{g.Labels}
	}
	if s.Caps.Has(parse.CapWaitAges) {
		e.Wait = &WaitStats{Min: g.Wait, Median: g.Wait, Max: g.Wait}
	}
	return e
}
