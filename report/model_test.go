package report

import (
	"time"

	"github.com/gorensic/gorensic/parse"
)

// Helpers that build model values by hand, so report tests pin exactly
// the facts they render.

func frames(fns ...string) []*parse.Frame {
	out := make([]*parse.Frame, len(fns))
	for i, fn := range fns {
		out[i] = &parse.Frame{Function: fn, File: "/src/" + fn + ".go", Line: 10 + i, Runtime: parse.FuncPackage(fn) == "runtime"}
	}
	return out
}

func goroutine(id int64, state string, wait time.Duration, st *parse.Stack) parse.Goroutine {
	return parse.Goroutine{ID: id, Count: 1, State: state, Wait: wait, Stack: st}
}

// workerSnapshot is a dump of a leaking fan-out: seven senders blocked
// for minutes, created by two goroutines, one of them the crashing one,
// and a main goroutine with a deep elided stack.
func workerSnapshot() *parse.Snapshot {
	send := &parse.Stack{
		Frames:    frames("runtime.gopark", "runtime.chansend1", "example.com/api.(*Fetcher).fetchOne"),
		CreatedBy: &parse.Frame{Function: "example.com/api.(*Fetcher).FetchAll", File: "/src/api/fetch.go", Line: 61},
		Hash:      1,
	}
	deep := &parse.Stack{
		Frames:   frames("main.recurse", "main.recurse", "main.recurse", "main.main"),
		Elided:   100,
		ElidedAt: 3,
		Hash:     2,
	}
	s := &parse.Snapshot{
		Source: parse.Source{Name: "dump.txt", Format: parse.FormatCrash, Line: 1},
		Caps:   parse.CapGoroutineIDs | parse.CapStates | parse.CapWaitAges | parse.CapCreators | parse.CapCreatorIDs | parse.CapCrash,
		Crash:  &parse.Crash{Kind: parse.CrashPanic, Message: "boom", GoroutineID: 1},
	}
	for i, w := range []int{12, 31, 47, 5, 0, 40, 33} {
		g := goroutine(int64(100+i), "chan send", time.Duration(w)*time.Minute, send)
		g.CreatorID = 9 + int64(i%2)
		s.Goroutines = append(s.Goroutines, g)
	}
	main := goroutine(1, "running", 0, deep)
	main.Flags = parse.FlagCrashed | parse.FlagLockedToThread
	s.Goroutines = append(s.Goroutines, main)
	s.Total = len(s.Goroutines)
	return s
}
