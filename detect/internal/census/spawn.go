package census

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"github.com/gorensic/gorensic/detect"
	"github.com/gorensic/gorensic/parse"
)

// spawnSite is the goroutines started at one creation site: the "created
// by" function, or the entry function when the input records no creators.
type spawnSite struct {
	key    string
	frame  *parse.Frame // creation frame, or entry function
	entry  bool         // keyed by entry function
	groups []int        // indices into index.groups, biggest first
	count  int
	share  float64

	wait      *detect.WaitStats
	creators  int   // distinct creator IDs
	oneParent int64 // the creator ID when all members share one
	ioWait    int   // members in network IO wait

	capacity string // why the count is bounded rather than a runaway
	bounded  string // what bounds it, in a few words for the title
	sev      detect.Severity
	conf     detect.Confidence
	keep     bool
	owner    string
	baseline int // count at this site in the baseline, -1 without one
}

// spawnKey returns the creation site a group belongs to.
func (ix *index) spawnKey(gi int) (frame *parse.Frame, entry bool) {
	g := ix.groups[gi]
	if ix.ops[gi].Op == detect.OpSystem {
		return nil, false
	}
	if ix.s.Caps.Has(parse.CapCreators) {
		cb := g.Stack.CreatedBy
		if cb == nil || cb.Runtime || strings.HasPrefix(cb.Function, "runtime.") {
			return nil, false // the main goroutine, runtime service goroutines
		}
		return cb, false
	}
	ef := detect.EntryFunction(g.Stack)
	if ef == nil || ef.Runtime || strings.HasPrefix(ef.Function, "runtime.") {
		return nil, false
	}
	return ef, true
}

func (ix *index) spawnSites() []*spawnSite {
	if f := ix.s.Source.Format; f == parse.FormatLeakDebug0 || f == parse.FormatLeakDebug1 {
		return nil // only the leaked goroutines: no census of the program
	}
	byKey := map[string]*spawnSite{}
	var sites []*spawnSite
	for gi, g := range ix.groups {
		frame, entry := ix.spawnKey(gi)
		if frame == nil {
			continue
		}
		key := norm(frame.Function)
		site := byKey[key]
		if site == nil {
			site = &spawnSite{key: key, frame: frame, entry: entry, baseline: -1}
			byKey[key] = site
			sites = append(sites, site)
		}
		site.groups = append(site.groups, gi)
		site.count += g.Count
		if ix.ops[gi].Op == detect.OpIOWait {
			site.ioWait += g.Count
		}
	}
	for _, site := range sites {
		site.share = float64(site.count) / float64(max(ix.total, 1))
		creators := map[int64]bool{}
		for _, gi := range site.groups {
			for _, c := range ix.groups[gi].Creators {
				creators[c.ID] = true
			}
		}
		site.wait = ix.waitStats(site.groups)
		site.creators = len(creators)
		if len(creators) == 1 {
			for id := range creators {
				site.oneParent = id
			}
		}
	}
	slices.SortStableFunc(sites, func(a, b *spawnSite) int {
		if c := cmp.Compare(b.count, a.count); c != 0 {
			return c
		}
		return cmp.Compare(a.key, b.key)
	})
	return sites
}

// serverSpawners are packages whose goroutines are one (or a few) per
// network connection or stream.
var serverSpawners = []string{
	"net/http.", "golang.org/x/net/http2.", "google.golang.org/grpc.", "google.golang.org/grpc/",
	"net/rpc.", "golang.org/x/net/websocket.",
}

// isServerSpawner reports whether fn belongs to a package whose goroutines
// are one per connection or stream.
func isServerSpawner(fn string) bool {
	for _, p := range serverSpawners {
		if strings.HasPrefix(fn, p) {
			return true
		}
	}
	return false
}

// capacityReason says why the goroutines at a site are bounded by the
// number of connections rather than spawned without bound, or "".
func (ix *index) capacityReason(site *spawnSite) string {
	fn := site.frame.Function
	for _, p := range serverSpawners {
		if strings.HasPrefix(fn, p) {
			pkg := strings.TrimSuffix(p, ".")
			if strings.HasPrefix(fn, "net/http.(*Transport)") || strings.HasPrefix(fn, "net/http.(*persistConn)") {
				return "one per pooled HTTP client connection (" + pkg + "); if this keeps growing, look for response bodies left unclosed or a Transport made per request"
			}
			return "one per connection or stream served by " + strings.TrimSuffix(pkg, "/")
		}
	}
	if site.ioWait*2 >= site.count {
		return fmt.Sprintf("%s of them are waiting for network input: one per connection", num(site.ioWait))
	}
	// The spawner is an accept loop or a connection reader, still running
	// the function that started them.
	spawnerOnConn := 0
	switch {
	case ix.s.Caps.Has(parse.CapCreatorIDs):
		type ck struct {
			st    *parse.Stack
			state string
		}
		onConn := map[ck]bool{}
		for _, gi := range site.groups {
			for _, cc := range ix.groups[gi].Creators {
				c := ix.creatorByID(cc.ID)
				if c == nil {
					continue
				}
				k := ck{c.Stack, c.State}
				v, ok := onConn[k]
				if !ok {
					v = stackHas(c.Stack, site.frame.Function) && (inAccept(c.Stack) || detect.OpOf(c.State, c.Stack) == detect.OpIOWait)
					onConn[k] = v
				}
				if v {
					spawnerOnConn += cc.Count
				}
			}
		}
		if spawnerOnConn*2 >= site.count {
			return "their creators are an accept loop or connection readers: one per connection"
		}
	case ix.s.Caps.Has(parse.CapCreators):
		for _, g := range ix.groups {
			if stackHas(g.Stack, site.frame.Function) && inAccept(g.Stack) {
				return "they are started by an accept loop (" + funcName(site.frame) + "): one per connection"
			}
		}
	default:
		// Profiles without creators: goroutines that run beside as many
		// network readers are per-connection helpers.
		io := 0
		for gi, g := range ix.groups {
			if ix.ops[gi].Op == detect.OpIOWait && !slices.Contains(site.groups, gi) {
				io += g.Count
			}
		}
		if io*2 >= site.count {
			return fmt.Sprintf("the program also has %s goroutines waiting for network input: likely one of these per connection", num(io))
		}
	}
	return ""
}

// boundedReason recognises a fixed pool: every goroutine of the site was
// started by one goroutine that has since left the creating function (a
// constructor that started N workers and returned), and all of them wait
// for work. A spawner still inside its loop is what a runaway looks like.
func (ix *index) boundedReason(site *spawnSite) string {
	if site.oneParent == 0 {
		return ""
	}
	for _, gi := range site.groups {
		if !ix.ops[gi].waitSide() {
			return ""
		}
	}
	m := &ix.s.Goroutines[ix.groups[site.groups[0]].Members[0]]
	if ix.creatorStatusOf(m) != creatorReturned {
		return ""
	}
	return fmt.Sprintf("a fixed pool: goroutine %d started them all in %s, which has returned, and they wait for work", site.oneParent, funcName(site.frame))
}

// judgeSpawn decides whether a site is reported, and how. The rules are
// documented in detect/runaway's package comment.
func (ix *index) judgeSpawn(site *spawnSite, cfg detect.Config, baseline map[string]int) {
	minCount := max(cfg.RunawayMinCount, 1)
	critical := 10 * minCount
	if baseline != nil {
		site.baseline = baseline[site.key]
	}
	grew := site.baseline >= 0 && site.count >= minCount && site.count >= 2*site.baseline && site.count-site.baseline >= minCount/2
	if site.count < minCount {
		return
	}
	site.keep, site.conf = true, detect.ConfidenceLikely
	switch {
	case site.share >= cfg.RunawayMinShare && site.count >= critical:
		site.sev = detect.SeverityCritical
	case site.share >= cfg.RunawayMinShare, grew:
		site.sev = detect.SeverityWarning
	default:
		site.sev = detect.SeverityInfo
		site.conf = detect.ConfidencePossible
	}
	site.bounded = "a capacity fact"
	if site.capacity = ix.capacityReason(site); site.capacity == "" {
		site.capacity, site.bounded = ix.boundedReason(site), "a fixed pool"
	}
	if site.capacity == "" && site.baseline >= 0 && site.count*10 <= site.baseline*11 {
		site.capacity = fmt.Sprintf("stable since the baseline (%s then)", num(site.baseline))
		site.bounded = "stable"
	}
	if site.capacity != "" {
		site.sev = detect.SeverityInfo
		site.conf = detect.ConfidencePossible
	}
	if ix.deadlock && site.sev > detect.SeverityInfo {
		site.sev = detect.SeverityInfo
		site.owner = "the program crashed with \"all goroutines are asleep\": the deadlock finding covers these goroutines"
	}
}

// blockedAt summarises what most of a site's goroutines are doing: the
// biggest (operation, culprit) pair.
func (ix *index) blockedAt(site *spawnSite) (n int, o op, culprit *parse.Frame) {
	type k struct {
		o  op
		fn string
	}
	counts := map[k]int{}
	frames := map[k]*parse.Frame{}
	var order []k
	for _, gi := range site.groups {
		g := ix.groups[gi]
		c := detect.Culprit(g.Stack)
		if c == nil {
			continue
		}
		key := k{ix.ops[gi], norm(c.Function)}
		if _, ok := counts[key]; !ok {
			order = append(order, key)
			frames[key] = c
		}
		counts[key] += g.Count
	}
	for _, key := range order {
		if counts[key] > n {
			n, o, culprit = counts[key], key.o, frames[key]
		}
	}
	return n, o, culprit
}

func (ix *index) spawnTitle(site *spawnSite) string {
	var b strings.Builder
	verb := "created by"
	if site.entry {
		verb = "running"
	}
	fmt.Fprintf(&b, "%s goroutines (%s of %s) %s %s", num(site.count), pct(site.share), num(ix.total), verb, funcName(site.frame))
	if site.oneParent != 0 {
		fmt.Fprintf(&b, " in goroutine %d", site.oneParent)
	}
	if site.baseline >= 0 {
		fmt.Fprintf(&b, ", up from %s", num(site.baseline))
	}
	if site.capacity != "" {
		b.WriteString(": " + site.bounded + ", not a runaway")
		return b.String()
	}
	if n, o, c := ix.blockedAt(site); n > 0 && c != nil {
		state := "blocked on " + o.short() + " in"
		switch {
		case o.hidden:
			state = "parked at"
		case o.Op == detect.OpRunning:
			state = "running in"
		case o.Op == detect.OpSleep:
			state = "sleeping in"
		case o.Op == detect.OpIOWait:
			state = "in IO wait in"
		case o.Op == detect.OpUnknown:
			state = "in"
		}
		who := "all"
		if n < site.count {
			who = num(n)
		}
		fmt.Fprintf(&b, "; %s %s %s", who, state, funcName(c))
		if w := where(c); w != "" {
			fmt.Fprintf(&b, " (%s)", w)
		}
	}
	return b.String()
}

const runawayRemedy = "Bound the spawning: start a fixed pool of workers fed by a channel, or guard the go statement with a semaphore " +
	"(a buffered channel, golang.org/x/sync/semaphore, errgroup.Group.SetLimit) so the source waits instead of piling up goroutines. " +
	"If the goroutines are blocked on a slow dependency, add timeouts so they can finish, and shed load at the source."

const capacityRemedy = "Nothing to fix if the number tracks the load (connections, streams, entities). Watch it over time " +
	"(gorensic diff against an older snapshot): growth without matching load is a leak; cap it with connection limits or idle timeouts."

func (ix *index) spawnFinding(site *spawnSite) detect.Finding {
	s := ix.s
	f := detect.Finding{
		Kind:       detect.KindRunaway,
		Severity:   site.sev,
		Confidence: site.conf,
		Count:      site.count,
		Wait:       site.wait,
		Culprit:    site.frame,
		Remedy:     runawayRemedy,
		Metrics:    map[string]float64{"share": site.share},
	}
	if !site.entry {
		f.CreatedBy = site.frame
	} else {
		f.Key = "entry"
	}
	if site.creators > 0 {
		f.Metrics["creators"] = float64(site.creators)
	}
	if site.baseline >= 0 {
		f.Metrics["baseline_count"] = float64(site.baseline)
	}
	if site.capacity != "" {
		f.Remedy = capacityRemedy
	}
	f.Score = detect.Score(site.conf, site.count, 0, site.share)
	f.Title = ix.spawnTitle(site)

	var notes []string
	if site.capacity != "" {
		notes = append(notes, site.capacity)
	}
	if site.owner != "" {
		notes = append(notes, site.owner)
	}
	if n := inputNote(s); n != "" && site.entry {
		notes = append(notes, "no creators in the input: grouped by the function each goroutine started in")
	}
	for i, gi := range site.groups {
		if i == 3 {
			break
		}
		note := "started here"
		if i == 0 && len(notes) > 0 {
			note += ": " + strings.Join(notes, "; ")
		}
		f.Stacks = append(f.Stacks, detect.EvidenceOf(s, ix.groups[gi], note))
	}
	if site.oneParent != 0 {
		if p := ix.creator(&s.Goroutines[ix.groups[site.groups[0]].Members[0]]); p != nil {
			f.Stacks = append(f.Stacks, detect.GoroutineEvidence(s, p, fmt.Sprintf("the spawning goroutine %d, which started all of them", p.ID)))
		}
	}
	return f
}

// fanoutFinding consolidates several similar-sized creation sites: the
// goroutines of a per-entity design (a few per consumer, stream or peer),
// which scale with the number of entities.
func (ix *index) fanoutFinding(sites []*spawnSite) detect.Finding {
	s := ix.s
	total := 0
	var names []string
	for _, site := range sites {
		total += site.count
		if len(names) < 4 {
			names = append(names, funcName(site.frame))
		}
	}
	share := float64(total) / float64(max(ix.total, 1))
	f := detect.Finding{
		Kind:       detect.KindRunaway,
		Severity:   detect.SeverityInfo,
		Confidence: detect.ConfidencePossible,
		Count:      total,
		Culprit:    sites[0].frame,
		Key:        "fan-out",
		Remedy:     capacityRemedy,
		Metrics:    map[string]float64{"share": share, "sites": float64(len(sites))},
		Title: fmt.Sprintf("per-entity fan-out: %d sites with ~%s goroutines each (%s, %s of all): %s",
			len(sites), num(sites[len(sites)/2].count), num(total), pct(share), strings.Join(names, ", ")),
	}
	if !sites[0].entry {
		f.CreatedBy = sites[0].frame
	}
	f.Score = detect.Score(f.Confidence, total, 0, share)
	for i, site := range sites {
		if i == 4 {
			break
		}
		note := "one goroutine per entity"
		if i == 0 {
			note = "similar counts at several sites: each entity (consumer, stream, peer) runs one goroutine of each kind; not a leak by itself"
		}
		f.Stacks = append(f.Stacks, detect.EvidenceOf(s, ix.groups[site.groups[0]], note))
	}
	return f
}
