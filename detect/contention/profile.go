package contention

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/gorensic/gorensic/detect"
	"github.com/gorensic/gorensic/detect/internal/lockwait"
	"github.com/gorensic/gorensic/detect/internal/words"
	"github.com/gorensic/gorensic/parse"
)

// profileWarnShare is the share of a profile's total delay that a lock site
// must carry to be a warning.
const profileWarnShare = 0.5

// profileWarnFactor times Config.ContentionMinDelay is the total delay a
// lock site must carry to be a warning.
const profileWarnFactor = 60

// maxOtherSites is how many non-lock sites of a block profile are reported
// (at info).
const maxOtherSites = 3

// maxProfileStacks is how many sample stacks a profile finding shows.
const maxProfileStacks = 3

// profSite is the delay of a mutex or block profile attributed to one
// culprit.
type profSite struct {
	key         string
	what        string // "sync.Mutex", "sync.RWMutex", "chan receive", ...
	lock        bool   // a lock (not a channel, select, Cond or WaitGroup wait)
	culprit     *parse.Frame
	entry       *parse.Frame
	contentions int64
	delay       time.Duration
	samples     []parse.ContentionSample
}

func reportProfile(p *detect.Pass) {
	c := p.Snapshot.Contention
	var total time.Duration
	byKey := make(map[string]*profSite)
	var sites []*profSite
	for _, smp := range c.Samples {
		total += smp.Delay
		ps := attribute(c.Kind, smp.Stack)
		if ps == nil {
			continue
		}
		if o := byKey[ps.key]; o != nil {
			ps = o
		} else {
			byKey[ps.key] = ps
			sites = append(sites, ps)
		}
		ps.contentions += smp.Contentions
		ps.delay += smp.Delay
		ps.samples = append(ps.samples, smp)
	}
	slices.SortStableFunc(sites, func(x, y *profSite) int {
		if c := cmp.Compare(y.delay, x.delay); c != 0 {
			return c
		}
		return cmp.Compare(x.key, y.key)
	})
	minDelay := max(p.Config.ContentionMinDelay.D(), time.Nanosecond)
	others := 0
	for _, ps := range sites {
		if ps.delay < minDelay {
			continue
		}
		if !ps.lock {
			// Channel and select waits are reported only in the
			// program's own code: the runtime's and the standard
			// library's service goroutines wait by design.
			if ps.culprit.Runtime || detect.IsStdlib(ps.culprit.Function) || others == maxOtherSites {
				continue
			}
			others++
		}
		reportProfSite(p, c, ps, total, minDelay)
	}
}

// attribute names the operation and the culprit of a sample's stack; nil
// for an empty stack.
func attribute(kind parse.Format, st *parse.Stack) *profSite {
	if st == nil || len(st.Frames) == 0 {
		return nil
	}
	ps := &profSite{entry: detect.EntryFunction(st)}
	i := 0
	if kind == parse.FormatMutex {
		// The stack is where the lock was released.
		ps.lock = true
		ps.what = "a lock"
		for ; i < len(st.Frames); i++ {
			f := st.Frames[i]
			switch f.Function {
			case "sync.(*Mutex).Unlock", "internal/sync.(*Mutex).Unlock":
				ps.what = "sync.Mutex"
			case "sync.(*RWMutex).Unlock", "sync.(*RWMutex).RUnlock":
				ps.what = "sync.RWMutex"
			case "runtime.unlock", "runtime.unlock2", "runtime._LostContendedRuntimeLock":
				ps.what = "a runtime-internal lock"
			}
			if !f.Runtime && !inSyncPackage(f.Function) {
				break
			}
		}
	} else {
		op := detect.OpOf("", st)
		ps.lock = op.IsLock()
		ps.what = op.String()
		switch op {
		case detect.OpMutexLock:
			ps.what = "sync.Mutex"
		case detect.OpRWMutexLock, detect.OpRWMutexRLock:
			ps.what = "sync.RWMutex"
		}
		for ; i < len(st.Frames); i++ {
			f := st.Frames[i]
			if !f.Runtime && !inSyncPackage(f.Function) {
				break
			}
		}
	}
	ps.culprit = lockwait.ProgramFrame(st, i)
	if ps.culprit == nil {
		if i < len(st.Frames) {
			ps.culprit = st.Frames[i]
		} else {
			ps.culprit = st.Frames[len(st.Frames)-1]
		}
	}
	ps.key = ps.what + "|" + detect.NormalizeFunction(ps.culprit.Function)
	return ps
}

func inSyncPackage(fn string) bool {
	switch parse.FuncPackage(fn) {
	case "sync", "internal/sync":
		return true
	}
	return false
}

func reportProfSite(p *detect.Pass, c *parse.Contention, ps *profSite, total, minDelay time.Duration) {
	sh := 0.0
	if total > 0 {
		sh = float64(ps.delay) / float64(total)
	}
	sev := detect.SeverityInfo
	if ps.lock && ps.what != "a runtime-internal lock" && sh >= profileWarnShare && ps.delay >= profileWarnFactor*minDelay {
		sev = detect.SeverityWarning
	}
	profile := "mutex profile"
	if c.Kind == parse.FormatBlock {
		profile = "block profile"
	}
	count := int(min(ps.contentions, math.MaxInt32))
	var title string
	pct := fmt.Sprintf("%.0f%%", 100*sh)
	switch {
	case c.Kind == parse.FormatMutex:
		title = fmt.Sprintf("%s contention released in %s: %s contentions, %s of total delay (%s of the %s)",
			ps.what, words.Func(ps.culprit.Function), words.Count(count), words.Seconds(ps.delay), pct, profile)
	case ps.lock:
		title = fmt.Sprintf("%s contention in %s: %s waits, %s of total delay (%s of the %s)",
			ps.what, words.Func(ps.culprit.Function), words.Count(count), words.Seconds(ps.delay), pct, profile)
	default:
		title = fmt.Sprintf("blocking on %s in %s: %s events, %s of total delay (%s of the %s; not lock contention)",
			ps.what, words.Func(ps.culprit.Function), words.Count(count), words.Seconds(ps.delay), pct, profile)
	}
	f := detect.Finding{
		Kind:       detect.KindContention,
		Severity:   sev,
		Confidence: detect.ConfidencePossible,
		Title:      title,
		Count:      count,
		Culprit:    ps.culprit,
		CreatedBy:  ps.entry,
		Key:        strings.ReplaceAll(string(c.Kind)+"-"+ps.what, " ", "-"),
		Metrics: map[string]float64{
			"delay_seconds": ps.delay.Seconds(),
			"contentions":   float64(ps.contentions),
			"delay_share":   sh,
		},
	}
	slices.SortStableFunc(ps.samples, func(x, y parse.ContentionSample) int { return cmp.Compare(y.Delay, x.Delay) })
	for i, smp := range ps.samples {
		if i == maxProfileStacks {
			break
		}
		e := detect.Evidence{
			Count: int(min(smp.Contentions, math.MaxInt32)),
			Stack: smp.Stack,
			Note:  fmt.Sprintf("%s contentions, %s delay", words.Count(int(min(smp.Contentions, math.MaxInt32))), words.Seconds(smp.Delay)),
		}
		if smp.Labels != nil {
			e.Labels = []*parse.Labels{smp.Labels}
		}
		if i == 0 && c.Kind == parse.FormatMutex {
			e.Note += "; the stack is where the lock was released: the critical section that made others wait"
		}
		f.Stacks = append(f.Stacks, e)
	}
	switch {
	case c.Kind == parse.FormatMutex || ps.lock:
		f.Remedy = "Shorten the critical section at this stack or split the lock (shard by key, atomic values, copy-on-write snapshots). " +
			"Profiles accumulate from program start; take a delta (/debug/pprof/mutex?seconds=30) during the incident to see the current rate."
	default:
		f.Remedy = "Block profiles also record channel, select, sync.Cond and WaitGroup waits, which are usually idle goroutines " +
			"waiting for work; look here only if this wait is on a request's critical path."
	}
	f.Score = detect.Score(detect.ConfidencePossible, count, 0, sh)
	p.Report(f)
}
