package parse

import (
	"bytes"
	"strconv"
)

// race reads one "WARNING: DATA RACE" report, up to its closing
// "==================" line. A report is kept as its own record with both
// access stacks and the creation stacks of the goroutines involved.
//
//	WARNING: DATA RACE
//	Write at 0x00c4203b4300 by goroutine 44:
//	  runtime.mapdelete_fast64()
//	      /usr/local/go/src/runtime/hashmap_fast.go:690 +0x0
//	  main.worker()
//	      /src/main.go:12 +0x44
//
//	Previous read at 0x00c4203b4300 by main goroutine:
//	  ...
//
//	Goroutine 44 (running) created at:
//	  main.main()
//	      /src/main.go:30 +0x1a
//	==================
func (d *dumpReader) race() {
	r := Race{Line: d.lr.line}
	start := d.lr.offset
	var (
		frames  []*Frame
		fn      []byte
		hasFn   bool
		section = -1 // 0: access, 1: goroutine creation
		acc     RaceAccess
		rg      RaceGoroutine
	)
	flush := func() {
		if hasFn {
			frames = append(frames, d.in.Frame(fn, nil, 0, 0, false))
			hasFn = false
		}
		switch section {
		case 0:
			acc.Stack = d.in.Stack(frames, nil, 0, 0)
			r.Accesses = append(r.Accesses, acc)
		case 1:
			rg.CreatedAt = d.in.Stack(frames, nil, 0, 0)
			r.Goroutines = append(r.Goroutines, rg)
		}
		frames = frames[:0]
		section = -1
	}
	for {
		raw, ok := d.lr.readLine()
		if !ok {
			break
		}
		line := d.undecorate(raw)
		t := bytes.TrimSpace(line)
		if bytes.HasPrefix(t, []byte("=================")) {
			break
		}
		if len(t) == 0 {
			flush()
			continue
		}
		if headerIndex(raw) >= 0 || bytes.HasPrefix(t, []byte("WARNING: DATA RACE")) {
			d.lr.unread(raw)
			break
		}
		if k, _ := crashHeaderIndex(raw); k == crashPanic || k == crashFatal {
			d.lr.unread(raw)
			break
		}
		if a, ok := parseRaceAccess(t); ok {
			flush()
			acc = a
			section = 0
			continue
		}
		if g, ok := parseRaceGoroutine(t); ok {
			flush()
			rg = g
			section = 1
			continue
		}
		if section < 0 {
			continue
		}
		if hasFn {
			if file, ln, pc, ok := parseFileLine(line); ok {
				frames = append(frames, d.in.Frame(fn, file, ln, pc, false))
				hasFn = false
				continue
			}
		}
		if f, inl, ok := parseFuncLine(t); ok {
			if hasFn {
				frames = append(frames, d.in.Frame(fn, nil, 0, 0, false))
			}
			fn = append(fn[:0], f...)
			hasFn = true
			_ = inl
			continue
		}
		if bytes.HasPrefix(t, []byte("[failed to restore the stack]")) {
			continue
		}
	}
	flush()
	if len(r.Accesses) == 0 {
		// "WARNING: DATA RACE" with no report after it: text quoting the
		// phrase (a log, a JSON document), not a report.
		d.warn(Warning{Kind: WarnMalformed, Line: r.Line, Offset: -1, Message: "\"WARNING: DATA RACE\" without any access stack after it"})
		return
	}
	if d.cur == nil {
		d.startSnapshot()
		d.cur.Source.Line, d.cur.Source.Offset = r.Line, start
		d.snapStartBytes = start
	}
	d.cur.Races = append(d.cur.Races, r)
}

// parseRaceAccess reads "Write at 0x00c4203b4300 by goroutine 44:",
// "Previous read at 0x... by main goroutine:", "Read by goroutine 7:".
func parseRaceAccess(t []byte) (RaceAccess, bool) {
	if !bytes.HasSuffix(t, []byte(":")) {
		return RaceAccess{}, false
	}
	by := bytes.Index(t, []byte(" by "))
	if by < 0 {
		return RaceAccess{}, false
	}
	head := t[:by]
	who := t[by+len(" by ") : len(t)-1]
	var a RaceAccess
	if at := bytes.Index(head, []byte(" at ")); at >= 0 {
		a.Op = string(head[:at])
		a.Addr, _ = strconv.ParseUint(string(trimHex(head[at+len(" at "):])), 16, 64)
	} else {
		a.Op = string(head)
	}
	if !isRaceOp(a.Op) {
		return RaceAccess{}, false
	}
	switch {
	case bytes.Equal(who, []byte("main goroutine")):
		a.GoroutineID = 1
	case bytes.HasPrefix(who, []byte("goroutine ")):
		a.GoroutineID, _ = strconv.ParseInt(string(who[len("goroutine "):]), 10, 64)
	default:
		return RaceAccess{}, false
	}
	return a, true
}

func isRaceOp(op string) bool {
	switch op {
	case "Read", "Write", "Previous read", "Previous write", "Atomic read", "Atomic write",
		"Previous atomic read", "Previous atomic write":
		return true
	}
	return false
}

// parseRaceGoroutine reads "Goroutine 44 (running) created at:".
func parseRaceGoroutine(t []byte) (RaceGoroutine, bool) {
	if len(t) < len("Goroutine  created at:") || !bytes.HasPrefix(t, []byte("Goroutine ")) || !bytes.HasSuffix(t, []byte(" created at:")) {
		return RaceGoroutine{}, false
	}
	rest := t[len("Goroutine ") : len(t)-len(" created at:")]
	var g RaceGoroutine
	sp := bytes.IndexByte(rest, ' ')
	num := rest
	if sp >= 0 {
		num = rest[:sp]
		st := bytes.Trim(rest[sp+1:], " ()")
		g.State = string(st)
	}
	id, err := strconv.ParseInt(string(num), 10, 64)
	if err != nil {
		return RaceGoroutine{}, false
	}
	g.ID = id
	return g, true
}
