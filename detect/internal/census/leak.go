package census

import (
	"cmp"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/gorensic/gorensic/detect"
	"github.com/gorensic/gorensic/parse"
)

// leakSite is the goroutines blocked in one operation at one culprit
// function, across stacks that differ below it and across creators.
type leakSite struct {
	key     string
	op      op
	leaked  bool // the runtime marked them "(leaked)"
	culprit *parse.Frame
	groups  []int // indices into index.groups, biggest first
	count   int

	wait      *detect.WaitStats // nil without wait ages
	createdBy *parse.Frame      // the most common creation site
	creators  int               // distinct creator goroutine IDs
	oneParent int64             // the creator ID when all members share one
	known     int               // members whose creator status is known
	returned  int               // members whose creator returned
	viaServer int               // members whose creator is a live server connection goroutine that has left the creating function
	siblings  []int             // blocked groups from the same creation site, outside this site

	sev       detect.Severity
	conf      detect.Confidence
	keep      bool     // report it
	countOnly bool     // the only evidence is how many there are
	reasons   []string // evidence, for the title and notes
	owner     string   // why another finding owns it, when capped
}

// isLeakCandidate reports whether a group can be part of a leak site.
func isLeakCandidate(g *parse.Group, o op, culprit *parse.Frame) bool {
	leaked := g.Flags&parse.FlagLeaked != 0
	switch {
	case o.IsLock() || o.Op == detect.OpSemacquire:
		// Lock waiters, even leaked ones (a lock-order deadlock), are the
		// contention and deadlock detectors'.
		return false
	case leaked, o.NeverWakes():
		return culprit != nil
	case !o.sendSide() && !o.waitSide():
		return false // locks, sleeps, IO, syscalls, running: other detectors
	case culprit == nil || culprit.Runtime || detect.IsStdlib(culprit.Function):
		// Only standard-library frames: runtime and stdlib service
		// goroutines (signal.loop, net/http connection loops,
		// database/sql openers).
		return false
	}
	return true
}

// leakSites groups the candidate groups into sites.
func (ix *index) leakSites() []*leakSite {
	byKey := map[string]*leakSite{}
	var sites []*leakSite
	for gi, g := range ix.groups {
		o := ix.ops[gi]
		culprit := detect.Culprit(g.Stack)
		if !isLeakCandidate(g, o, culprit) {
			continue
		}
		leaked := g.Flags&parse.FlagLeaked != 0
		key := o.String() + "|" + norm(culprit.Function)
		if leaked {
			key = "leaked|" + key
		}
		site := byKey[key]
		if site == nil {
			site = &leakSite{key: key, op: o, leaked: leaked, culprit: culprit}
			byKey[key] = site
			sites = append(sites, site)
		}
		site.groups = append(site.groups, gi)
		site.count += g.Count
	}
	for _, site := range sites {
		ix.describeLeakSite(site)
	}
	slices.SortStableFunc(sites, func(a, b *leakSite) int {
		if c := cmp.Compare(b.count, a.count); c != 0 {
			return c
		}
		return cmp.Compare(a.key, b.key)
	})
	return sites
}

// describeLeakSite fills the facts the verdict needs: waits, creators,
// siblings.
func (ix *index) describeLeakSite(site *leakSite) {
	site.wait = ix.waitStats(site.groups)
	creators := map[int64]bool{}
	createdBy := map[*parse.Frame]int{}
	// Members of a group share a stack, so a creator's verdict holds for
	// every member it started: tally per distinct creator.
	tally := func(st *parse.Stack, creatorID int64, n int) {
		switch ix.creatorStatus(st, creatorID) {
		case creatorReturned:
			site.known += n
			site.returned += n
			if c := ix.creatorByID(creatorID); c != nil && ix.isServerConn(c.Stack) {
				site.viaServer += n
			}
		case creatorRunning:
			site.known += n
		}
	}
	for _, gi := range site.groups {
		g := ix.groups[gi]
		if cb := g.Stack.CreatedBy; cb != nil {
			createdBy[cb] += g.Count
		}
		unknown := g.Count // members without a creator ID
		for _, c := range g.Creators {
			creators[c.ID] = true
			unknown -= c.Count
			tally(g.Stack, c.ID, c.Count)
		}
		if unknown > 0 {
			tally(g.Stack, 0, unknown)
		}
	}
	site.creators = len(creators)
	if len(creators) == 1 {
		for id := range creators {
			site.oneParent = id
		}
	}
	best := 0
	for f, n := range createdBy {
		if n > best || n == best && site.createdBy != nil && f.Function < site.createdBy.Function {
			site.createdBy, best = f, n
		}
	}
	if site.createdBy != nil {
		site.siblings = ix.blockedSiblings(site, creators)
	}
}

// waitStats summarises the wait ages of the groups' members, or returns
// nil when the input shows no ages.
func (ix *index) waitStats(groups []int) *detect.WaitStats {
	if !ix.s.Caps.Has(parse.CapWaitAges) {
		return nil
	}
	// Dumps print whole minutes, so a histogram is small.
	hist := map[time.Duration]int{}
	n := 0
	for _, gi := range groups {
		for _, w := range ix.groups[gi].Waits {
			hist[w.Wait] += w.Count
			n += w.Count
		}
	}
	if n == 0 {
		return nil
	}
	keys := slices.Sorted(maps.Keys(hist))
	w := &detect.WaitStats{Min: keys[0], Max: keys[len(keys)-1]}
	seen := 0
	for _, k := range keys {
		seen += hist[k]
		if seen > n/2 {
			w.Median = k
			break
		}
	}
	return w
}

// blockedSiblings finds the groups started by the same creation function
// (and, when the input has creator IDs, by one of the same creator
// goroutines) that are blocked in channel or sync waits too: the rest of a
// family of goroutines left behind together, like a shell relay's reader,
// writer and pump.
func (ix *index) blockedSiblings(site *leakSite, creators map[int64]bool) []int {
	fn := norm(site.createdBy.Function)
	in := map[int]bool{}
	for _, gi := range site.groups {
		in[gi] = true
	}
	var out []int
	for gi, g := range ix.groups {
		o := ix.ops[gi]
		if in[gi] || g.Stack.CreatedBy == nil || norm(g.Stack.CreatedBy.Function) != fn {
			continue
		}
		if !o.sendSide() && !o.waitSide() && !o.NeverWakes() {
			continue
		}
		if len(creators) > 0 {
			shared := false
			for _, c := range g.Creators {
				if creators[c.ID] {
					shared = true
					break
				}
			}
			if !shared {
				continue
			}
		}
		out = append(out, gi)
	}
	return out
}

// agedSiblings reports whether the site has blocked siblings that have
// waited at least min.
func (ix *index) agedSiblings(site *leakSite, min time.Duration) bool {
	if !ix.s.Caps.Has(parse.CapWaitAges) {
		return false
	}
	for _, gi := range site.siblings {
		if ix.groups[gi].WaitMedian >= min {
			return true
		}
	}
	return false
}

// noStack reports whether f is the placeholder of an empty stack: address
// 0, which no code lives at.
func noStack(f *parse.Frame) bool {
	return f.PC == 0 && (f.Function == "0x0" || f.Function == "")
}

// judgeLeak decides whether a site is reported, and how. The rules are
// documented in detect/leak's package comment.
func (ix *index) judgeLeak(site *leakSite, cfg detect.Config) {
	minWait := cfg.LeakMinWait.D()
	aged := site.wait != nil && site.wait.Median >= minWait
	returned := site.known > 0 && site.returned*2 >= site.known
	returnedMost := site.known > 0 && site.returned*5 >= site.known*4
	isMain := site.culprit.Function == "main.main"
	share := float64(site.count) / float64(max(ix.total, 1))
	if aged {
		site.reasons = append(site.reasons, "blocked for "+dur(site.wait.Median)+" (median)")
	}

	switch {
	case site.leaked:
		site.keep, site.conf = true, detect.ConfidenceCertain
		site.sev = detect.SeverityWarning
		if site.count >= cfg.LeakWarnCount {
			site.sev = detect.SeverityCritical
		}
		site.reasons = append([]string{"the runtime's leak check proved them unreachable"}, site.reasons...)
		if noStack(site.culprit) {
			// Go 1.27's goroutineleak profile can carry a sample with
			// no stack ("1 @" and "#\t0x0") that no debug=2 dump marks
			// leaked: nothing says what it is or where to look.
			site.sev = detect.SeverityInfo
			site.reasons = append(site.reasons, "the profile recorded no stack for it")
		}
		if isMain && (site.op.Op == detect.OpSelectNoCases || site.op.selectShaped) {
			// The leak check marks every select {} leaked, main's too:
			// a main that parks forever while servers run is idiomatic.
			// A debug=1 profile hides the select {}, but its addresses
			// show a select (runtime.gopark and runtime.block).
			site.sev = detect.SeverityInfo
			site.reasons = append(site.reasons, "main blocks forever on purpose while other goroutines do the work")
		}

	case site.op.NeverWakes():
		site.keep, site.conf = true, detect.ConfidenceCertain
		nilChan := site.op.Op != detect.OpSelectNoCases
		switch {
		case isMain:
			site.sev = detect.SeverityInfo
			site.reasons = append(site.reasons, "main blocks forever on purpose while other goroutines do the work")
		case nilChan && site.count >= cfg.LeakMinCount:
			site.sev = detect.SeverityCritical
		case nilChan:
			site.sev = detect.SeverityWarning
		case site.count >= cfg.LeakMinCount:
			site.sev = detect.SeverityWarning
		default:
			site.sev = detect.SeverityInfo
			site.reasons = append(site.reasons, "a lone select {} is usually a deliberately parked goroutine")
		}
		if !isMain {
			site.reasons = append([]string{"nothing can ever wake " + site.op.String()}, site.reasons...)
		}

	case site.op.sendSide():
		if returned {
			site.reasons = append(site.reasons, ix.returnedReason(site))
		}
		likely := aged || returned
		site.conf = detect.ConfidencePossible
		if likely {
			site.conf = detect.ConfidenceLikely
		}
		switch {
		case site.count >= cfg.LeakCriticalCount && likely:
			site.keep, site.sev = true, detect.SeverityCritical
		case site.count >= cfg.LeakWarnCount:
			site.keep, site.sev = true, detect.SeverityWarning
			site.countOnly = !likely
		case site.count >= cfg.LeakMinCount && likely:
			site.keep, site.sev = true, detect.SeverityWarning
		case aged && returned && ix.agedSiblings(site, minWait):
			site.keep, site.sev = true, detect.SeverityWarning
			site.reasons = append(site.reasons, "other goroutines "+funcName(site.createdBy)+" started are blocked as long: a family left behind together")
		case site.count >= cfg.LeakMinCount || aged && returned:
			site.keep, site.sev = true, detect.SeverityInfo
			site.countOnly = !likely
		}

	case site.op.hidden:
		// debug=1: the direction is not shown, and an idle pool looks
		// the same; only a large pile-up dominating the program says
		// anything, and not when the addresses show a select: without
		// creators a select is a waiter, which debug=2 would not report
		// either (per-connection streaming loops, broker subscribers).
		site.conf = detect.ConfidencePossible
		site.countOnly = true
		if site.count >= 4*cfg.LeakWarnCount && share >= 0.5 {
			site.keep, site.sev = true, detect.SeverityWarning
			site.reasons = append(site.reasons, pct(share)+" of all goroutines are parked at this one site")
			if site.op.selectShaped {
				site.sev = detect.SeverityInfo
				site.reasons = append(site.reasons, "the profile's addresses show a select: a waiter")
			}
		}

	default: // wait side: receive, select, Cond.Wait, WaitGroup.Wait
		// Per-request goroutines: one creator for every two goroutines
		// or fewer, or creators that are server connection goroutines
		// (a keep-alive connection runs one request after another and
		// starts goroutines from each handler).
		perRequest := ix.s.Caps.Has(parse.CapCreatorIDs) &&
			(site.creators >= 2 && site.creators*2 >= site.count || site.viaServer*5 >= site.count*4)
		abandoned := perRequest && returnedMost && site.count >= cfg.LeakMinCount
		switch {
		case abandoned && aged:
			site.keep, site.conf = true, detect.ConfidenceLikely
			site.sev = detect.SeverityWarning
			if site.count >= cfg.LeakCriticalCount {
				site.sev = detect.SeverityCritical
			}
		case abandoned && (site.op.Op == detect.OpChanReceive || site.op.Op == detect.OpWaitGroupWait) && site.count >= cfg.LeakWarnCount:
			// A plain receive or wg.Wait (no select: no ticker, no
			// second way out) in goroutines whose per-request creators
			// are gone.
			site.keep, site.conf = true, detect.ConfidencePossible
			site.sev = detect.SeverityWarning
		}
		if site.keep {
			if site.viaServer*5 >= site.count*4 {
				site.reasons = append(site.reasons, "request handlers started them and returned; the connections live on")
			} else {
				site.reasons = append(site.reasons, fmt.Sprintf("each was started by one of %s goroutines that have since returned", num(site.creators)))
			}
			break
		}
		site.conf = detect.ConfidencePossible
		site.countOnly = true
		poolLike := ix.s.Caps.Has(parse.CapCreatorIDs) && !perRequest
		if poolLike {
			break // a few creators started them all: a pool or per-connection loops
		}
		if site.count >= cfg.LeakCriticalCount && share >= 0.25 || aged && site.count >= cfg.LeakWarnCount {
			site.keep, site.sev = true, detect.SeverityInfo
			site.reasons = append(site.reasons, "waiting to receive is also what idle pools and per-connection loops do")
		}
	}

	if ix.deadlock && site.sev > detect.SeverityInfo {
		site.sev = detect.SeverityInfo
		site.owner = "the program crashed with \"all goroutines are asleep\": the deadlock finding covers these goroutines"
	}
}

// returnedReason says whose return left the goroutines behind.
func (ix *index) returnedReason(site *leakSite) string {
	name := "their creator"
	if site.createdBy != nil {
		name = funcName(site.createdBy)
	}
	if site.returned == site.known {
		return name + " has returned"
	}
	return fmt.Sprintf("%s has returned for %s of %s", name, num(site.returned), num(site.known))
}

// leakFinding builds the finding of a judged site.
func (ix *index) leakFinding(site *leakSite) detect.Finding {
	s := ix.s
	share := float64(site.count) / float64(max(ix.total, 1))
	f := detect.Finding{
		Kind:       detect.KindLeak,
		Severity:   site.sev,
		Confidence: site.conf,
		Count:      site.count,
		Wait:       site.wait,
		Culprit:    site.culprit,
		CreatedBy:  site.createdBy,
		Remedy:     leakRemedy(site.op),
		Key:        site.op.String(),
		Metrics:    map[string]float64{"share": share},
	}
	if site.leaked {
		f.Key = "leaked " + f.Key
	}
	median := 0.0
	if site.wait != nil {
		median = site.wait.Median.Seconds()
	}
	f.Score = detect.Score(site.conf, site.count, median, share)
	f.Title = ix.leakTitle(site)
	if site.known > 0 {
		f.Metrics["creator_returned"] = float64(site.returned) / float64(site.known)
	}
	if site.creators > 0 {
		f.Metrics["creators"] = float64(site.creators)
	}
	if len(site.siblings) > 0 {
		n := 0
		for _, gi := range site.siblings {
			n += ix.groups[gi].Count
		}
		f.Metrics["blocked_siblings"] = float64(n)
	}

	notes := site.reasons
	if site.owner != "" {
		notes = append(slices.Clone(notes), site.owner)
	}
	if n := inputNote(s); n != "" {
		notes = append(slices.Clone(notes), n)
	}
	for i, gi := range site.groups {
		if i == 3 {
			break
		}
		note := "blocking site"
		if i == 0 && len(notes) > 0 {
			note += ": " + strings.Join(notes, "; ")
		} else if i > 0 {
			note = "same blocking site, another caller or creator"
		}
		f.Stacks = append(f.Stacks, detect.EvidenceOf(s, ix.groups[gi], note))
	}
	for i, gi := range site.siblings {
		if i == 2 {
			break
		}
		f.Stacks = append(f.Stacks, detect.EvidenceOf(s, ix.groups[gi], "started by the same "+funcName(site.createdBy)+", blocked too"))
	}
	if site.oneParent != 0 {
		if p := ix.creator(&s.Goroutines[ix.groups[site.groups[0]].Members[0]]); p != nil {
			f.Stacks = append(f.Stacks, detect.GoroutineEvidence(s, p, fmt.Sprintf("creator goroutine %d, now here", p.ID)))
		}
	}
	return f
}

func (ix *index) leakTitle(site *leakSite) string {
	var b strings.Builder
	b.WriteString(num(site.count))
	if site.leaked {
		b.WriteString(" leaked")
	}
	b.WriteString(plural(site.count, " goroutine", " goroutines"))
	if site.op.hidden {
		fmt.Fprintf(&b, " parked in %s at %s", site.op.short(), funcName(site.culprit))
		if w := where(site.culprit); w != "" {
			fmt.Fprintf(&b, " (%s)", w)
		}
	} else {
		fmt.Fprintf(&b, " blocked on %s in %s", site.op.short(), funcName(site.culprit))
	}
	if site.wait != nil {
		b.WriteString(" " + waitRange(site.wait))
	}
	switch {
	case site.leaked:
		b.WriteString(" (proved by the runtime's leak check)")
	case site.op.hidden:
		fmt.Fprintf(&b, ", %s of all (debug=1 profile: operation and ages not shown)", pct(float64(site.count)/float64(max(ix.total, 1))))
	case site.op.sendSide() && site.known > 0 && site.returned*2 >= site.known:
		b.WriteString("; " + ix.returnedReason(site))
	case site.op.waitSide() && site.sev >= detect.SeverityWarning && site.viaServer*5 >= site.count*4:
		b.WriteString("; started by request handlers that have returned")
	case site.op.waitSide() && site.sev >= detect.SeverityWarning && site.known > 0:
		fmt.Fprintf(&b, "; their %s creators have returned", num(site.creators))
	case !ix.s.Caps.Has(parse.CapStates):
		b.WriteString(" (named from frames; the profile shows no wait ages)")
	}
	return b.String()
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
