package race

import (
	_ "embed"
	"fmt"
	"slices"
	"strings"

	"github.com/gorensic/gorensic/detect"
	"github.com/gorensic/gorensic/detect/internal/doctext"
	"github.com/gorensic/gorensic/parse"
)

//go:embed doc.go
var docSource string

// Detector reports the data races of race detector output, one finding per
// distinct pair of racing functions.
var Detector = &detect.Detector{
	Name:  "race",
	Kinds: []detect.Kind{detect.KindRace},
	Doc:   doctext.FromSource(docSource),
	Needs: parse.CapRaces,
	Run:   run,
}

// side is one access of a race, as far as it is readable.
type side struct {
	acc     *parse.RaceAccess
	fn      *parse.Frame // the access's function: its first user frame, else its first frame outside the runtime
	user    bool         // fn is in the program's own code
	write   bool
	atomic  bool
	mapOp   string // "map write", "map read", "map delete", ... when the access is a runtime map operation
	current bool   // the access the detector caught (not "Previous ...")
}

func (s *side) name() string {
	if s.fn == nil {
		return "?"
	}
	return detect.NormalizeFunction(s.fn.Function)
}

// verb is what the side did, for titles: "writes", "reads", "writes
// atomically".
func (s *side) verb() string {
	v := "reads"
	if s.write {
		v = "writes"
	}
	if s.atomic {
		v += " atomically"
	}
	return v
}

// race is a distinct race: the reports with the same pair of functions.
type race struct {
	key     string
	reports []*parse.Race
	sides   []*side // of the first report, culprit side first
}

func run(p *detect.Pass) error {
	rs := p.Snapshot.Races
	if len(rs) == 0 {
		return nil
	}
	byKey := make(map[string]*race)
	var order []*race
	for i := range rs {
		r := &rs[i]
		sides := sidesOf(r)
		if len(sides) == 0 {
			continue
		}
		k := keyOf(sides)
		d := byKey[k]
		if d == nil {
			d = &race{key: k, sides: sides}
			byKey[k] = d
			order = append(order, d)
		}
		d.reports = append(d.reports, r)
	}
	for _, d := range order {
		p.Report(finding(d, len(rs)))
	}
	return nil
}

// sidesOf reads the accesses of a report, the culprit side first: the side
// in the program's own code, then a plain access before an atomic one (the
// plain one is the bug), then a write before a read (the write is where
// the lock goes), then by function name, so the culprit does not depend on
// which goroutine the race detector happened to catch first.
func sidesOf(r *parse.Race) []*side {
	var out []*side
	for i := range r.Accesses {
		a := &r.Accesses[i]
		s := &side{acc: a, current: !strings.HasPrefix(a.Op, "Previous")}
		op := strings.ToLower(a.Op)
		s.write = strings.Contains(op, "write")
		s.atomic = strings.Contains(op, "atomic")
		if a.Stack != nil {
			s.fn, s.user = accessFunc(a.Stack)
			s.mapOp = mapOp(a.Stack)
			if !s.atomic && inAtomic(a.Stack) {
				s.atomic = true
			}
		}
		out = append(out, s)
	}
	slices.SortStableFunc(out, func(a, b *side) int {
		switch {
		case a.user != b.user:
			return boolOrder(a.user)
		case a.atomic != b.atomic:
			return boolOrder(!a.atomic)
		case a.write != b.write:
			return boolOrder(a.write)
		}
		return strings.Compare(a.name(), b.name())
	})
	return out
}

// boolOrder sorts the side for which first is true before the other.
func boolOrder(first bool) int {
	if first {
		return -1
	}
	return 1
}

// keyOf is the identity of a race: the sorted pair of access functions,
// so the same race has the same key whichever side was caught first.
func keyOf(sides []*side) string {
	names := make([]string, 0, 2)
	for _, s := range sides {
		names = append(names, s.name())
	}
	if len(names) == 1 {
		names = append(names, "?")
	}
	slices.Sort(names)
	return strings.Join(names, " | ")
}

// accessFunc returns the function an access happened in: its first frame
// in the program's own code, else its first frame outside the runtime.
func accessFunc(st *parse.Stack) (*parse.Frame, bool) {
	for _, f := range st.Frames {
		if !f.Runtime && !detect.IsStdlib(f.Function) {
			return f, true
		}
	}
	for _, f := range st.Frames {
		if !f.Runtime {
			return f, false
		}
	}
	if len(st.Frames) > 0 {
		return st.Frames[0], false
	}
	return nil, false
}

// mapOp names the runtime map operation at the top of an access stack,
// "" when there is none.
func mapOp(st *parse.Stack) string {
	if len(st.Frames) == 0 {
		return ""
	}
	fn := st.Frames[0].Function
	name := strings.TrimPrefix(strings.TrimPrefix(fn, "runtime."), "internal/runtime/maps.")
	if name == fn {
		return ""
	}
	switch {
	case strings.HasPrefix(name, "mapassign"):
		return "map write"
	case strings.HasPrefix(name, "mapdelete"):
		return "map delete"
	case strings.HasPrefix(name, "mapclear"):
		return "map clear"
	case strings.HasPrefix(name, "mapaccess"):
		return "map read"
	case strings.HasPrefix(name, "mapiter"), strings.HasPrefix(name, "(*Iter)"):
		return "map range"
	case strings.HasPrefix(name, "map"), strings.HasPrefix(name, "(*Map)"):
		return "map operation"
	}
	return ""
}

// inAtomic reports whether the access is in sync/atomic (the race detector
// prints some atomic accesses as plain ones).
func inAtomic(st *parse.Stack) bool {
	for _, f := range st.Frames {
		if strings.HasPrefix(f.Function, "sync/atomic.") || strings.HasPrefix(f.Function, "internal/runtime/atomic.") {
			return true
		}
		if !f.Runtime {
			return false
		}
	}
	return false
}

// creation returns the "created at" section of goroutine id in r.
func creation(r *parse.Race, id int64) *parse.RaceGoroutine {
	for i := range r.Goroutines {
		if r.Goroutines[i].ID == id {
			return &r.Goroutines[i]
		}
	}
	return nil
}

// createdBy returns the creation site of the culprit side's goroutine: the
// first user frame of its "created at" stack. When no access is readable
// and the report names one goroutine that is no readable side, its
// creation site is the best pointer left.
func createdBy(r *parse.Race, sides []*side) *parse.Frame {
	if g := creation(r, sides[0].acc.GoroutineID); g != nil {
		return detect.Culprit(g.CreatedAt)
	}
	if sides[0].fn != nil || len(r.Goroutines) != 1 {
		return nil
	}
	g := &r.Goroutines[0]
	for _, s := range sides {
		if s.acc.GoroutineID == g.ID {
			return nil
		}
	}
	return detect.Culprit(g.CreatedAt)
}

func finding(d *race, total int) detect.Finding {
	r := d.reports[0]
	culprit := d.sides[0]
	isMap := false
	for _, s := range d.sides {
		if s.mapOp != "" {
			isMap = true
		}
	}
	f := detect.Finding{
		Kind:       detect.KindRace,
		Severity:   detect.SeverityWarning,
		Confidence: detect.ConfidenceCertain,
		Count:      len(d.reports),
		Culprit:    culprit.fn,
		CreatedBy:  createdBy(r, d.sides),
		Key:        d.key,
		Title:      title(d, isMap),
		Remedy:     remedy(d, isMap),
		Metrics:    map[string]float64{"reports": float64(len(d.reports))},
	}
	if isMap {
		f.Severity = detect.SeverityCritical
	}
	f.Score = detect.Score(f.Confidence, len(d.reports), 0, float64(len(d.reports))/float64(total))
	addrs := make(map[uint64]bool)
	for _, rep := range d.reports {
		for _, a := range rep.Accesses {
			addrs[a.Addr] = true
		}
	}
	f.Metrics["addresses"] = float64(len(addrs))

	// Evidence: the accesses in report order (current first), then the
	// creation stacks of the goroutines involved.
	for i := range r.Accesses {
		a := &r.Accesses[i]
		f.Stacks = append(f.Stacks, accessEvidence(r, a))
	}
	for i := range r.Goroutines {
		g := &r.Goroutines[i]
		if g.CreatedAt == nil {
			continue
		}
		e := detect.Evidence{Count: 1, State: g.State, Stack: g.CreatedAt, GoroutineIDs: []int64{g.ID},
			Note: fmt.Sprintf("goroutine %d created at", g.ID)}
		if g.State != "" {
			e.Note = fmt.Sprintf("goroutine %d (%s) created at", g.ID, g.State)
		}
		f.Stacks = append(f.Stacks, e)
	}
	return f
}

func accessEvidence(r *parse.Race, a *parse.RaceAccess) detect.Evidence {
	op := strings.ToLower(a.Op)
	if !strings.HasPrefix(op, "previous") {
		op = "current " + op
	}
	who := fmt.Sprintf("goroutine %d", a.GoroutineID)
	if a.GoroutineID == 1 && creation(r, 1) == nil {
		who = "the main goroutine"
	}
	note := fmt.Sprintf("%s by %s at %#x", op, who, a.Addr)
	if a.Stack == nil || len(a.Stack.Frames) == 0 {
		note += " (stack not restored)"
	}
	e := detect.Evidence{Count: 1, Stack: a.Stack, Note: note}
	if a.GoroutineID != 0 {
		e.GoroutineIDs = []int64{a.GoroutineID}
	}
	if e.Stack == nil {
		e.Stack = &parse.Stack{}
	}
	return e
}

// title names both sides: "data race: main.writer writes, main.reader
// reads (3 reports)".
func title(d *race, isMap bool) string {
	var b strings.Builder
	b.WriteString("data race")
	if isMap {
		b.WriteString(" on a map")
	}
	b.WriteString(": ")
	for i, s := range d.sides {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(sideText(s))
	}
	if len(d.sides) == 1 {
		b.WriteString("; the other access is not readable")
	}
	if n := len(d.reports); n > 1 {
		fmt.Fprintf(&b, " (%d reports)", n)
	}
	return b.String()
}

func sideText(s *side) string {
	if s.fn == nil {
		what := "reads"
		if s.write {
			what = "writes"
		}
		return fmt.Sprintf("goroutine %d %s (stack not restored)", s.acc.GoroutineID, what)
	}
	if s.mapOp != "" {
		return shortFunc(s.fn.Function) + " (" + s.mapOp + ")"
	}
	return shortFunc(s.fn.Function) + " " + s.verb()
}

func remedy(d *race, isMap bool) string {
	var b strings.Builder
	where := "both functions"
	if len(d.sides) == 2 && d.sides[0].fn != nil && d.sides[1].fn != nil {
		a, c := shortFunc(d.sides[0].fn.Function), shortFunc(d.sides[1].fn.Function)
		if a == c {
			where = a + ", which runs in several goroutines at once"
		} else {
			where = a + " and " + c
		}
	}
	switch {
	case isMap:
		fmt.Fprintf(&b, "Two goroutines use the same map without synchronisation (%s). In production this is not only wrong results: the runtime detects concurrent map writes and kills the process with a fatal error that recover cannot catch. Guard every access to the map with one sync.Mutex (sync.RWMutex when reads dominate), or use sync.Map for keys written once and read often.", where)
	case d.hasAtomicAndPlain():
		fmt.Fprintf(&b, "The same memory is accessed both atomically and with a plain read or write (%s). Atomic operations only synchronise with other atomic operations: make every access use sync/atomic (an atomic.Int64 or atomic.Pointer field makes that impossible to forget).", where)
	default:
		fmt.Fprintf(&b, "Two goroutines access the same memory without synchronisation and at least one writes (%s). Guard the shared field with a sync.Mutex held by every reader and writer, make it an atomic value (atomic.Int64, atomic.Bool, atomic.Pointer) when it is a single word, or hand it over through a channel so only one goroutine owns it at a time.", where)
	}
	if len(d.reports) > 1 {
		fmt.Fprintf(&b, " The race detector reported this pair of functions %d times (different lines or addresses); one fix usually covers them all.", len(d.reports))
	}
	b.WriteString(" Keep running the tests with -race: it finds only races that happen in the run.")
	return b.String()
}

func (d *race) hasAtomicAndPlain() bool {
	at, plain := false, false
	for _, s := range d.sides {
		if s.atomic {
			at = true
		} else {
			plain = true
		}
	}
	return at && plain
}

// shortFunc drops the import path of a function name for titles.
func shortFunc(fn string) string {
	pkg := parse.FuncPackage(fn)
	if i := strings.LastIndexByte(pkg, '/'); i >= 0 {
		return fn[i+1:]
	}
	return fn
}
