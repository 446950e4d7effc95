package parse

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/google/pprof/profile"
)

// This file reads protobuf profiles (profile.proto, as written by
// runtime/pprof at debug=0) through github.com/google/pprof/profile.
//
// What the Go runtime writes (checked against Go 1.26 runtime/pprof):
//
//   - goroutine profile: period type and the single sample type are
//     goroutine/count, period 1; one sample per distinct stack and label set
//     with the number of goroutines as its value, labels as string labels.
//   - goroutineleak profile (GOEXPERIMENT=goroutineleakprofile, Go 1.26):
//     the same shape, but the type is named goroutineleak/count, so the two
//     are told apart by the sample type name. Every goroutine in it is leaked.
//   - mutex and block profiles: period type contentions/count, period 1, and
//     sample types contentions/count and delay/nanoseconds. The values are
//     already scaled by the sampling rate: since Go 1.20 the runtime scales
//     mutex samples when it records them (before, runtime/pprof's
//     scaleMutexProfile did it while writing the proto), and block samples
//     are unbiased by the runtime (Go 1.17+). The two profiles are written
//     by the same function with the same types, so the proto does not say
//     which it is; contentionKind tells them apart by their stacks: mutex
//     samples are recorded at the Unlock that ended the contention, block
//     samples where the goroutine blocked (Lock, chanrecv, select, Wait).
//
// A Location with several Lines is a call with inlined functions; pprof's
// convention (and runtime/pprof's emitLocation) lists the innermost inlined
// function first and the function it was inlined into last, so Lines are
// taken in order and every Line but the last is marked Inlined, as debug=2
// dumps print inlined calls with "(...)".

// readProfile reads an uncompressed profile.proto into one Snapshot.
func readProfile(ctx context.Context, name string, br *bufio.Reader, in *Interner, opts Options) ([]*Snapshot, error) {
	data, err := readCapped(br, opts.maxProfile())
	if err != nil {
		return nil, &InputError{Name: name, Offset: -1, Err: err}
	}
	p, err := parseProto(data)
	if err != nil {
		return nil, &InputError{Name: name, Offset: -1, Err: err}
	}
	if err := ctx.Err(); err != nil {
		return nil, &InputError{Name: name, Offset: -1, Err: err}
	}
	var s *Snapshot
	switch kind, vi := profileKind(p); kind {
	case FormatDebug0, FormatLeakDebug0:
		s, err = goroutineSnapshot(ctx, p, in, kind, vi)
	case FormatMutex:
		s, err = contentionSnapshot(ctx, p, in)
	default:
		err = fmt.Errorf("%s profile: gorensic reads goroutine, goroutineleak, mutex and block profiles: %w", describeProfile(p), ErrUnsupported)
	}
	if err != nil {
		return nil, &InputError{Name: name, Offset: -1, Err: err}
	}
	s.Source.Name = name
	s.Source.Bytes = int64(len(data))
	if p.TimeNanos > 0 {
		s.Source.Taken = time.Unix(0, p.TimeNanos).UTC()
	}
	return []*Snapshot{s}, nil
}

// readCapped reads all of r, failing with ErrTooLarge beyond max bytes.
func readCapped(r io.Reader, max int64) ([]byte, error) {
	data, err := io.ReadAll(io.LimitReader(r, max+1))
	if err != nil {
		if errors.Is(err, ErrTooLarge) {
			return nil, err
		}
		return nil, fmt.Errorf("read profile: %w", wrapReadErr(err))
	}
	if int64(len(data)) > max {
		return nil, fmt.Errorf("profile larger than %d bytes (raise it with Options.MaxProfile): %w", max, ErrTooLarge)
	}
	return data, nil
}

// parseProto decodes and validates a profile.proto. It calls
// profile.ParseUncompressed rather than profile.ParseData: the input is
// already known to be an uncompressed proto (parse.Read strips gzip and
// sniffs the content), and ParseData would retry a broken proto with
// pprof's legacy text parsers and report their "unrecognized profile
// format" instead of the decoding error. A panic inside the third-party
// decoder is turned into an error: a bad input must never crash a scan.
func parseProto(data []byte) (p *profile.Profile, err error) {
	defer func() {
		if r := recover(); r != nil {
			p, err = nil, fmt.Errorf("pprof profile: decoder panicked: %v", r)
		}
	}()
	p, err = profile.ParseUncompressed(data)
	if err != nil {
		return nil, fmt.Errorf("pprof profile: %w", err)
	}
	if err := p.CheckValid(); err != nil {
		return nil, fmt.Errorf("pprof profile: malformed: %w", err)
	}
	return p, nil
}

// profileKind classifies a profile by its sample types: FormatDebug0 or
// FormatLeakDebug0 with the index of the count value, FormatMutex for any
// contention profile (mutex or block, decided later), or
// FormatUnrecognized.
func profileKind(p *profile.Profile) (Format, int) {
	for i, st := range p.SampleType {
		switch st.Type {
		case "goroutine":
			return FormatDebug0, i
		case "goroutineleak":
			return FormatLeakDebug0, i
		}
	}
	if sampleTypeIndex(p, "contentions") >= 0 && sampleTypeIndex(p, "delay") >= 0 {
		return FormatMutex, 0
	}
	return FormatUnrecognized, 0
}

func sampleTypeIndex(p *profile.Profile, typ string) int {
	for i, st := range p.SampleType {
		if st.Type == typ {
			return i
		}
	}
	return -1
}

// describeProfile names an unsupported profile for an error message.
func describeProfile(p *profile.Profile) string {
	has := func(types ...string) bool {
		for _, t := range types {
			if sampleTypeIndex(p, t) >= 0 {
				return true
			}
		}
		return false
	}
	switch {
	case has("cpu", "samples") && p.PeriodType != nil && p.PeriodType.Type == "cpu":
		return "cpu"
	case has("inuse_space", "inuse_objects", "alloc_space", "alloc_objects", "space", "objects"):
		return "heap"
	case has("threadcreate"):
		return "threadcreate"
	case has("cpu", "samples"):
		return "cpu"
	case len(p.SampleType) == 0:
		return "untyped"
	}
	types := make([]string, len(p.SampleType))
	for i, st := range p.SampleType {
		types[i] = st.Type + "/" + st.Unit
	}
	return strconv.Quote(strings.Join(types, ","))
}

// goroutineSnapshot turns a goroutine or goroutineleak profile into a
// snapshot of grouped goroutines, one per sample, with the sample value as
// Count. The profile shows no IDs, states or wait ages.
func goroutineSnapshot(ctx context.Context, p *profile.Profile, in *Interner, format Format, vi int) (*Snapshot, error) {
	s := &Snapshot{Source: Source{Format: format}, Caps: CapGroupedCounts}
	st := newProtoStacks(in)
	total := 0
	for i, smp := range p.Sample {
		if i&0xfff == 0xfff {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
		}
		v := smp.Value[vi]
		if v <= 0 || v > int64(math.MaxInt-total) {
			s.Warnings = append(s.Warnings, Warning{Kind: WarnMalformed, Offset: -1,
				Message: fmt.Sprintf("sample %d has goroutine count %d; skipped", i+1, v)})
			continue
		}
		g := Goroutine{Count: int(v), Stack: st.stack(smp.Location), Labels: sampleLabels(in, smp)}
		if format == FormatLeakDebug0 {
			g.Flags |= FlagLeaked
		}
		if g.Labels != nil {
			s.Caps |= CapLabels
		}
		total += g.Count
		s.Goroutines = append(s.Goroutines, g)
	}
	s.Total = total
	s.Source.GoVersion = goVersionFromStacks(s)
	return s, nil
}

// contentionSnapshot turns a mutex or block profile into a snapshot with
// Contention samples.
func contentionSnapshot(ctx context.Context, p *profile.Profile, in *Interner) (*Snapshot, error) {
	ci, di := sampleTypeIndex(p, "contentions"), sampleTypeIndex(p, "delay")
	scale, ok := durationUnit(p.SampleType[di].Unit)
	if !ok {
		return nil, fmt.Errorf("contention profile with delay in %q: %w", p.SampleType[di].Unit, ErrUnsupported)
	}
	c := &Contention{Period: p.Period}
	s := &Snapshot{Caps: CapContention, Contention: c}
	st := newProtoStacks(in)
	for i, smp := range p.Sample {
		if i&0xfff == 0xfff {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
		}
		n, d := smp.Value[ci], smp.Value[di]
		if n < 0 || d < 0 {
			s.Warnings = append(s.Warnings, Warning{Kind: WarnMalformed, Offset: -1,
				Message: fmt.Sprintf("sample %d has negative values (%d contentions, %d delay); skipped", i+1, n, d)})
			continue
		}
		c.Samples = append(c.Samples, ContentionSample{
			Stack:       st.stack(smp.Location),
			Contentions: n,
			Delay:       scaleDuration(d, scale),
			Labels:      sampleLabels(in, smp),
		})
	}
	c.Kind = contentionKind(c.Samples)
	s.Source.Format = c.Kind
	s.Source.GoVersion = goVersionFromContention(c)
	return s, nil
}

// durationUnit returns the nanoseconds in one unit of a delay value.
func durationUnit(unit string) (float64, bool) {
	switch unit {
	case "nanoseconds", "ns", "":
		return 1, true
	case "microseconds", "us":
		return 1e3, true
	case "milliseconds", "ms":
		return 1e6, true
	case "seconds", "s":
		return 1e9, true
	}
	return 0, false
}

// scaleDuration converts v units of scale nanoseconds, saturating.
func scaleDuration(v int64, scale float64) time.Duration {
	if scale == 1 {
		return time.Duration(v)
	}
	return saturatingDuration(float64(v) * scale)
}

func saturatingDuration(ns float64) time.Duration {
	if ns >= math.MaxInt64 {
		return math.MaxInt64
	}
	if ns <= 0 || ns != ns {
		return 0
	}
	return time.Duration(ns)
}

// contentionKind tells a mutex profile from a block profile by where their
// samples were recorded: a mutex profile charges the contention to the
// stack that unlocked (sync.(*Mutex).Unlock, (*RWMutex).RUnlock,
// runtime.unlock, runtime._LostContendedRuntimeLock), a block profile to
// the stack that blocked (Lock, chanrecv, selectgo, Wait). The majority of
// samples with frames decides; a profile without samples is reported as a
// block profile, as nothing in it says otherwise.
func contentionKind(samples []ContentionSample) Format {
	mutex, block := 0, 0
	for _, smp := range samples {
		if len(smp.Stack.Frames) == 0 {
			continue
		}
		if isUnlockFrame(smp.Stack.Frames[0].Function) {
			mutex++
		} else {
			block++
		}
	}
	if mutex > block {
		return FormatMutex
	}
	return FormatBlock
}

// isUnlockFrame reports whether fn is where the runtime records mutex
// contention: an Unlock method, the semaphore release under it (older
// runtimes), or the runtime's own unlock.
func isUnlockFrame(fn string) bool {
	last := strings.ToLower(fn[strings.LastIndexByte(fn, '.')+1:])
	return strings.Contains(last, "unlock") || strings.Contains(last, "semrelease") || strings.HasPrefix(last, "_lost")
}

// goVersionFromContention finds the Go version in the paths of runtime
// frames of a contention profile, like goVersionFromStacks.
func goVersionFromContention(c *Contention) string {
	for i, smp := range c.Samples {
		if i == 64 {
			break
		}
		for _, f := range smp.Stack.Frames {
			if !f.Runtime && !strings.HasPrefix(f.Function, "sync.") {
				continue
			}
			if m := goVersionInPath.FindStringSubmatch(f.File); m != nil {
				return "go" + m[1]
			}
		}
	}
	return ""
}

// protoStacks converts pprof locations into interned frames and stacks,
// caching the frames of each location.
type protoStacks struct {
	in     *Interner
	locs   map[*profile.Location][]*Frame
	frames []*Frame
	hex    []byte
}

func newProtoStacks(in *Interner) *protoStacks {
	return &protoStacks{in: in, locs: make(map[*profile.Location][]*Frame)}
}

// stack returns the interned stack of a sample's locations, innermost
// first, with inlined calls expanded.
func (ps *protoStacks) stack(locs []*profile.Location) *Stack {
	ps.frames = ps.frames[:0]
	for _, l := range locs {
		ps.frames = append(ps.frames, ps.location(l)...)
	}
	return ps.in.Stack(ps.frames, nil, 0, 0)
}

// location returns the frames of one location: one per Line, innermost
// inlined function first; an unsymbolized location becomes one frame named
// by its address.
func (ps *protoStacks) location(l *profile.Location) []*Frame {
	if fs, ok := ps.locs[l]; ok {
		return fs
	}
	var fs []*Frame
	if len(l.Line) == 0 {
		ps.hex = appendHexName(ps.hex[:0], l.Address)
		fs = []*Frame{ps.in.Frame(ps.hex, nil, 0, l.Address, false)}
	} else {
		fs = make([]*Frame, len(l.Line))
		for i, ln := range l.Line {
			fn := ln.Function
			fs[i] = ps.in.Frame([]byte(fn.Name), []byte(fn.Filename), clampLine(ln.Line), l.Address, i < len(l.Line)-1)
		}
	}
	ps.locs[l] = fs
	return fs
}

// appendHexName appends the name given to a frame without a symbol: its
// address, "0x4a5b3f", as the runtime prints such frames.
func appendHexName(dst []byte, pc uint64) []byte {
	dst = append(dst, "0x"...)
	return strconv.AppendUint(dst, pc, 16)
}

func clampLine(n int64) int {
	return int(max(min(n, math.MaxInt32), math.MinInt32))
}

// sampleLabels interns a sample's labels: string labels as they are,
// numeric labels formatted in decimal with their unit when one is given
// ("512 bytes"). Keys are visited in sorted order so that the result does
// not depend on map order.
func sampleLabels(in *Interner, smp *profile.Sample) *Labels {
	if len(smp.Label) == 0 && len(smp.NumLabel) == 0 {
		return nil
	}
	var pairs []LabelPair
	for _, k := range slices.Sorted(maps.Keys(smp.Label)) {
		for _, v := range smp.Label[k] {
			pairs = append(pairs, LabelPair{Key: k, Value: v})
		}
	}
	for _, k := range slices.Sorted(maps.Keys(smp.NumLabel)) {
		units := smp.NumUnit[k]
		for i, v := range smp.NumLabel[k] {
			val := strconv.FormatInt(v, 10)
			if i < len(units) && units[i] != "" {
				val += " " + units[i]
			}
			pairs = append(pairs, LabelPair{Key: k, Value: val})
		}
	}
	return in.Labels(pairs)
}
