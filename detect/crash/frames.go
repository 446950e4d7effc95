package crash

import (
	"strings"

	"github.com/gorensic/gorensic/detect"
	"github.com/gorensic/gorensic/parse"
)

// isUser reports whether f is in the program's own code: not the runtime,
// not the standard library.
func isUser(f *parse.Frame) bool {
	return !f.Runtime && !detect.IsStdlib(f.Function)
}

// userFrame returns the first frame of st.Frames[from:to] in the program's
// own code, else the first one outside the runtime, else nil.
func userFrame(st *parse.Stack, from, to int) *parse.Frame {
	if st == nil {
		return nil
	}
	to = min(to, len(st.Frames))
	for i := from; i < to; i++ {
		if isUser(st.Frames[i]) {
			return st.Frames[i]
		}
	}
	for i := from; i < to; i++ {
		if f := st.Frames[i]; !f.Runtime && !isPanicFrame(f) {
			return f
		}
	}
	return nil
}

// isPanicFrame reports whether f is the runtime's panic function, printed
// "panic" since Go 1.17-ish, "runtime.gopanic" with GOTRACEBACK=system and
// "runtime.panic" in Go 1.3.
func isPanicFrame(f *parse.Frame) bool {
	switch f.Function {
	case "panic", "runtime.gopanic", "runtime.panic", "gopanic", "runtime·panic":
		return true
	}
	return false
}

// panicFrames returns the indices of the panic frames in st, innermost
// first.
func panicFrames(st *parse.Stack) []int {
	var idx []int
	for i, f := range st.Frames {
		if isPanicFrame(f) {
			idx = append(idx, i)
		}
	}
	return idx
}

// panicSites returns where a panic started and, when chained is set (a
// panic raised again while the first was unwinding: a recovered and
// re-panicked chain, or a deferred call that panicked), where the last one
// was raised.
//
// A stack with a chain reads, innermost first:
//
//	panic                          <- the last panic (hidden by default)
//	main.(*h).recoverAndRepanic    <- the re-panic site
//	panic                          <- the first panic, running deferred calls
//	main.(*h).serve                <- the original site
//
// so the original site is the first user frame below the outermost panic
// frame and the re-panic site the first one above it.
func panicSites(st *parse.Stack, chained bool) (origin, repanic *parse.Frame) {
	if st == nil {
		return nil, nil
	}
	idx := panicFrames(st)
	if len(idx) == 0 {
		return detect.Culprit(st), nil
	}
	last := idx[len(idx)-1]
	origin = userFrame(st, last+1, len(st.Frames))
	if origin == nil {
		origin = detect.Culprit(st)
	}
	if chained {
		repanic = userFrame(st, 0, last)
	}
	return origin, repanic
}

// throwMachinery are the runtime functions through which a fatal error or
// a signal reaches the printout; the culprit is below them.
var throwMachinery = map[string]bool{
	"runtime.throw": true, "runtime.fatal": true, "runtime.fatalthrow": true, "runtime.fatalpanic": true,
	"runtime.dopanic_m": true, "runtime.dopanic": true, "runtime.startpanic_m": true,
	"runtime.sigpanic": true, "runtime.panicmem": true, "runtime.panicmemAddr": true,
	"runtime.sighandler": true, "runtime.sigtrampgo": true, "runtime.sigtramp": true, "runtime.badsignal": true,
	"runtime.crash": true, "runtime.raise": true, "runtime.abort": true, "runtime.systemstack": true,
	"runtime.mcall": true, "runtime.morestack": true, "runtime.newstack": true,
	"internal/runtime/maps.fatal": true, "sync.fatal": true, "sync.throw": true,
}

// runtimeCulprit returns the first frame of a "runtime stack:" section past
// the throw machinery: the runtime function that raised the fatal error.
func runtimeCulprit(st *parse.Stack) *parse.Frame {
	if st == nil {
		return nil
	}
	for _, f := range st.Frames {
		if !throwMachinery[f.Function] {
			return f
		}
	}
	return nil
}

// cgoSite returns the cgo frame of a stack that crashed in C code (the
// generated _Cfunc_ wrapper, else another cgo frame) and the Go frame that
// called it.
func cgoSite(st *parse.Stack) (cframe, caller *parse.Frame) {
	if st == nil {
		return nil, nil
	}
	at := -1
	for i, f := range st.Frames {
		if strings.Contains(f.Function, "._Cfunc_") || strings.HasPrefix(f.Function, "_Cfunc_") {
			at = i
			break
		}
	}
	if at < 0 {
		for i, f := range st.Frames {
			if f.Cgo && !strings.HasPrefix(f.Function, "runtime.") {
				at = i
				break
			}
		}
	}
	if at < 0 {
		return nil, nil
	}
	for i := at + 1; i < len(st.Frames); i++ {
		if f := st.Frames[i]; !f.Cgo && !f.Runtime && !isPanicFrame(f) {
			caller = f
			break
		}
	}
	return st.Frames[at], caller
}

// inCgoCall reports whether the innermost frames of st are a cgo call: the
// first frame outside the runtime is a cgo frame, or the stack holds
// nothing but runtime.cgocall.
func inCgoCall(st *parse.Stack) bool {
	if st == nil {
		return false
	}
	for _, f := range st.Frames {
		if f.Cgo || f.Function == "runtime.cgocall" || f.Function == "runtime.asmcgocall" {
			return true
		}
		if !f.Runtime {
			return false
		}
	}
	return false
}

// recursion returns the innermost frame of the function that repeats most
// in st (at least three times) and how often it appears; nil when nothing
// repeats.
func recursion(st *parse.Stack) (*parse.Frame, int) {
	if st == nil {
		return nil, 0
	}
	counts := make(map[string]int)
	for _, f := range st.Frames {
		if !f.Runtime {
			counts[f.Function]++
		}
	}
	var best *parse.Frame
	n := 0
	for _, f := range st.Frames {
		if c := counts[f.Function]; c > n && !f.Runtime {
			best, n = f, c
		}
	}
	if n < 3 {
		return nil, 0
	}
	return best, n
}

// shortFunc drops the import path of a function name for titles:
// "github.com/a/b/pkg.(*T).m" becomes "pkg.(*T).m".
func shortFunc(fn string) string {
	pkg := parse.FuncPackage(fn)
	if i := strings.LastIndexByte(pkg, '/'); i >= 0 {
		return fn[i+1:]
	}
	return fn
}

// firstLine returns the first line of s, cut to at most n bytes.
func firstLine(s string, n int) string {
	s, _, _ = strings.Cut(s, "\n")
	s = strings.TrimSpace(s)
	if len(s) > n {
		cut := n
		for cut > 0 && s[cut]&0xC0 == 0x80 {
			cut--
		}
		s = s[:cut] + "…"
	}
	return s
}
