package parse

import (
	"sort"
	"strconv"
	"strings"
)

// Interner deduplicates strings, frames, stacks and label sets. A dump of a
// million goroutines usually holds a few hundred distinct stacks; through an
// Interner it costs memory for those, not for every goroutine.
//
// An Interner is not safe for concurrent use; parallel readers each use their
// own and merge with Adopt.
type Interner struct {
	strs   map[string]string
	frames map[string]*Frame
	stacks map[uint64][]*Stack
	labels map[string]*Labels
	key    []byte
	nstack int
}

// NewInterner returns an empty Interner.
func NewInterner() *Interner { return newInternerSize(1024) }

// newInternerSize returns an Interner whose maps start with room for
// about n strings and frames.
func newInternerSize(n int) *Interner {
	return &Interner{
		strs:   make(map[string]string, n),
		frames: make(map[string]*Frame, n),
		stacks: make(map[uint64][]*Stack, n/4),
		labels: make(map[string]*Labels),
	}
}

// Bytes returns the interned copy of b; it allocates only for new strings.
func (in *Interner) Bytes(b []byte) string {
	if s, ok := in.strs[string(b)]; ok {
		return s
	}
	s := string(b)
	in.strs[s] = s
	return s
}

// String returns the interned copy of s.
func (in *Interner) String(s string) string {
	if t, ok := in.strs[s]; ok {
		return t
	}
	s = strings.Clone(s)
	in.strs[s] = s
	return s
}

// Frame returns the interned frame for a function, file and line. Frames
// that differ only in PC or argument values are the same frame; the first
// PC seen is kept.
func (in *Interner) Frame(fn, file []byte, line int, pc uint64, inlined bool) *Frame {
	k := in.key[:0]
	k = append(k, fn...)
	k = append(k, 0)
	k = append(k, file...)
	k = append(k, 0)
	k = strconv.AppendInt(k, int64(line), 10)
	if inlined {
		k = append(k, 'i')
	}
	in.key = k
	if f, ok := in.frames[string(k)]; ok {
		return f
	}
	f := &Frame{
		Function: in.Bytes(fn),
		File:     in.Bytes(file),
		Line:     line,
		PC:       pc,
		Inlined:  inlined,
	}
	f.Runtime = isRuntimeFunc(f.Function)
	f.Cgo = isCgoFrame(f.Function, f.File)
	in.frames[string(k)] = f
	f.hash = hashFrame(f)
	return f
}

// frameOf returns this Interner's frame equal to f, a frame of another
// Interner, interning a copy when there is none.
func (in *Interner) frameOf(f *Frame) *Frame {
	k := in.key[:0]
	k = append(k, f.Function...)
	k = append(k, 0)
	k = append(k, f.File...)
	k = append(k, 0)
	k = strconv.AppendInt(k, int64(f.Line), 10)
	if f.Inlined {
		k = append(k, 'i')
	}
	in.key = k
	if g, ok := in.frames[string(k)]; ok {
		return g
	}
	g := *f
	g.Function, g.File = in.String(f.Function), in.String(f.File)
	in.frames[string(k)] = &g
	return &g
}

// FrameOf interns a frame built elsewhere (profiles, traces).
func (in *Interner) FrameOf(fn, file string, line int, pc uint64) *Frame {
	return in.Frame([]byte(fn), []byte(file), line, pc, false)
}

// Stack returns the interned stack for frames, creator and elision. frames
// is copied when the stack is new, so callers may reuse their slice.
func (in *Interner) Stack(frames []*Frame, createdBy *Frame, elided, elidedAt int) *Stack {
	h := uint64(fnvOffset)
	for _, f := range frames {
		h = mix(h, f.hash)
	}
	h = mix(h, 0x9e3779b97f4a7c15)
	if createdBy != nil {
		h = mix(h, createdBy.hash)
	}
	h = mix(h, uint64(int64(elided)))
	for _, s := range in.stacks[h] {
		if s.CreatedBy == createdBy && s.Elided == elided && s.ElidedAt == elidedAt && sameFrames(s.Frames, frames) {
			return s
		}
	}
	s := &Stack{
		Frames:    append([]*Frame(nil), frames...),
		CreatedBy: createdBy,
		Elided:    elided,
		ElidedAt:  elidedAt,
		Hash:      h,
		ID:        in.nstack,
	}
	in.nstack++
	in.stacks[h] = append(in.stacks[h], s)
	return s
}

func sameFrames(a, b []*Frame) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// Labels returns the interned label set for pairs, sorted by key. It returns
// nil for an empty set.
func (in *Interner) Labels(pairs []LabelPair) *Labels {
	if len(pairs) == 0 {
		return nil
	}
	sort.SliceStable(pairs, func(i, j int) bool { return pairs[i].Key < pairs[j].Key })
	k := in.key[:0]
	for _, p := range pairs {
		k = append(k, p.Key...)
		k = append(k, 0)
		k = append(k, p.Value...)
		k = append(k, 0)
	}
	in.key = k
	if l, ok := in.labels[string(k)]; ok {
		return l
	}
	l := &Labels{Pairs: make([]LabelPair, len(pairs))}
	for i, p := range pairs {
		l.Pairs[i] = LabelPair{Key: in.String(p.Key), Value: in.String(p.Value)}
	}
	in.labels[string(k)] = l
	return l
}

const (
	fnvOffset = 14695981039346656037
	fnvPrime  = 1099511628211
)

func hashString(h uint64, s string) uint64 {
	for i := 0; i < len(s); i++ {
		h ^= uint64(s[i])
		h *= fnvPrime
	}
	return h
}

func mix(h, v uint64) uint64 {
	h ^= v
	h *= fnvPrime
	h ^= h >> 29
	return h
}

func hashFrame(f *Frame) uint64 {
	h := hashString(fnvOffset, f.Function)
	h = hashString(h^0xff, f.File)
	h = mix(h, uint64(int64(f.Line)))
	if f.Inlined {
		h = mix(h, 1)
	}
	return h
}

// isRuntimeFunc reports whether fn belongs to the Go runtime or its internal
// helpers, whose frames are kept but marked.
func isRuntimeFunc(fn string) bool {
	pkg := FuncPackage(fn)
	switch {
	case pkg == "runtime", strings.HasPrefix(pkg, "runtime/internal/"),
		strings.HasPrefix(pkg, "internal/runtime/"):
		return true
	case pkg == "" && !strings.Contains(fn, "."):
		// Go 1.3/1.4 C runtime frames: "chanrecv", "runtime·park".
		return strings.HasPrefix(fn, "runtime") || fn == "goexit" || fn == "park" || fn == "chanrecv" || fn == "chansend" || fn == "selectgo"
	}
	return false
}

func isCgoFrame(fn, file string) bool {
	return strings.Contains(fn, "._Cfunc_") || strings.Contains(fn, "._cgo_") ||
		strings.HasPrefix(fn, "_cgo") || strings.HasPrefix(fn, "runtime.cgocall") ||
		strings.HasSuffix(file, "_cgo_gotypes.go") || strings.HasSuffix(file, ".c") && !strings.Contains(file, "/runtime/")
}

func itoa(n int) string { return strconv.Itoa(n) }
