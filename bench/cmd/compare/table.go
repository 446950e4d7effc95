package main

import (
	"fmt"
	"io"
	"runtime"
	"strings"
	"time"
)

// write prints the report as Markdown: the table of rows, the ratios issue
// 5 sets bars on, the notes and the machine.
func (rep *report) write(w io.Writer) error {
	var b strings.Builder
	rep.writeRows(&b)
	b.WriteString("\ngorensic speed × = the gorensic reference row's MB/s ÷ this row's (above 1: gorensic faster); ")
	b.WriteString("gorensic memory × = its peak RSS ÷ this row's (below 1: gorensic smaller). ")
	b.WriteString("The reference (ref) is parse+group, default, on dumps and profiles, and the full read, default, on traces. ")
	b.WriteString("Wall time includes process start; MB/s = file bytes ÷ wall time. ")
	if rep.runs > 1 {
		fmt.Fprintf(&b, "Every row but panicparse and go tool trace, when its first run took under %v, ran %d times: its wall time is their median, its peak RSS their largest.\n\n", repeatUnder, rep.runs)
	} else {
		b.WriteString("Every row ran once.\n\n")
	}
	rep.writeRatios(&b)
	b.WriteString("\n")
	for _, n := range rep.notes {
		fmt.Fprintf(&b, "- %s\n", n)
	}
	fmt.Fprintf(&b, "- %s\n", rep.machine())
	_, err := io.WriteString(w, b.String())
	return err
}

func (rep *report) writeRows(b *strings.Builder) {
	b.WriteString("| contender | file | size | wall | MB/s | peak RSS | gorensic speed × | gorensic memory × | result |\n")
	b.WriteString("|---|---|---:|---:|---:|---:|---:|---:|---|\n")
	for _, r := range rep.results {
		speed, mem := rep.versusRef(r)
		wall, rate, rss := "-", "-", "-"
		if r.measured() {
			wall, rate, rss = fmtWall(r.wall), fmtRate(r.mbps()), mib(r.rss)
			if r.killed != "" {
				wall, rate, rss = "> "+wall, "< "+rate, "≥ "+rss
			}
		}
		fmt.Fprintf(b, "| %s | %s | %s | %s | %s | %s | %s | %s | %s |\n",
			r.name, r.file, fmtBytes(r.size), wall, rate, rss, speed, mem, resultText(r))
	}
}

// versusRef returns the row's gorensic speed × and memory × cells.
func (rep *report) versusRef(r result) (string, string) {
	if r.key == refKey(r.kind) {
		return "ref", "ref"
	}
	ref, ok := rep.find(r.kind, r.file, refKey(r.kind))
	if !ok || !r.measured() || ref.killed != "" {
		return "-", "-"
	}
	// A killed row's wall time and RSS are lower bounds, so gorensic's
	// speed against it is too, and its memory against it an upper bound.
	speed := bounded(r.wall.Seconds()/ref.wall.Seconds(), r.killed != "", false)
	mem := bounded(float64(ref.rss)/float64(r.rss), false, r.killed != "")
	return speed.String(), mem.String()
}

func resultText(r result) string {
	switch {
	case r.skipped != "":
		return r.skipped
	case r.failed != "":
		return "FAILED: " + r.failed
	case r.killed != "":
		return r.killed + ": figures are bounds"
	}
	s := r.counts.String()
	if s == "" {
		s = "output to /dev/null" // nothing to count; the exit status still says something
	}
	if r.exit == 1 {
		s += "; exit 1 (findings at or above --fail-on)"
	}
	return s
}

func (rep *report) find(k kind, file, key string) (result, bool) {
	for _, r := range rep.results {
		if r.kind == k && r.file == file && r.key == key {
			return r, true
		}
	}
	return result{}, false
}

// metric is what a ratio compares.
type metric int

const (
	speedOf  metric = iota // num's MB/s ÷ den's
	timeOf                 // num's wall time ÷ den's
	memoryOf               // num's peak RSS ÷ den's
	rssOf                  // num's peak RSS alone
)

// A bar is one of issue 5's targets: value op threshold.
type bar struct {
	op        string // ">=", ">", "<=" or "<"; "" for a ratio without a bar
	threshold float64
	text      string
}

func (b bar) holds(v float64) bool {
	switch b.op {
	case ">=":
		return v >= b.threshold
	case ">":
		return v > b.threshold
	case "<=":
		return v <= b.threshold
	default:
		return v < b.threshold
	}
}

// met says whether v meets the bar: "yes", "no", "unknown" when v is a
// bound on the wrong side, "" without a bar.
func (b bar) met(v value) string {
	if b.op == "" {
		return ""
	}
	ok := b.holds(v.v)
	atLeast := b.op[0] == '>'
	switch {
	case v.lower && ok != atLeast, v.upper && ok == atLeast:
		return "unknown"
	case ok:
		return "yes"
	}
	return "no"
}

// ratioSpec is one line of the ratios table.
type ratioSpec struct {
	kind     kind
	what     string
	num, den string // contender keys; den unused for rssOf
	of       metric
	bar      bar
}

// ratioSpecs are the ratios issue 5's bars name, and the ones beside them
// that explain them.
func ratioSpecs() []ratioSpec {
	return []ratioSpec{
		{dumpKind, "parse+group MB/s ÷ gostackparse MB/s", "parse", "gostackparse", speedOf, bar{">=", 4, "≥ 4×"}},
		{dumpKind, "parse+group MB/s ÷ line loop MB/s", "parse", "lines", speedOf, bar{">=", 0.4, "≥ 0.40×"}},
		{dumpKind, "parse+group peak RSS", "parse", "", rssOf, bar{"<", 512 << 20, "< 512 MiB on 1M goroutines"}},
		{dumpKind, "parse+group default MB/s ÷ Parallelism 1 MB/s (both cores)", "parse", "parse-seq", speedOf, bar{}},
		{dumpKind, "scan (table) wall ÷ parse+group wall", "scan", "parse", timeOf, bar{"<=", 1.3, "≤ 1.3× on 1M goroutines"}},
		{dumpKind, "scan --format json wall ÷ parse+group wall", "scan-json", "parse", timeOf, bar{}},
		{debug0Kind, "gorensic parse+group wall ÷ profile.Parse wall", "parse-debug0", "pprof", timeOf, bar{}},
		{traceKind, "full read, Parallelism 1 (one core), wall ÷ raw ReadEvent wall", "read-seq", "raw", timeOf, bar{"<=", 1.5, "≤ 1.5×"}},
		{traceKind, "full read, Parallelism 1, peak RSS ÷ raw ReadEvent peak RSS", "read-seq", "raw", memoryOf, bar{}},
		{traceKind, "full read, streamed (2 goroutines), wall ÷ raw ReadEvent wall", "read-piped", "raw", timeOf, bar{"<=", 1.5, "≤ 1.5×"}},
		{traceKind, "full read, streamed, peak RSS ÷ raw ReadEvent peak RSS", "read-piped", "raw", memoryOf, bar{}},
		{traceKind, "full read, default, wall ÷ raw ReadEvent wall", "read", "raw", timeOf, bar{"<", 1, "< 1× on 2 cores"}},
		{traceKind, "scan (table) wall ÷ raw ReadEvent wall", "trace-scan", "raw", timeOf, bar{}},
		{traceKind, "go tool trace wall ÷ full read wall", "tool", "read", timeOf, bar{">=", 5, "≥ 5×"}},
		{traceKind, "go tool trace peak RSS ÷ full read peak RSS", "tool", "read", memoryOf, bar{">", 50, "> 50×"}},
		{traceKind, "go tool trace wall ÷ scan (table) wall", "tool", "trace-scan", timeOf, bar{">=", 5, "≥ 5×"}},
		{traceKind, "go tool trace peak RSS ÷ scan (table) peak RSS", "tool", "trace-scan", memoryOf, bar{">", 50, "> 50×"}},
	}
}

// writeRatios prints every ratio whose rows were measured, per file.
func (rep *report) writeRatios(b *strings.Builder) {
	b.WriteString("| ratio | file | measured | issue 5's bar | met |\n")
	b.WriteString("|---|---|---:|---|---|\n")
	for _, s := range ratioSpecs() {
		for _, file := range rep.files(s.kind) {
			v, ok := rep.ratio(s, file)
			if !ok {
				continue
			}
			fmt.Fprintf(b, "| %s | %s | %s | %s | %s |\n", s.what, file, v, s.bar.text, s.bar.met(v))
		}
	}
}

// files lists the files rows of kind k ran on, in run order.
func (rep *report) files(k kind) []string {
	var files []string
	for _, r := range rep.results {
		if r.kind == k && (len(files) == 0 || files[len(files)-1] != r.file) {
			files = append(files, r.file)
		}
	}
	return files
}

// ratio computes s on file, false when a row it needs has no figures.
func (rep *report) ratio(s ratioSpec, file string) (value, bool) {
	num, ok := rep.find(s.kind, file, s.num)
	if !ok || !num.measured() {
		return value{}, false
	}
	nk := num.killed != ""
	if s.of == rssOf {
		return value{v: float64(num.rss), lower: nk, bytes: true}, true
	}
	den, ok := rep.find(s.kind, file, s.den)
	if !ok || !den.measured() {
		return value{}, false
	}
	dk := den.killed != ""
	if nk && dk {
		return value{}, false // two bounds say nothing
	}
	// A killed row's wall time and RSS are lower bounds of what it needed.
	switch s.of {
	case speedOf:
		return bounded(den.wall.Seconds()/num.wall.Seconds(), dk, nk), true
	case timeOf:
		return bounded(num.wall.Seconds()/den.wall.Seconds(), nk, dk), true
	default:
		return bounded(float64(num.rss)/float64(den.rss), nk, dk), true
	}
}

// value is a measured ratio or size, or a bound on it.
type value struct {
	v            float64
	lower, upper bool // the true value is at least (at most) v
	bytes        bool // v is a size in bytes, not a ratio
}

func bounded(v float64, lower, upper bool) value { return value{v: v, lower: lower, upper: upper} }

func (v value) String() string {
	s := fmt.Sprintf("%.2f×", v.v)
	if v.bytes {
		s = mib(int64(v.v))
	}
	switch {
	case v.lower:
		return "≥ " + s
	case v.upper:
		return "≤ " + s
	}
	return s
}

// machine describes where and when the run happened.
func (rep *report) machine() string {
	mem := "unknown"
	if rep.memBefore > 0 {
		mem = mib(rep.memBefore)
	}
	return fmt.Sprintf("%s/%s, %d CPUs, GOMAXPROCS %d, %s, gorensic %s; load average %s before, %s after; MemAvailable %s before; %s to %s UTC",
		runtime.GOOS, runtime.GOARCH, runtime.NumCPU(), runtime.GOMAXPROCS(0), runtime.Version(), rep.gorensicVersion,
		rep.loadBefore, rep.loadAfter, mem,
		rep.start.UTC().Format("2006-01-02 15:04"), rep.end.UTC().Format("15:04"))
}

// fmtBytes prints a file size in decimal units, as MB/s counts them.
func fmtBytes(n int64) string {
	f := float64(n)
	switch {
	case f >= 1e9:
		return fmt.Sprintf("%.2f GB", f/1e9)
	case f >= 100e6:
		return fmt.Sprintf("%.0f MB", f/1e6)
	case f >= 1e6:
		return fmt.Sprintf("%.1f MB", f/1e6)
	}
	return fmt.Sprintf("%.1f kB", f/1e3)
}

// mib prints a memory size in binary units, as RSS is usually read.
func mib(n int64) string {
	if n >= 10<<30 {
		return fmt.Sprintf("%.1f GiB", float64(n)/(1<<30))
	}
	return fmt.Sprintf("%d MiB", n>>20)
}

func fmtWall(d time.Duration) string {
	if d < time.Second {
		return fmt.Sprintf("%.3f s", d.Seconds())
	}
	if d < 10*time.Second {
		return fmt.Sprintf("%.2f s", d.Seconds())
	}
	return fmt.Sprintf("%.1f s", d.Seconds())
}

func fmtRate(mbps float64) string {
	switch {
	case mbps < 1:
		return fmt.Sprintf("%.2f", mbps)
	case mbps < 10:
		return fmt.Sprintf("%.1f", mbps)
	}
	return fmt.Sprintf("%.0f", mbps)
}
