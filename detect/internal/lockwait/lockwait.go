// Package lockwait finds the goroutines of a snapshot that wait for a lock,
// groups them by the code that takes the lock, names the goroutines that may
// hold it, and finds stalls: sets of lock waiters that nothing visible can
// release. The contention and deadlock detectors both run it, so they agree
// on which of them reports which goroutines.
//
// A goroutine dump never says who holds a sync.Mutex: the runtime records
// no owner, and the model keeps no frame arguments (so no lock addresses).
// Holders are therefore suspected from the stacks, by three rules, strongest
// first:
//
//   - same function: the goroutine's stack contains a frame of a function in
//     which the waiters call Lock (the frame calling Lock, or the program
//     frame the finding blames), and it is not itself waiting for a lock
//     there: it is inside the critical section, blocked on something else
//     (I/O, a channel, a syscall, a sleep) or running;
//   - same enclosing function: a closure of the same function ("Start.func1"
//     for waiters in "Start.func2"), which usually shares its captured lock;
//   - same type: a method of the same receiver type as the waiters' frame
//     ("(*configStore).Export" for waiters in "(*configStore).Lookup"),
//     since a type's methods usually lock the type's own mutex.
//
// A stall is a set of sites whose goroutines have all waited at least a
// minimum age (or that the runtime marked leaked), for which no suspected
// holder is anything but another long-waiting lock waiter: either they wait
// for each other (a lock-order cycle) or for a lock that nobody will ever
// unlock. Stalls are the deadlock detector's; the contention detector
// reports their sites at info only, pointing at the deadlock finding.
package lockwait

import (
	"cmp"
	"slices"
	"strings"
	"time"

	"github.com/gorensic/gorensic/detect"
	"github.com/gorensic/gorensic/parse"
)

// Kind is the kind of lock a goroutine waits for.
type Kind int

const (
	Mutex     Kind = iota + 1 // sync.Mutex.Lock
	RLock                     // sync.RWMutex.RLock
	WLock                     // sync.RWMutex.Lock
	Semaphore                 // golang.org/x/sync/semaphore.(*Weighted).Acquire
)

// Op names the waiting operation as the runtime's wait reasons do.
func (k Kind) Op() string {
	switch k {
	case Mutex:
		return "sync.Mutex.Lock"
	case RLock:
		return "sync.RWMutex.RLock"
	case WLock:
		return "sync.RWMutex.Lock"
	case Semaphore:
		return "semaphore.Acquire"
	}
	return "lock"
}

// Lock names the lock: "sync.Mutex", "sync.RWMutex", "semaphore".
func (k Kind) Lock() string {
	switch k {
	case Mutex:
		return "sync.Mutex"
	case RLock, WLock:
		return "sync.RWMutex"
	case Semaphore:
		return "semaphore"
	}
	return "lock"
}

// Wait is a group of identical goroutines waiting for a lock.
type Wait struct {
	Group *parse.Group
	Kind  Kind
	// Caller is the index in Group.Stack.Frames of the frame that called
	// the lock method (the first frame after the sync, semaphore and
	// runtime frames); len(Frames) when the stack ends inside them.
	Caller int
	// Culprit is the first frame in the program's own code from Caller
	// outwards, else the calling frame itself.
	Culprit *parse.Frame
	// Class is the lock class: the receiver type of the culprit's function
	// ("pkg.T"), or its enclosing top-level function ("pkg.f").
	Class string
	// ClassIsType is true when Class names a receiver type.
	ClassIsType bool
	// FromFrames is true when the input has no wait states and the lock
	// operation was recognised from the frames alone.
	FromFrames bool
}

// Long reports whether every goroutine of the wait has waited at least d,
// or the runtime marked them leaked (they can never wake).
func (w *Wait) Long(s *parse.Snapshot, d time.Duration) bool {
	if w.Group.Flags&parse.FlagLeaked != 0 {
		return true
	}
	return s.Caps.Has(parse.CapWaitAges) && d > 0 && w.Group.WaitMin >= d
}

// Of classifies a group: it returns the lock wait it is, or nil.
func Of(s *parse.Snapshot, g *parse.Group) *Wait {
	st := g.Stack
	if st == nil || len(st.Frames) == 0 {
		return nil
	}
	op := detect.OpOf(g.State, st)
	hasState := s.Caps.Has(parse.CapStates) && g.State != ""
	var kind Kind
	last := -1 // index of the outermost lock-method frame
	i := 0
	for ; i < len(st.Frames); i++ {
		f := st.Frames[i]
		k, machinery := lockFrame(f)
		if !machinery {
			break
		}
		if k != 0 {
			kind, last = k, i
		}
	}
	if kind == 0 || last < 0 {
		return nil
	}
	switch {
	case kind == Semaphore:
		// A select (or, on some versions, a receive) inside Acquire.
		if op != detect.OpSelect && op != detect.OpChanReceive && op != detect.OpUnknown {
			return nil
		}
	case !op.IsLock():
		return nil
	}
	w := &Wait{Group: g, Kind: kind, Caller: i, FromFrames: !hasState || g.State == "semacquire"}
	w.Culprit = programFrame(st, i)
	switch {
	case w.Culprit != nil:
	case i < len(st.Frames):
		w.Culprit = st.Frames[i]
	default:
		// The stack ends inside package sync (sync.(*Once).Do with its
		// caller cut off): blame the outermost frame there is.
		w.Culprit = st.Frames[len(st.Frames)-1]
	}
	w.Class, w.ClassIsType = Class(w.Culprit.Function)
	return w
}

// lockFrame reports whether f belongs to the machinery of taking a lock
// (the runtime, package sync, the semaphore package) and which lock method
// it is, if it is one.
func lockFrame(f *parse.Frame) (Kind, bool) {
	switch f.Function {
	case "sync.(*Mutex).Lock", "internal/sync.(*Mutex).Lock":
		return Mutex, true
	case "sync.(*RWMutex).Lock":
		return WLock, true
	case "sync.(*RWMutex).RLock":
		return RLock, true
	case "golang.org/x/sync/semaphore.(*Weighted).Acquire":
		return Semaphore, true
	}
	if f.Runtime {
		return 0, true
	}
	pkg := parse.FuncPackage(f.Function)
	switch {
	case pkg == "sync", pkg == "internal/sync", pkg == "golang.org/x/sync/semaphore":
		return 0, true
	case pkg == "" && !strings.Contains(f.Function, "."):
		return 0, true // Go 1.3 C runtime frames
	}
	return 0, false
}

// programFrame returns the first frame from index i outwards in the
// program's own code, skipping a deferred-call wrapper when its enclosing
// function follows; nil when there is none.
func programFrame(st *parse.Stack, i int) *parse.Frame {
	for ; i < len(st.Frames); i++ {
		f := st.Frames[i]
		if f.Runtime || detect.IsStdlib(f.Function) {
			continue
		}
		if i+1 < len(st.Frames) && isDeferWrap(f.Function) && Enclosing(f.Function) == st.Frames[i+1].Function {
			continue
		}
		return f
	}
	return nil
}

// ProgramFrame is programFrame for other detectors of this module: the
// first frame of st from index i outwards in the program's own code.
func ProgramFrame(st *parse.Stack, i int) *parse.Frame { return programFrame(st, i) }

// Where returns the frame that says where a goroutine is: the first frame
// of the program's own code that is not a cgo stub ("main._Cfunc_query"),
// else detect.Culprit.
func Where(st *parse.Stack) *parse.Frame {
	if st == nil {
		return nil
	}
	for i, f := range st.Frames {
		if f.Runtime || detect.IsStdlib(f.Function) || IsCgoStub(f.Function) {
			continue
		}
		if i+1 < len(st.Frames) && isDeferWrap(f.Function) && Enclosing(f.Function) == st.Frames[i+1].Function {
			continue
		}
		return f
	}
	return detect.Culprit(st)
}

// IsCgoStub reports whether fn is a function cgo generated: "pkg._Cfunc_f",
// "pkg._cgo_...", "_cgo_...".
func IsCgoStub(fn string) bool {
	return strings.Contains(fn, "._Cfunc_") || strings.Contains(fn, "._cgo_") || strings.HasPrefix(fn, "_cgo_") || strings.HasPrefix(fn, "_Cfunc_")
}

func isDeferWrap(fn string) bool {
	i := strings.LastIndexByte(fn, '.')
	return i >= 0 && strings.HasPrefix(fn[i+1:], "deferwrap")
}

// Class returns the lock class of a function: "pkg.T" for a method of T or
// a closure inside one (and true), "pkg.f" for a function or a closure
// inside it (and false).
func Class(fn string) (string, bool) {
	fn = detect.NormalizeFunction(fn)
	pkg := parse.FuncPackage(fn)
	if pkg == "" {
		return fn, false
	}
	rest := fn[len(pkg)+1:]
	if strings.HasPrefix(rest, "(*") {
		if end := strings.IndexByte(rest, ')'); end > 2 {
			return pkg + "." + rest[2:end], true
		}
	}
	first, after, found := strings.Cut(rest, ".")
	if found && !isClosureSegment(after) {
		seg, _, _ := strings.Cut(after, ".")
		if !isClosureSegment(seg) {
			return pkg + "." + first, true // value receiver: "T.M"
		}
	}
	return pkg + "." + first, false
}

// Enclosing returns the function a closure belongs to: "pkg.(*T).M" for
// "pkg.(*T).M.func2.1", "pkg.f" for "pkg.f.gowrap1"; other functions are
// returned as they are.
func Enclosing(fn string) string {
	fn = detect.NormalizeFunction(fn)
	pkg := parse.FuncPackage(fn)
	if pkg == "" {
		return fn
	}
	rest := fn[len(pkg)+1:]
	start := 0
	if strings.HasPrefix(rest, "(") {
		if end := strings.IndexByte(rest, ')'); end > 0 {
			start = end + 1
		}
	}
	segs := strings.Split(rest[start:], ".")
	keep := 0
	for i, seg := range segs {
		if i > 0 && isClosureSegment(seg) {
			break
		}
		keep = i + 1
	}
	return pkg + "." + rest[:start] + strings.Join(segs[:keep], ".")
}

// packageScope reports whether an enclosing function is the package's
// initialisation ("pkg.init" for closures in package-level variables,
// "pkg.glob." on older compilers), which encloses unrelated closures.
func packageScope(enclosing string) bool {
	return strings.HasSuffix(enclosing, ".init") || strings.HasSuffix(enclosing, ".glob.") || strings.HasSuffix(enclosing, ".glob")
}

// isClosureSegment reports whether a dot-separated segment of a function
// name is a compiler-made closure or wrapper name: "func1", "gowrap2",
// "deferwrap1", "1", "func1-range1".
func isClosureSegment(seg string) bool {
	seg, _, _ = strings.Cut(seg, "-range")
	for _, p := range []string{"func", "gowrap", "deferwrap"} {
		if rest, ok := strings.CutPrefix(seg, p); ok && allDigits(rest) {
			return true
		}
	}
	return allDigits(seg)
}

func allDigits(s string) bool {
	if s == "" {
		return false
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// Site is the set of lock waits attributed to one place in the code: the
// waits whose culprit is one function (Mutex waits, semaphores, readers with
// no writer in sight), or every reader and writer of one RWMutex class when a
// writer is pending (readers then queue behind the writer).
type Site struct {
	Key         string // stable: the culprit function, or "rw:"+class
	Kind        Kind   // WLock for an RWMutex site with a pending writer
	Culprit     *parse.Frame
	Class       string
	ClassIsType bool
	Waits       []*Wait // biggest first
	// Writer is the biggest pending writer of an RWMutex site whose
	// readers queue behind it; nil otherwise.
	Writer  *Wait
	Readers int // goroutines waiting in RLock at a site with a writer
	Count   int
	// WaitMin, WaitMedian and WaitMax summarise the waiters' ages.
	WaitMin, WaitMedian, WaitMax time.Duration

	funcs     map[string]bool // functions where the waiters take the lock
	enclosing map[string]bool // their enclosing functions
}

// Funcs returns the functions in which the site's goroutines take the
// lock, sorted.
func (s *Site) Funcs() []string {
	return sortedKeys(s.funcs)
}

// Groups returns the site's goroutine groups.
func (s *Site) Groups() []*parse.Group {
	out := make([]*parse.Group, len(s.Waits))
	for i, w := range s.Waits {
		out[i] = w.Group
	}
	return out
}

// Tier says how a suspected holder was matched to a site.
type Tier int

const (
	SameFunction  Tier = iota + 1 // a frame of a function where the waiters take the lock
	SameEnclosing                 // a closure of the same enclosing function
	SameType                      // a method of the same receiver type
	// SamePackage: a goroutine busy with something else (running,
	// sleeping, in a system or cgo call, in network I/O, sending) whose
	// innermost frame of the program's own code is in the package of the
	// waiters' culprit: package-level mutexes are locked by plain
	// functions of their package.
	SamePackage
)

func (t Tier) String() string {
	switch t {
	case SameFunction:
		return "same function"
	case SameEnclosing:
		return "same enclosing function"
	case SameType:
		return "same receiver type"
	case SamePackage:
		return "same package"
	}
	return "unknown"
}

// Holder is a group of goroutines that may hold a site's lock.
type Holder struct {
	Group *parse.Group
	Tier  Tier
	Frame int // index of the matching frame in Group.Stack.Frames
	// Wait is non-nil when the holder is itself waiting for a lock.
	Wait *Wait
	Op   detect.Op
}

// Matched returns the frame by which the holder was matched.
func (h Holder) Matched() *parse.Frame { return h.Group.Stack.Frames[h.Frame] }

// Stall is a set of lock sites whose goroutines have all waited long and
// whose suspected holders are only each other.
type Stall struct {
	Sites []*Site // the root site first
	// Cycle is true when the holders link the sites in a cycle, or the
	// goroutines of a site wait at two lock calls of one function (so some
	// hold the lock the others want).
	Cycle bool
	// TwoCalls is true when a site's goroutines wait at two different
	// lock calls of one function; Reentrant when a goroutine waits for a
	// lock inside a function already further up its own stack.
	TwoCalls, Reentrant bool
	// Leaked is true when the runtime marked every goroutine leaked.
	Leaked bool
	// Links are the waiting holders that connect the sites.
	Links []Holder
	Count int
	// WaitMin and WaitMax summarise the goroutines' ages.
	WaitMin, WaitMax time.Duration
}

// StallAge is the wait age from which lock waiters can stall: dumps print
// ages from one minute on, and no healthy lock is waited for that long.
const StallAge = time.Minute

// CriticalWait is the wait age from which a lock wait is critical.
const CriticalWait = 10 * time.Minute

// DeadlockDetector is the name of the detector that reports stalls; the
// contention detector uses it to name the stall's finding in Related.
const DeadlockDetector = "deadlock"

// StallKey is the Key of a stall's finding.
const StallKey = "lock-stall"

// Root returns the site that the stall's finding blames.
func (st *Stall) Root() *Site { return st.Sites[0] }

// CreatedBy returns the creation site of the root site's goroutines: the
// "created by" frame, else the entry function.
func (st *Stall) CreatedBy() *parse.Frame { return CreatedBy(st.Root().Waits[0].Group.Stack) }

// Fingerprint returns the fingerprint of the deadlock detector's finding for
// the stall.
func (st *Stall) Fingerprint() string {
	return detect.Fingerprint(DeadlockDetector, detect.KindDeadlock, StallKey, st.Root().Culprit, st.CreatedBy())
}

// CreatedBy returns the "created by" frame of st, or its entry function
// when the input records no creators.
func CreatedBy(st *parse.Stack) *parse.Frame {
	if f := detect.CreationSite(st); f != nil {
		return f
	}
	return detect.EntryFunction(st)
}

// Analysis is what lockwait found in one snapshot.
type Analysis struct {
	Snapshot *parse.Snapshot
	Waits    []*Wait
	Sites    []*Site // most goroutines first
	Stalls   []*Stall
	// Complete is false when the input was cut, so a holder may be
	// missing from it.
	Complete bool

	groups  []*parse.Group
	waitOf  map[*parse.Group]*Wait
	siteOf  map[*Wait]*Site
	holders map[*Site][]Holder
	stallOf map[*Site]*Stall
}

// Analyze finds the lock waits, sites, suspected holders and stalls of a
// snapshot; groups are its goroutine groups (parse.Aggregate). A site
// stalls when all its goroutines have waited at least stallAge.
func Analyze(s *parse.Snapshot, groups []*parse.Group, stallAge time.Duration) *Analysis {
	a := &Analysis{
		Snapshot: s,
		Complete: true,
		groups:   groups,
		waitOf:   make(map[*parse.Group]*Wait),
		siteOf:   make(map[*Wait]*Site),
		holders:  make(map[*Site][]Holder),
		stallOf:  make(map[*Site]*Stall),
	}
	for _, w := range s.Warnings {
		if w.Kind == parse.WarnTruncated || w.Kind == parse.WarnPprofCap {
			a.Complete = false
		}
	}
	for _, g := range groups {
		if w := Of(s, g); w != nil {
			a.Waits = append(a.Waits, w)
			a.waitOf[g] = w
		}
	}
	a.buildSites()
	if len(a.Sites) > 0 {
		ix := newFrameIndex(groups)
		for _, site := range a.Sites {
			a.holders[site] = a.findHolders(ix, site)
		}
	}
	a.findStalls(stallAge)
	return a
}

// WaitOf returns the lock wait of a group, nil when it waits for none.
func (a *Analysis) WaitOf(g *parse.Group) *Wait { return a.waitOf[g] }

// SiteOf returns the site of a wait.
func (a *Analysis) SiteOf(w *Wait) *Site { return a.siteOf[w] }

// Holders returns the suspected holders of a site's lock, best first: by
// tier, then those not themselves waiting for a lock, then the smaller
// groups (a Mutex has one holder), then the longer-waiting ones.
func (a *Analysis) Holders(site *Site) []Holder { return a.holders[site] }

// StallOf returns the stall a site belongs to, nil when none.
func (a *Analysis) StallOf(site *Site) *Stall { return a.stallOf[site] }

func (a *Analysis) buildSites() {
	// Classes with a pending writer: their readers and writers form one
	// site, since the readers queue behind the writer.
	writers := make(map[string]bool)
	for _, w := range a.Waits {
		if w.Kind == WLock {
			writers[w.Class] = true
		}
	}
	byKey := make(map[string]*Site)
	for _, w := range a.Waits {
		key := detect.NormalizeFunction(w.Culprit.Function)
		rw := (w.Kind == WLock || w.Kind == RLock) && writers[w.Class]
		switch {
		case rw:
			key = "rw:" + w.Class
		case w.Kind == Semaphore:
			key = "sem:" + key
		}
		site := byKey[key]
		if site == nil {
			site = &Site{Key: key, Kind: w.Kind, Class: w.Class, ClassIsType: w.ClassIsType,
				funcs: make(map[string]bool), enclosing: make(map[string]bool)}
			byKey[key] = site
			a.Sites = append(a.Sites, site)
		}
		site.Waits = append(site.Waits, w)
		a.siteOf[w] = site
		site.Count += w.Group.Count
		if w.Kind == RLock && rw {
			site.Readers += w.Group.Count
		}
		if w.Kind == WLock && (site.Writer == nil || w.Group.Count > site.Writer.Group.Count) {
			site.Writer = w
		}
		for _, f := range []*parse.Frame{w.Culprit, callerFrame(w)} {
			// Library functions (sync.(*Once).Do, database/sql's) are
			// entered by unrelated goroutines too: they identify nothing.
			if f != nil && f.Function != "" && !f.Runtime && !detect.IsStdlib(f.Function) {
				site.funcs[detect.NormalizeFunction(f.Function)] = true
				if e := Enclosing(f.Function); !packageScope(e) {
					site.enclosing[e] = true
				}
			}
		}
	}
	for _, site := range a.Sites {
		slices.SortStableFunc(site.Waits, func(x, y *Wait) int { return cmp.Compare(y.Group.Count, x.Group.Count) })
		site.Culprit = site.Waits[0].Culprit
		if site.Writer != nil {
			site.Kind = WLock
			site.Culprit = site.Writer.Culprit
		}
		a.summarise(site)
	}
	slices.SortStableFunc(a.Sites, func(x, y *Site) int {
		if c := cmp.Compare(y.Count, x.Count); c != 0 {
			return c
		}
		return cmp.Compare(x.Key, y.Key)
	})
}

func callerFrame(w *Wait) *parse.Frame {
	if w.Caller < len(w.Group.Stack.Frames) {
		return w.Group.Stack.Frames[w.Caller]
	}
	return nil
}

// summarise computes a site's wait ages.
func (a *Analysis) summarise(site *Site) {
	var waits []time.Duration
	for _, w := range site.Waits {
		for _, i := range w.Group.Members {
			waits = append(waits, a.Snapshot.Goroutines[i].Wait)
		}
	}
	if len(waits) == 0 {
		return
	}
	slices.Sort(waits)
	site.WaitMin, site.WaitMax, site.WaitMedian = waits[0], waits[len(waits)-1], waits[len(waits)/2]
}

// occurrence is the innermost frame of a group with some property.
type occurrence struct {
	group int // index into Analysis.groups
	frame int
}

// frameIndex finds the groups whose stacks contain a function, a closure
// of an enclosing function, or a method of a type, in one pass over all
// frames, so that matching holders costs a map lookup per site.
type frameIndex struct {
	byFunc, byEnclosing, byClass map[string][]occurrence
	// byPackage holds each group's innermost program frame, by package.
	byPackage map[string][]occurrence
}

func newFrameIndex(groups []*parse.Group) *frameIndex {
	ix := &frameIndex{
		byFunc:      make(map[string][]occurrence),
		byEnclosing: make(map[string][]occurrence),
		byClass:     make(map[string][]occurrence),
		byPackage:   make(map[string][]occurrence),
	}
	add := func(m map[string][]occurrence, key string, o occurrence) {
		if l := m[key]; len(l) == 0 || l[len(l)-1].group != o.group {
			m[key] = append(l, o)
		}
	}
	for gi, g := range groups {
		if g.Stack == nil {
			continue
		}
		inner := true
		for fi, f := range g.Stack.Frames {
			if f.Runtime {
				continue
			}
			fn := detect.NormalizeFunction(f.Function)
			o := occurrence{gi, fi}
			add(ix.byFunc, fn, o)
			if detect.IsStdlib(fn) {
				continue
			}
			if inner {
				inner = false
				add(ix.byPackage, parse.FuncPackage(fn), o)
			}
			add(ix.byEnclosing, Enclosing(fn), o)
			if c, isType := Class(fn); isType {
				add(ix.byClass, c, o)
			}
		}
	}
	return ix
}

// findHolders matches every group that is not one of the site's waiters
// against the site's functions, then (when none matched) their enclosing
// functions, then (when none matched) the site's receiver type.
func (a *Analysis) findHolders(ix *frameIndex, site *Site) []Holder {
	own := make(map[*parse.Group]bool, len(site.Waits))
	for _, w := range site.Waits {
		own[w.Group] = true
	}
	var out []Holder
	seen := make(map[int]bool)
	collect := func(t Tier, occs []occurrence) {
		for _, o := range occs {
			g := a.groups[o.group]
			if own[g] || seen[o.group] {
				continue
			}
			op := detect.OpOf(g.State, g.Stack)
			if op == detect.OpSystem {
				continue
			}
			seen[o.group] = true
			out = append(out, Holder{Group: g, Tier: t, Frame: o.frame, Wait: a.waitOf[g], Op: op})
		}
	}
	for _, fn := range site.Funcs() {
		collect(SameFunction, ix.byFunc[fn])
	}
	if len(out) == 0 {
		for _, fn := range sortedKeys(site.enclosing) {
			collect(SameEnclosing, ix.byEnclosing[fn])
		}
	}
	if len(out) == 0 && site.ClassIsType {
		collect(SameType, ix.byClass[site.Class])
	}
	if len(out) == 0 {
		collect(SamePackage, ix.byPackage[parse.FuncPackage(detect.NormalizeFunction(site.Culprit.Function))])
		// Only goroutines busy with something else are suspects here:
		// lock waiters of the package are no evidence of a cycle, and
		// goroutines idling on a channel, a select or a Cond are what a
		// package's background loops do.
		out = slices.DeleteFunc(out, func(h Holder) bool { return h.Wait != nil || !busy(h.Op) })
		lock := site.Culprit
		slices.SortStableFunc(out, func(x, y Holder) int {
			xf, yf := x.Matched(), y.Matched()
			if c := boolCmp(xf.File != lock.File, yf.File != lock.File); c != 0 {
				return c
			}
			if c := cmp.Compare(absInt(xf.Line-lock.Line), absInt(yf.Line-lock.Line)); c != 0 {
				return c
			}
			return cmp.Compare(x.Group.Stack.Hash, y.Group.Stack.Hash)
		})
		return out
	}
	slices.SortStableFunc(out, func(x, y Holder) int {
		if c := boolCmp(x.Wait != nil, y.Wait != nil); c != 0 {
			return c
		}
		if c := cmp.Compare(x.Group.Count, y.Group.Count); c != 0 {
			return c
		}
		if c := cmp.Compare(y.Group.WaitMax, x.Group.WaitMax); c != 0 {
			return c
		}
		return cmp.Compare(x.Group.Stack.Hash, y.Group.Stack.Hash)
	})
	return out
}

// busy reports whether an operation is work a lock holder does inside its
// critical section (as opposed to idling for work): running, sleeping, a
// system or cgo call, network I/O, a send.
func busy(op detect.Op) bool {
	switch op {
	case detect.OpRunning, detect.OpSleep, detect.OpSyscall, detect.OpCgo, detect.OpIOWait, detect.OpChanSend:
		return true
	}
	return false
}

func absInt(x int) int {
	if x < 0 {
		return -x
	}
	return x
}

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// boolCmp orders false before true.
func boolCmp(x, y bool) int {
	switch {
	case x == y:
		return 0
	case !x:
		return -1
	}
	return 1
}

// findStalls finds the sites that wait long with no holder but other long
// waiters, and joins them into stalls.
func (a *Analysis) findStalls(age time.Duration) {
	s := a.Snapshot
	long := func(site *Site) bool {
		if site.Kind == Semaphore {
			return false // permits have no owner to suspect
		}
		for _, w := range site.Waits {
			if !w.Long(s, age) {
				return false
			}
		}
		return true
	}
	cand := make(map[*Site]bool)
	edges := make(map[*Site][]Holder)
	for _, site := range a.Sites {
		if !long(site) {
			continue
		}
		ok := true
		for _, h := range a.holders[site] {
			if h.Wait == nil || !long(a.siteOf[h.Wait]) {
				ok = false // a holder doing something else, or a lock wait that moves
				break
			}
			edges[site] = append(edges[site], h)
		}
		if ok {
			cand[site] = true
		}
	}
	if len(cand) == 0 {
		return
	}
	// Join candidates: by holder links always; by creation site and lock
	// class only when the dump is complete (else a holder may be cut off).
	uf := newUnionFind()
	var order []*Site
	for _, site := range a.Sites {
		if cand[site] {
			order = append(order, site)
			uf.add(site)
		}
	}
	byCreator := make(map[string]*Site)
	byClass := make(map[string]*Site)
	for _, site := range order {
		for _, h := range edges[site] {
			if t := a.siteOf[h.Wait]; cand[t] {
				uf.union(site, t)
			}
		}
		if !a.Complete {
			continue
		}
		for _, w := range site.Waits {
			if f := CreatedBy(w.Group.Stack); f != nil && detect.CreationSite(w.Group.Stack) != nil {
				k := detect.NormalizeFunction(f.Function)
				if o, ok := byCreator[k]; ok {
					uf.union(site, o)
				} else {
					byCreator[k] = site
				}
			}
		}
		if o, ok := byClass[site.Class]; ok {
			uf.union(site, o)
		} else {
			byClass[site.Class] = site
		}
		// Profiles record no creators; goroutines the runtime proved
		// leaked are joined by package instead.
		if leakedWithoutCreators(site) {
			k := "pkg:" + parse.FuncPackage(detect.NormalizeFunction(site.Culprit.Function))
			if o, ok := byClass[k]; ok {
				uf.union(site, o)
			} else {
				byClass[k] = site
			}
		}
	}
	comps := make(map[*Site][]*Site)
	var roots []*Site
	for _, site := range order {
		r := uf.find(site)
		if _, ok := comps[r]; !ok {
			roots = append(roots, r)
		}
		comps[r] = append(comps[r], site)
	}
	for _, r := range roots {
		sites := comps[r]
		st := &Stall{Sites: sites, Leaked: true}
		inCycle := cycleSites(sites, edges, a.siteOf)
		for _, site := range sites {
			st.Count += site.Count
			if st.WaitMin == 0 || site.WaitMin < st.WaitMin {
				st.WaitMin = site.WaitMin
			}
			st.WaitMax = max(st.WaitMax, site.WaitMax)
			for _, w := range site.Waits {
				if w.Group.Flags&parse.FlagLeaked == 0 {
					st.Leaked = false
				}
			}
			if two, re := selfCycle(site); two || re {
				inCycle[site] = true
				st.TwoCalls = st.TwoCalls || two
				st.Reentrant = st.Reentrant || re
			}
			st.Links = append(st.Links, edges[site]...)
		}
		st.Cycle = len(inCycle) > 0
		if st.Count < 2 && !st.Cycle {
			continue // one goroutine alone waits for a holder that is not in the dump
		}
		slices.SortStableFunc(st.Sites, func(x, y *Site) int {
			if c := boolCmp(!inCycle[x], !inCycle[y]); c != 0 {
				return c
			}
			if c := cmp.Compare(y.WaitMax, x.WaitMax); c != 0 {
				return c
			}
			// A cycle needs few goroutines; the queue behind it grows.
			// (Goroutine IDs say little about creation order: each P
			// hands them out from its own batch.)
			if c := cmp.Compare(x.Count, y.Count); c != 0 {
				return c
			}
			return cmp.Compare(x.Key, y.Key)
		})
		a.Stalls = append(a.Stalls, st)
		for _, site := range sites {
			a.stallOf[site] = st
		}
	}
}

// leakedWithoutCreators reports whether every goroutine of a site is
// marked leaked and none records its creator.
func leakedWithoutCreators(site *Site) bool {
	for _, w := range site.Waits {
		if w.Group.Flags&parse.FlagLeaked == 0 || detect.CreationSite(w.Group.Stack) != nil {
			return false
		}
	}
	return true
}

// selfCycle reports whether a site's own goroutines may hold the lock the
// others want: they wait at two different lock calls of one function (so
// those at the later call hold the earlier lock), or a goroutine waits for a
// lock inside a function that is already further up its own stack (it
// re-locks what it holds).
func selfCycle(site *Site) (twoCalls, reentrant bool) {
	lines := make(map[string]int)
	for _, w := range site.Waits {
		if c := callerFrame(w); c != nil {
			if l, ok := lines[c.Function]; ok && l != c.Line {
				twoCalls = true
			}
			lines[c.Function] = c.Line
		}
		st := w.Group.Stack
		from := w.Caller + 1
		for i := w.Caller; i < len(st.Frames); i++ {
			if st.Frames[i] == w.Culprit {
				from = i + 1
				break
			}
		}
		for i := from; i < len(st.Frames); i++ {
			if site.funcs[detect.NormalizeFunction(st.Frames[i].Function)] {
				reentrant = true
			}
		}
	}
	return twoCalls, reentrant
}

// cycleSites returns the sites that lie on a cycle of holder links of two
// or more sites.
func cycleSites(sites []*Site, edges map[*Site][]Holder, siteOf map[*Wait]*Site) map[*Site]bool {
	in := make(map[*Site]bool, len(sites))
	member := make(map[*Site]bool, len(sites))
	for _, s := range sites {
		member[s] = true
	}
	next := func(s *Site) []*Site {
		var out []*Site
		for _, h := range edges[s] {
			if t := siteOf[h.Wait]; member[t] && t != s {
				out = append(out, t)
			}
		}
		return out
	}
	for _, s := range sites {
		// Is s reachable from itself through at least one other site?
		seen := map[*Site]bool{}
		stack := next(s)
		for len(stack) > 0 {
			t := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			if t == s {
				in[s] = true
				break
			}
			if seen[t] {
				continue
			}
			seen[t] = true
			stack = append(stack, next(t)...)
		}
	}
	return in
}

type unionFind struct{ parent map[*Site]*Site }

func newUnionFind() *unionFind { return &unionFind{parent: make(map[*Site]*Site)} }

func (u *unionFind) add(s *Site) { u.parent[s] = s }

func (u *unionFind) find(s *Site) *Site {
	for u.parent[s] != s {
		u.parent[s] = u.parent[u.parent[s]]
		s = u.parent[s]
	}
	return s
}

func (u *unionFind) union(x, y *Site) {
	rx, ry := u.find(x), u.find(y)
	if rx != ry {
		u.parent[ry] = rx
	}
}

// Doing describes what a goroutine is doing, for a holder's description:
// "sleeping", "in a syscall", "blocked on chan receive".
func Doing(op detect.Op, state string) string {
	switch op {
	case detect.OpRunning:
		return "running"
	case detect.OpSleep:
		return "sleeping"
	case detect.OpSyscall:
		return "in a syscall"
	case detect.OpCgo:
		return "in a cgo call"
	case detect.OpIOWait:
		return "in IO wait"
	case detect.OpSelect:
		return "blocked in select"
	case detect.OpUnknown:
		if state != "" {
			return "[" + state + "]"
		}
		return "parked (the input records no state)"
	}
	return "blocked in " + op.String()
}

// IsDeadlockCrash reports whether a crash is the runtime's deadlock abort:
// "all goroutines are asleep - deadlock!", or a synctest bubble's
// "deadlock: ..." panic. The deadlock detector reports those; the others
// stay quiet about the goroutines in them.
func IsDeadlockCrash(c *parse.Crash) bool {
	if c == nil {
		return false
	}
	if strings.Contains(c.Message, "all goroutines are asleep") {
		return true
	}
	return (c.Kind == parse.CrashPanic || c.Kind == parse.CrashFatalError) && strings.HasPrefix(c.Message, "deadlock: ")
}
