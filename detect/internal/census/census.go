package census

import (
	"slices"

	"github.com/gorensic/gorensic/detect"
	"github.com/gorensic/gorensic/parse"
)

// The detector names, which go into the fingerprints each detector
// computes for the other's findings.
const (
	LeakName    = "leak"
	RunawayName = "runaway"
)

// Result is what the analysis found: the leak detector reports Leaks, the
// runaway detector Runaways. Findings covering the same goroutines name
// each other in Related.
type Result struct {
	Leaks    []detect.Finding
	Runaways []detect.Finding
}

// Analyze counts the snapshot's goroutines by blocking site and by
// creation site, judges each site and decides which detector owns the
// goroutines two findings share. It is deterministic: both detectors call
// it and agree.
func Analyze(p *detect.Pass) *Result {
	return p.Shared(resultKey{}, func() any { return analyze(p) }).(*Result)
}

// resultKey is the key of the census among a Run's shared analyses.
type resultKey struct{}

func analyze(p *detect.Pass) *Result {
	ix := newIndex(p)
	if p.Snapshot.Caps.Has(parse.CapCreatorIDs) {
		ids := map[int64]bool{}
		for _, g := range p.Groups {
			for _, c := range g.Creators {
				ids[c.ID] = true
			}
		}
		ix.resolveCreators(ids)
	}

	leaks := ix.leakSites()
	for _, site := range leaks {
		ix.judgeLeak(site, p.Config)
	}
	spawns := ix.spawnSites()
	base := baselineCounts(p)
	for _, site := range spawns {
		ix.judgeSpawn(site, p.Config, base)
	}
	ix.resolve(leaks, spawns)
	fanout := consolidateFanout(spawns)

	res := &Result{}
	leakFP := make([]string, len(leaks))
	for i, site := range leaks {
		if site.keep {
			f := ix.leakFinding(site)
			leakFP[i] = detect.Fingerprint(LeakName, f.Kind, f.Key, f.Culprit, f.CreatedBy)
			res.Leaks = append(res.Leaks, f)
		}
	}
	spawnFP := make([]string, len(spawns))
	for i, site := range spawns {
		if site.keep && !slices.Contains(fanout, site) {
			f := ix.spawnFinding(site)
			spawnFP[i] = detect.Fingerprint(RunawayName, f.Kind, f.Key, f.Culprit, f.CreatedBy)
			res.Runaways = append(res.Runaways, f)
		}
	}
	if len(fanout) > 0 {
		res.Runaways = append(res.Runaways, ix.fanoutFinding(fanout))
	}
	ix.link(res, leaks, spawns, leakFP, spawnFP)
	return res
}

// baselineCounts counts the baseline snapshot's goroutines by creation
// site, or returns nil without a baseline.
func baselineCounts(p *detect.Pass) map[string]int {
	if p.Baseline == nil {
		return nil
	}
	bp := &detect.Pass{Snapshot: p.Baseline, Groups: parse.Aggregate(p.Baseline), Config: p.Config, Total: p.Baseline.GoroutineCount()}
	bix := newIndex(bp)
	counts := map[string]int{}
	for gi, g := range bix.groups {
		if frame, _ := bix.spawnKey(gi); frame != nil {
			counts[norm(frame.Function)] += g.Count
		}
	}
	return counts
}

// resolve applies the ownership rules between the two detectors:
//
//   - a leak site whose only evidence is its size gives way (drops to
//     info) to a runaway finding at warning or above that holds at least
//     half of its goroutines;
//   - a runaway site gives way to leak findings at warning or above that
//     hold at least half of its goroutines.
func (ix *index) resolve(leaks []*leakSite, spawns []*spawnSite) {
	groupSpawn := ix.groupOwners(len(spawns), func(i int) []int { return spawns[i].groups })
	for _, l := range leaks {
		if !l.keep || !l.countOnly || l.sev < detect.SeverityWarning {
			continue
		}
		covered := ix.covered(l.groups, groupSpawn, func(si int) bool {
			return spawns[si].keep && spawns[si].sev >= detect.SeverityWarning
		})
		if covered*2 >= l.count {
			l.sev = detect.SeverityInfo
			l.owner = "their number is the runaway finding's to report: nothing but their count says they are stuck"
		}
	}
	groupLeak := ix.groupOwners(len(leaks), func(i int) []int { return leaks[i].groups })
	for _, site := range spawns {
		if !site.keep || site.sev < detect.SeverityWarning {
			continue
		}
		covered := ix.covered(site.groups, groupLeak, func(li int) bool {
			return leaks[li].keep && leaks[li].sev >= detect.SeverityWarning
		})
		if covered*2 >= site.count {
			site.sev = detect.SeverityInfo
			site.owner = "most of them are in the leak finding, which says why they are stuck"
		}
	}
}

// groupOwners maps each group to the last of n sites that holds it (its
// groups are groups(i)), or -1.
func (ix *index) groupOwners(n int, groups func(i int) []int) []int {
	owner := make([]int, len(ix.groups))
	for i := range owner {
		owner[i] = -1
	}
	for i := range n {
		for _, gi := range groups(i) {
			owner[gi] = i
		}
	}
	return owner
}

// covered counts the goroutines of groups whose owner site is loud.
func (ix *index) covered(groups, owner []int, loud func(site int) bool) int {
	n := 0
	for _, gi := range groups {
		if o := owner[gi]; o >= 0 && loud(o) {
			n += ix.groups[gi].Count
		}
	}
	return n
}

// link names, in each finding's Related, the findings of the other
// detector that share at least a tenth of its goroutines.
func (ix *index) link(res *Result, leaks []*leakSite, spawns []*spawnSite, leakFP, spawnFP []string) {
	groupSpawn := map[int]int{}
	for si, site := range spawns {
		for _, gi := range site.groups {
			groupSpawn[gi] = si
		}
	}
	overlap := map[[2]int]int{}
	for li, l := range leaks {
		for _, gi := range l.groups {
			if si, ok := groupSpawn[gi]; ok {
				overlap[[2]int{li, si}] += ix.groups[gi].Count
			}
		}
	}
	leakRel := map[int][]string{}
	spawnRel := map[int][]string{}
	for li := range leaks {
		for si := range spawns {
			n := overlap[[2]int{li, si}]
			if n == 0 || leakFP[li] == "" || spawnFP[si] == "" {
				continue
			}
			if n*10 >= leaks[li].count || n*10 >= spawns[si].count {
				leakRel[li] = append(leakRel[li], spawnFP[si])
				spawnRel[si] = append(spawnRel[si], leakFP[li])
			}
		}
	}
	k := 0
	for li, l := range leaks {
		if !l.keep {
			continue
		}
		res.Leaks[k].Related = append(res.Leaks[k].Related, leakRel[li]...)
		k++
	}
	k = 0
	for si, site := range spawns {
		if !site.keep || spawnFP[si] == "" {
			continue
		}
		res.Runaways[k].Related = append(res.Runaways[k].Related, spawnRel[si]...)
		k++
	}
}

// consolidateFanout picks, among the info-level creation sites that are
// neither a server's connection goroutines nor owned by a leak, three or
// more whose counts
// are within 10% of their median: a per-entity design. They are reported
// as one finding.
func consolidateFanout(spawns []*spawnSite) []*spawnSite {
	var cands []*spawnSite
	for _, s := range spawns {
		if s.keep && s.sev == detect.SeverityInfo && s.owner == "" && !isServerSpawner(s.frame.Function) {
			cands = append(cands, s)
		}
	}
	if len(cands) < 3 {
		return nil
	}
	median := cands[len(cands)/2].count
	var out []*spawnSite
	for _, s := range cands {
		if d := s.count - median; d*10 <= median && -d*10 <= median {
			out = append(out, s)
		}
	}
	if len(out) < 3 {
		return nil
	}
	return out
}
