package parse

import "bytes"

// frameCache maps the text of function and file lines to interned frames.
// A dump of a million goroutines prints a few hundred distinct frames
// millions of times; through the cache a repeated frame costs one map
// lookup on its function name and one comparison of its file line, instead
// of parsing both lines and interning the result.
//
// Entries are made only from lines the full parsers accepted, so a cache
// hit gives exactly what the parsers would have: a function line is found
// by its text up to the argument list's '(' (the parser stops at the first
// such '(' and nothing before it differs), a file line by its text up to
// the end of its "+0x" offset (everything parseFileLine reads).
type frameCache struct {
	funcs    map[string]*funcLines // function lines' functions
	creators map[string]*funcLines // "created by" functions: not checked by parseFuncLine, so apart
}

// funcLines is one function's entry: its interned name and the file lines
// seen under it.
type funcLines struct {
	fn   string
	name []byte // fn's bytes, for the interner
	locs []*cachedLoc
	last *cachedLoc // the file line seen under it most recently
}

// cachedLoc is one file line under a function, and the frame the two make.
type cachedLoc struct {
	text    string // the file line from its first non-blank byte to its " +0x..."
	whole   bool   // text is the whole line: it has no " +0x..."
	inlined bool
	frame   *Frame
	// next holds the function lines that followed this frame the last
	// few times, latest first: its callers, in goroutines with the same
	// stack.
	next [4]*funcLines
	// stack is the last goroutine stack whose outermost frame this was.
	stack *Stack
}

const (
	maxCachedFuncs = 1 << 16 // distinct functions kept: bounds the cache on hostile input
	maxCachedLocs  = 16      // file lines kept per function
)

// lookupFunc returns the entry of a function line t (indent trimmed) that
// the parser accepted before, and whether the call was printed inlined.
func (c *frameCache) lookupFunc(t []byte) (*funcLines, bool) {
	n := len(t)
	if n < 3 || t[n-1] != ')' {
		return nil, false
	}
	open := bytes.LastIndexByte(t, '(')
	if open <= 0 {
		return nil, false
	}
	e := c.funcs[string(t[:open])]
	if e == nil {
		return nil, false
	}
	return e, true
}

// creator returns the entry for a "created by" function, making it when
// there is room; nil means the name is not cached.
func (c *frameCache) creator(fn []byte, in *Interner) *funcLines {
	if e := c.creators[string(fn)]; e != nil {
		return e
	}
	if c.creators == nil {
		c.creators = make(map[string]*funcLines, 64)
	}
	if len(c.creators) >= maxCachedFuncs {
		return nil
	}
	e := &funcLines{fn: in.Bytes(fn), name: append([]byte(nil), fn...)}
	c.creators[e.fn] = e
	return e
}

// addFunc returns the entry for the function name fn accepted by
// parseFuncLine, making it when there is room; a nil entry means the name
// is not cached.
func (c *frameCache) addFunc(fn []byte, in *Interner) *funcLines {
	if e := c.funcs[string(fn)]; e != nil {
		return e
	}
	if c.funcs == nil {
		c.funcs = make(map[string]*funcLines, 256)
	}
	if len(c.funcs) >= maxCachedFuncs {
		return nil
	}
	e := &funcLines{fn: in.Bytes(fn), name: append([]byte(nil), fn...)}
	c.funcs[e.fn] = e
	return e
}

// locKey returns the part of a file line (indent trimmed) that decides its
// frame: the text before its " +0x..." offset, or the whole line when it
// has no offset (inlined calls print none) and no fp=/sp=/pc= either;
// whole says which. parseFileLine takes the file and line from the text
// before " +0x" alone, and the interner keeps one frame per function, file
// and line whatever the offset, so two lines with the same key make the
// same frame. ok is false for lines that are not cached.
func locKey(t []byte) (key []byte, whole, ok bool) {
	i := bytes.Index(t, []byte(" +0x"))
	if i < 0 {
		if bytes.Contains(t, []byte(" fp=")) || bytes.Contains(t, []byte(" pc=")) {
			return nil, false, false
		}
		return t, true, true
	}
	return t[:i], false, true
}

// isCall reports whether the function line t (indent trimmed) is a call of
// e's function: the name, then the argument list. What parseFuncLine reads
// of t stops at that '(', so t is a call of e's function exactly when it
// starts so and ends with ')'.
func (e *funcLines) isCall(t []byte) bool {
	n := len(e.name)
	return len(t) > n+1 && t[n] == '(' && t[len(t)-1] == ')' && bytes.Equal(t[:n], e.name)
}

// matches reports whether the file line t (indent trimmed) has l's key:
// l's text, then nothing when it is the whole line, else " +0x".
func (l *cachedLoc) matches(t []byte, inlined bool) bool {
	n := len(l.text)
	if l.inlined != inlined || len(t) < n {
		return false
	}
	if l.whole {
		if len(t) != n {
			return false
		}
	} else if len(t) < n+4 || t[n] != ' ' || t[n+1] != '+' || t[n+2] != '0' || t[n+3] != 'x' {
		return false
	}
	return string(t[:n]) == l.text
}

// loc returns the cached file line with key under e.
func (e *funcLines) loc(key []byte, whole, inlined bool) *cachedLoc {
	for _, l := range e.locs {
		if l.inlined == inlined && l.whole == whole && l.text == string(key) {
			return l
		}
	}
	return nil
}

// addLoc remembers the frame of file line key under e; the result is nil
// when e holds as many file lines as it may.
func (e *funcLines) addLoc(key []byte, whole, inlined bool, f *Frame) *cachedLoc {
	if len(e.locs) >= maxCachedLocs {
		return nil
	}
	l := &cachedLoc{text: string(key), whole: whole, inlined: inlined, frame: f}
	e.locs = append(e.locs, l)
	return l
}

// follower returns the function of the function line t (indent trimmed)
// when it is one of those that followed l before.
func (l *cachedLoc) follower(t []byte) *funcLines {
	for _, e := range l.next {
		if e == nil {
			return nil
		}
		if e.isCall(t) {
			return e
		}
	}
	return nil
}

// followedBy learns that function e came after l, keeping the latest
// first.
func (l *cachedLoc) followedBy(e *funcLines) {
	if l.next[0] == e {
		return
	}
	for i, f := range l.next {
		if f == e || f == nil || i == len(l.next)-1 {
			copy(l.next[1:i+1], l.next[:i])
			l.next[0] = e
			return
		}
	}
}
