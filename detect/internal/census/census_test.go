package census_test

import (
	"strings"
	"testing"

	"github.com/gorensic/gorensic/detect"
)

// want is one finding a case expects, with its exact severity. Every
// finding at warning or above must be wanted.
type want struct {
	kind    detect.Kind
	sev     detect.Severity
	conf    string // "" for any
	culprit string
	count   int
	title   string // a substring of the title, "" for any
	related bool   // it names a finding of the other detector
}

var (
	leakW = detect.KindLeak
	runW  = detect.KindRunaway
)

const (
	info     = detect.SeverityInfo
	warning  = detect.SeverityWarning
	critical = detect.SeverityCritical
	possible = "possible"
	likely   = "likely"
	certain  = "certain"
)

// mainServing is goroutine 1 of a server: in main.main, accepting.
func mainServing() g {
	return g{n: 1, id: 1, state: "IO wait", frames: stack(accept, "net/http.(*Server).Serve", "main.main")}
}

func TestAnalyze(t *testing.T) {
	deadlock := "fatal error: all goroutines are asleep - deadlock!"
	tests := []struct {
		name     string
		text     string
		baseline string
		want     []want
	}{{
		name: "premature return: senders whose creator function returned",
		text: dump("", mainServing(),
			g{n: 400, id: 10, state: "chan send", minutes: 2, frames: stack(send, "main.(*searcher).search.func1"), by: "main.(*searcher).search", creator: 1}),
		want: []want{{kind: leakW, sev: warning, conf: likely, culprit: "main.(*searcher).search.func1", count: 400, title: "search has returned"}},
	}, {
		name: "premature return at scale is critical",
		text: dump("", mainServing(),
			g{n: 1200, id: 10, state: "chan send", minutes: 14, frames: stack(send, "main.fetch.func1"), by: "main.fetch", creator: -1}),
		// 1,200 of 1,201 goroutines: the runaway finding gives way to the leak.
		want: []want{{kind: leakW, sev: critical, conf: likely, culprit: "main.fetch.func1", count: 1200, related: true}},
	}, {
		name: "a few senders still awaited by their running creator are not a leak",
		text: dump("",
			g{n: 1, id: 1, state: "select", frames: stack(sel, "main.gather", "main.main")},
			g{n: 8, id: 10, state: "chan send", frames: stack(send, "main.gather.func1"), by: "main.gather", creator: 1}),
	}, {
		name: "many senders without other evidence are a possible leak",
		text: dump("",
			g{n: 1, id: 1, state: "select", frames: stack(sel, "main.gather", "main.main")},
			g{n: 80, id: 10, state: "chan send", frames: stack(send, "main.gather.func1"), by: "main.gather", creator: 1}),
		want: []want{{kind: leakW, sev: warning, conf: possible, culprit: "main.gather.func1", count: 80}},
	}, {
		name: "idle worker pool: one constructor, hours idle",
		text: dump("", mainServing(),
			g{n: 64, id: 10, state: "chan receive", minutes: 180, frames: stack(recv, "main.(*Pool).worker"), by: "main.NewPool", creator: 1},
			g{n: 1, id: 100, state: "chan receive", minutes: 180, frames: stack(recv, "main.(*Pool).collect"), by: "main.NewPool", creator: 1}),
	}, {
		name: "idle worker pool started by a goroutine that has exited",
		text: dump("", mainServing(),
			g{n: 200, id: 10, state: "select", minutes: 600, frames: stack(sel, "main.(*Pool).worker"), by: "main.NewPool", creator: 5}),
	}, {
		name: "per-request receivers whose requests returned long ago",
		text: dump("", mainServing(),
			g{n: 120, id: 10, state: "chan receive", minutes: 45, frames: stack(recv, "main.awaitCallback"), by: "main.handleCheckout", creator: -1}),
		want: []want{{kind: leakW, sev: warning, conf: likely, culprit: "main.awaitCallback", count: 120}},
	}, {
		name: "per-request receivers whose requests returned are a possible leak in numbers",
		text: dump("", mainServing(),
			g{n: 120, id: 10, state: "chan receive", minutes: 3, frames: stack(recv, "main.awaitCallback"), by: "main.handleCheckout", creator: -1}),
		want: []want{{kind: leakW, sev: warning, conf: possible, culprit: "main.awaitCallback", count: 120}},
	}, {
		name: "goroutines started by request handlers on one keep-alive connection",
		text: dump("", mainServing(),
			g{n: 1, id: 5, state: "IO wait", frames: stack(ioWait, "bufio.(*Reader).Peek", "net/http.(*conn).serve"), by: "net/http.(*Server).Serve", creator: 1},
			g{n: 120, id: 10, state: "chan receive", minutes: 1, frames: stack(recv, "main.awaitPayment"), by: "main.checkout", creator: 5}),
		want: []want{{kind: leakW, sev: warning, conf: possible, culprit: "main.awaitPayment", count: 120, title: ""}},
	}, {
		name: "a pool started by a request handler that is still running is quiet",
		text: dump("", mainServing(),
			g{n: 1, id: 5, state: "sync.WaitGroup.Wait", frames: stack([]string{"runtime.gopark", "sync.runtime_SemacquireWaitGroup", "sync.(*WaitGroup).Wait"}, "main.batch", "net/http.HandlerFunc.ServeHTTP", "net/http.(*conn).serve"), by: "net/http.(*Server).Serve", creator: 1},
			g{n: 120, id: 10, state: "chan receive", minutes: 1, frames: stack(recv, "main.batchWorker"), by: "main.batch", creator: 5}),
	}, {
		name: "per-request goroutines in wg.Wait for workers that never call Done",
		text: dump("", mainServing(),
			g{n: 60, id: 10, state: "sync.WaitGroup.Wait", frames: stack([]string{"runtime.gopark", "sync.runtime_SemacquireWaitGroup", "sync.(*WaitGroup).Wait"}, "main.collect"), by: "main.handle", creator: -1}),
		want: []want{{kind: leakW, sev: warning, conf: possible, culprit: "main.collect", count: 60}},
	}, {
		name: "per-connection writer loops idle on a sync.Cond are quiet",
		text: dump("", mainServing(),
			g{n: 800, id: 10, state: "sync.Cond.Wait", minutes: 2, frames: stack([]string{"runtime.gopark", "sync.runtime_notifyListWait", "sync.(*Cond).Wait"}, "main.(*client).writeLoop"), by: "main.(*server).createClient", creator: -1},
			g{n: 800, id: 2000, state: "IO wait", minutes: 2, frames: stack(ioWait, "main.(*client).readLoop"), by: "main.(*server).createClient", creator: -1}),
	}, {
		name: "per-connection select loops whose handlers returned (websocket pumps) are quiet",
		text: dump("", mainServing(),
			g{n: 500, id: 10, state: "select", frames: stack(sel, "main.(*Client).writePump"), by: "main.serveWs", creator: -1},
			g{n: 500, id: 1000, state: "IO wait", frames: stack(ioWait, "main.(*Client).readPump"), by: "main.serveWs", creator: -1}),
	}, {
		name: "receivers without creator IDs (Go < 1.21) stay quiet",
		text: dump("", mainServing(),
			g{n: 300, id: 10, state: "chan receive", minutes: 90, frames: stack(recv, "main.awaitCallback"), by: "main.handleCheckout"}),
	}, {
		name: "nil channel receives are certain and critical in numbers",
		text: dump("", mainServing(),
			g{n: 20, id: 10, state: "chan receive (nil chan)", frames: stack(nilRecv, "main.(*sub).run"), by: "main.subscribe", creator: 1}),
		want: []want{{kind: leakW, sev: critical, conf: certain, culprit: "main.(*sub).run", count: 20}},
	}, {
		name: "a lone nil channel receive is a warning",
		text: dump("", mainServing(),
			g{n: 1, id: 10, state: "chan receive (nil chan)", frames: stack(nilRecv, "main.(*sub).run"), by: "main.subscribe", creator: 1}),
		want: []want{{kind: leakW, sev: warning, conf: certain, culprit: "main.(*sub).run", count: 1}},
	}, {
		name: "select {} in main is idiomatic",
		text: dump("",
			g{n: 1, id: 1, state: "select (no cases)", frames: stack(block, "main.main")},
			g{n: 3, id: 5, state: "IO wait", frames: stack(accept, "net/http.(*Server).Serve", "main.main.func1"), by: "main.main", creator: 1}),
		want: []want{{kind: leakW, sev: info, conf: certain, culprit: "main.main", count: 1}},
	}, {
		name: "goroutines the runtime proved leaked",
		text: dump("",
			g{n: 3, id: 10, leaked: true, state: "chan receive", minutes: 1, frames: stack(recv, "main.awaitPaymentCallback"), by: "main.main", creator: 1}),
		want: []want{{kind: leakW, sev: warning, conf: certain, culprit: "main.awaitPaymentCallback", count: 3}},
	}, {
		name: "deadlock crashes belong to the deadlock detector",
		text: dump(deadlock,
			g{n: 1, id: 1, state: "sync.WaitGroup.Wait", frames: stack([]string{"runtime.gopark", "sync.runtime_SemacquireWaitGroup", "sync.(*WaitGroup).Wait"}, "main.checksumAll", "main.main")},
			g{n: 1500, id: 10, state: "chan send", minutes: 30, frames: stack(send, "main.checksumAll.func1"), by: "main.checksumAll", creator: 1}),
		want: []want{
			{kind: leakW, sev: info, culprit: "main.checksumAll.func1", count: 1500},
			{kind: runW, sev: info, culprit: "main.checksumAll", count: 1500},
		},
	}, {
		name: "a lone sender left behind with its blocked siblings (a relay)",
		text: dump("",
			g{n: 1, id: 2447, state: "chan send", minutes: 12, frames: stack(send, "main.reverseBash.func2.1", "main.reverseBash.func2"), by: "main.reverseBash"},
			g{n: 1, id: 2446, state: "chan receive", minutes: 12, frames: stack(recv, "main.reverseBash.func1"), by: "main.reverseBash"},
			g{n: 1, id: 2465, state: "chan receive", minutes: 12, frames: stack(recv, "main.reverseBash.func4"), by: "main.reverseBash"}),
		want: []want{{kind: leakW, sev: warning, conf: likely, culprit: "main.reverseBash.func2.1", count: 1}},
	}, {
		name: "a lone long-blocked generator without siblings is info",
		text: dump("", mainServing(),
			g{n: 1, id: 7, state: "chan send", minutes: 300, frames: stack(send, "main.newIDs.func1"), by: "main.newIDs", creator: 1}),
		want: []want{{kind: leakW, sev: info, culprit: "main.newIDs.func1", count: 1}},
	}, {
		name: "runaway spawning: one parent starts thousands of handlers",
		text: dump("", mainServing(),
			g{n: 1, id: 7, state: "chan receive", minutes: 3, frames: stack(recv, "main.(*consumer).run"), by: "main.main", creator: 1},
			g{n: 1996, id: 10, state: "select", minutes: 2, frames: stack(sel, "main.(*downstream).acquire", "main.(*downstream).send", "main.(*consumer).handle"), by: "main.(*consumer).run", creator: 7},
			g{n: 4, id: 3000, state: "sleep", minutes: 2, frames: stack(sleep, "main.(*downstream).send", "main.(*consumer).handle"), by: "main.(*consumer).run", creator: 7}),
		want: []want{{kind: runW, sev: warning, conf: likely, culprit: "main.(*consumer).run", count: 2000, title: "in goroutine 7"}},
	}, {
		name: "ten thousand from one site is critical",
		text: dump("", mainServing(),
			g{n: 10500, id: 10, state: "select", frames: stack(sel, "main.(*client).call", "main.handle"), by: "main.(*queue).dispatch", creator: -1}),
		want: []want{{kind: runW, sev: critical, conf: likely, culprit: "main.(*queue).dispatch", count: 10500}},
	}, {
		name: "idle keep-alive connections are a capacity fact",
		text: dump("", mainServing(),
			g{n: 5000, id: 10, state: "IO wait", minutes: 20, frames: stack(ioWait, "net/http.(*connReader).backgroundRead"), by: "net/http.(*conn).serve", creator: -1},
			g{n: 5000, id: 6000, state: "IO wait", minutes: 20, frames: stack(ioWait, "bufio.(*Reader).Peek", "net/http.(*conn).serve"), by: "net/http.(*Server).Serve", creator: 1}),
		want: []want{
			{kind: runW, sev: info, culprit: "net/http.(*Server).Serve", count: 5000, title: "capacity"},
			{kind: runW, sev: info, culprit: "net/http.(*conn).serve", count: 5000, title: "capacity"},
		},
	}, {
		name: "per-connection helpers started by an accept loop are a capacity fact",
		text: dump("",
			g{n: 1, id: 1, state: "IO wait", frames: stack(accept, "main.(*broker).acceptLoop", "main.main")},
			g{n: 3000, id: 10, state: "chan receive", frames: stack(recv, "main.(*conn).outboundLoop"), by: "main.(*broker).acceptLoop", creator: 1},
			g{n: 2000, id: 4000, state: "IO wait", frames: stack(ioWait, "main.(*conn).inboundLoop"), by: "main.(*broker).acceptLoop", creator: 1}),
		want: []want{{kind: runW, sev: info, culprit: "main.(*broker).acceptLoop", count: 5000, title: "capacity"}},
	}, {
		name: "sleepers and tickers are quiet",
		text: dump("", mainServing(),
			g{n: 300, id: 10, state: "sleep", minutes: 60, frames: stack(sleep, "main.retryWithBackoff"), by: "main.main", creator: 1},
			g{n: 40, id: 400, state: "select", frames: stack(sel, "main.(*periodic).run"), by: "main.main", creator: 1}),
	}, {
		name: "growth since the baseline makes a runaway of a minority site",
		text: dump("", mainServing(),
			g{n: 3000, id: 10, state: "select", frames: stack(sel, "main.(*hub).fanout"), by: "main.(*hub).subscribe", creator: -1},
			g{n: 4000, id: 5000, state: "chan receive", frames: stack(recv, "main.worker"), by: "main.startWorkers", creator: 1}),
		baseline: dump("", mainServing(),
			g{n: 400, id: 10, state: "select", frames: stack(sel, "main.(*hub).fanout"), by: "main.(*hub).subscribe", creator: -1},
			g{n: 4000, id: 5000, state: "chan receive", frames: stack(recv, "main.worker"), by: "main.startWorkers", creator: 1}),
		want: []want{
			{kind: runW, sev: warning, culprit: "main.(*hub).subscribe", count: 3000, title: "up from 400"},
			{kind: runW, sev: info, culprit: "main.startWorkers", count: 4000},
		},
	}, {
		name: "debug=1: a dominant pile-up at one site is a possible leak",
		text: debug1("goroutine",
			g{n: 396, frames: stack(send, "main.(*searcher).search.func1")},
			g{n: 1, frames: []string{"runtime.gopark", "runtime.netpollblock", "internal/poll.runtime_pollWait", "net/http.(*Server).Serve", "main.main"}}),
		want: []want{{kind: leakW, sev: warning, conf: possible, culprit: "main.(*searcher).search.func1", count: 396, title: "debug=1"}},
	}, {
		name: "debug=1: an idle pool of a hundred workers dominating the program is quiet",
		text: debug1("goroutine",
			g{n: 100, frames: stack(recv, "main.(*Pool).worker")},
			g{n: 1, frames: []string{"runtime.gopark", "runtime.netpollblock", "internal/poll.runtime_pollWait", "net/http.(*Server).Serve", "main.main"}}),
	}, {
		name: "debug=1: an idle pool among other goroutines is quiet",
		text: debug1("goroutine",
			g{n: 64, frames: stack(recv, "main.(*Pool).worker")},
			g{n: 200, frames: []string{"runtime.gopark", "runtime.netpollblock", "internal/poll.runtime_pollWait", "net.(*conn).Read", "main.(*session).readLoop"}}),
	}, {
		name: "debug=1: thousands parked under one entry function are a runaway, not two findings",
		text: debug1("goroutine",
			g{n: 1996, frames: stack(sel, "main.(*downstream).acquire", "main.(*consumer).handle")},
			g{n: 4, frames: stack(sleep, "main.(*consumer).handle")}),
		want: []want{
			{kind: runW, sev: warning, conf: likely, culprit: "main.(*consumer).handle", count: 2000, related: true},
			{kind: leakW, sev: info, culprit: "main.(*downstream).acquire", count: 1996, related: true},
		},
	}, {
		name: "debug=1: a select-shaped pile-up (per-connection streaming loops) is a waiter, not a leak",
		text: debug1("goroutine",
			g{n: 300, frames: stack(sel, "main.(*streamServer).handle")},
			g{n: 1, frames: stack(sleep, "main.nightly")}),
		want: []want{{kind: leakW, sev: info, culprit: "main.(*streamServer).handle", count: 300}},
	}, {
		name: "debug=1: the same pile-up in a channel operation is a warning",
		text: debug1("goroutine",
			g{n: 300, frames: stack(send, "main.(*streamServer).handle")},
			g{n: 1, frames: stack(sleep, "main.nightly")}),
		want: []want{{kind: leakW, sev: warning, culprit: "main.(*streamServer).handle", count: 300}},
	}, {
		name: "goroutineleak debug=1: main parked in select {} is info",
		text: debug1("goroutineleak",
			g{n: 1, frames: stack(block, "main.main", "runtime.main")}),
		want: []want{{kind: leakW, sev: info, conf: certain, culprit: "main.main", count: 1}},
	}, {
		name: "goroutineleak debug=1: main leaked in a channel receive is a warning",
		text: debug1("goroutineleak",
			g{n: 1, frames: stack(recv, "main.main", "runtime.main")}),
		want: []want{{kind: leakW, sev: warning, conf: certain, culprit: "main.main", count: 1}},
	}, {
		name: "goroutineleak profile: certain",
		text: debug1("goroutineleak",
			g{n: 396, frames: stack(send, "main.(*searcher).search.func1")}),
		want: []want{{kind: leakW, sev: critical, conf: certain, culprit: "main.(*searcher).search.func1", count: 396}},
	}, {
		name: "per-entity fan-out is one info finding",
		text: debug1("goroutine",
			g{n: 1004, frames: stack(sel, "main.(*raft).fileWriter")},
			g{n: 1001, frames: stack(sel, "main.(*store).flushLoop")},
			g{n: 1000, frames: stack(sel, "main.(*consumer).monitor")},
			g{n: 500, frames: stack(sel, "main.(*stream).loop")}),
		want: []want{{kind: runW, sev: info, culprit: "main.(*raft).fileWriter", count: 3005, title: "fan-out"}},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fs := findings(t, tt.text, tt.baseline)
			t.Log("\n" + describe(fs))
			for _, w := range tt.want {
				if !slicesContainsFunc(fs, w.matches) {
					t.Errorf("want %s %s %s count>=%d title~%q related=%v; got:\n%s", w.sev, w.kind, w.culprit, w.count, w.title, w.related, describe(fs))
				}
			}
			for _, f := range fs {
				if f.Severity < warning {
					continue
				}
				wanted := false
				for _, w := range tt.want {
					wanted = wanted || w.matches(f)
				}
				if !wanted {
					t.Errorf("unexpected finding; got:\n%s", describe(fs))
				}
			}
		})
	}
}

func (w want) matches(f detect.Finding) bool {
	if f.Kind != w.kind || f.Severity != w.sev || f.Count < w.count || f.Culprit == nil || f.Culprit.Function != w.culprit {
		return false
	}
	if w.conf != "" && f.Confidence.String() != w.conf {
		return false
	}
	if w.related && len(f.Related) == 0 {
		return false
	}
	return strings.Contains(f.Title, w.title)
}

func slicesContainsFunc(fs []detect.Finding, match func(detect.Finding) bool) bool {
	for _, f := range fs {
		if match(f) {
			return true
		}
	}
	return false
}
