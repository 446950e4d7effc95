package census_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/gorensic/gorensic/detect"
	"github.com/gorensic/gorensic/detect/leak"
	"github.com/gorensic/gorensic/detect/runaway"
	"github.com/gorensic/gorensic/parse"
)

// g describes n goroutines of a synthetic debug=2 dump, written in the
// runtime's own format and read back through parse.Read.
type g struct {
	n       int
	state   string   // "chan send", "IO wait", ...
	minutes int      // wait age
	frames  []string // innermost first; runtime frames included
	by      string   // created by; "" for none
	// creator is the creator goroutine ID: > 0 the same for all, -1 a
	// distinct one per goroutine (IDs from 900000 up, absent from the
	// dump), 0 none ("created by X" without "in goroutine N").
	creator int64
	id      int64 // first ID; consecutive after it; 0 picks the next free
	leaked  bool
}

// Blocking operations, as runtime frames.
var (
	send    = []string{"runtime.gopark", "runtime.chansend", "runtime.chansend1"}
	recv    = []string{"runtime.gopark", "runtime.chanrecv", "runtime.chanrecv1"}
	sel     = []string{"runtime.gopark", "runtime.selectgo"}
	ioWait  = []string{"runtime.gopark", "runtime.netpollblock", "internal/poll.runtime_pollWait", "internal/poll.(*pollDesc).wait", "internal/poll.(*FD).Read", "net.(*conn).Read"}
	accept  = []string{"runtime.gopark", "runtime.netpollblock", "internal/poll.runtime_pollWait", "internal/poll.(*pollDesc).wait", "internal/poll.(*FD).Accept", "net.(*netFD).accept", "net.(*TCPListener).accept", "net.(*TCPListener).Accept"}
	sleep   = []string{"runtime.gopark", "time.Sleep"}
	nilRecv = []string{"runtime.gopark", "runtime.chanrecv", "runtime.chanrecv1"}
	block   = []string{"runtime.gopark", "runtime.block"}
)

func stack(op []string, user ...string) []string { return append(append([]string{}, op...), user...) }

// dump writes a debug=2 dump (with a crash header when crash != "").
func dump(crash string, gs ...g) string {
	var b strings.Builder
	if crash != "" {
		b.WriteString(crash + "\n\n")
	}
	next := int64(1)
	distinct := int64(900000)
	for _, x := range gs {
		id := x.id
		if id == 0 {
			id = next
		}
		for i := 0; i < x.n; i++ {
			state := x.state
			if x.leaked {
				state += " (leaked)"
			}
			if x.minutes > 0 {
				state += fmt.Sprintf(", %d minutes", x.minutes)
			}
			fmt.Fprintf(&b, "goroutine %d [%s]:\n", id, state)
			for j, fn := range x.frames {
				file := "/src/app/main.go"
				if strings.HasPrefix(fn, "runtime.") || strings.HasPrefix(fn, "internal/") || strings.HasPrefix(fn, "net.") || strings.HasPrefix(fn, "time.") || strings.HasPrefix(fn, "net/http.") {
					file = "/usr/local/go/src/" + strings.SplitN(fn, ".", 2)[0] + "/x.go"
				}
				fmt.Fprintf(&b, "%s(...)\n\t%s:%d +0x%x\n", fn, file, 10+j, 0x10+j)
			}
			if x.by != "" {
				fmt.Fprintf(&b, "created by %s", x.by)
				switch {
				case x.creator > 0:
					fmt.Fprintf(&b, " in goroutine %d", x.creator)
				case x.creator < 0:
					fmt.Fprintf(&b, " in goroutine %d", distinct)
					distinct++
				}
				fmt.Fprintf(&b, "\n\t/src/app/main.go:99 +0x55\n")
			}
			b.WriteString("\n")
			id++
		}
		next = max(next, id)
	}
	return b.String()
}

// debug1 writes a debug=1 profile: counts and the frames that are not
// runtime frames (runtime/pprof hides those).
func debug1(header string, samples ...g) string {
	total := 0
	for _, x := range samples {
		total += x.n
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s profile: total %d\n", header, total)
	pc := 0x401000
	for _, x := range samples {
		fmt.Fprintf(&b, "%d @", x.n)
		for range x.frames {
			fmt.Fprintf(&b, " 0x%x", pc)
			pc += 0x40
		}
		b.WriteString("\n")
		p := pc - 0x40*len(x.frames)
		for _, fn := range x.frames {
			if !strings.HasPrefix(fn, "runtime.") {
				fmt.Fprintf(&b, "#\t0x%x\t%s+0x1f\t/src/app/main.go:%d\n", p-1, fn, 10)
			}
			p += 0x40
		}
		b.WriteString("\n")
	}
	return b.String()
}

// findings reads text and runs the leak and runaway detectors over it.
func findings(t *testing.T, text string, baseline string) []detect.Finding {
	t.Helper()
	snaps, err := parse.Read(context.Background(), "test", strings.NewReader(text), parse.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(snaps) != 1 {
		t.Fatalf("read %d snapshots, want 1", len(snaps))
	}
	var base *parse.Snapshot
	if baseline != "" {
		bs, err := parse.Read(context.Background(), "baseline", strings.NewReader(baseline), parse.Options{})
		if err != nil {
			t.Fatal(err)
		}
		base = bs[0]
	}
	res, err := detect.Run(context.Background(), snaps[0], []*detect.Detector{leak.Detector, runaway.Detector}, detect.DefaultConfig(), base)
	if err != nil {
		t.Fatal(err)
	}
	return res.Findings
}

func describe(fs []detect.Finding) string {
	var b strings.Builder
	for _, f := range fs {
		c := "-"
		if f.Culprit != nil {
			c = f.Culprit.Function
		}
		fmt.Fprintf(&b, "\t%s %s %s count=%d culprit=%s related=%v: %s\n", f.Severity, f.Confidence, f.Kind, f.Count, c, f.Related, f.Title)
	}
	if b.Len() == 0 {
		return "\t(none)\n"
	}
	return b.String()
}
