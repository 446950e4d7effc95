package census

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/gorensic/gorensic/detect"
	"github.com/gorensic/gorensic/parse"
)

// num formats n with thousands separators: 12,096.
func num(n int) string {
	s := strconv.Itoa(n)
	if n < 0 {
		return "-" + num(-n)
	}
	if len(s) <= 3 {
		return s
	}
	var b strings.Builder
	pre := len(s) % 3
	if pre > 0 {
		b.WriteString(s[:pre])
	}
	for i := pre; i < len(s); i += 3 {
		if b.Len() > 0 {
			b.WriteByte(',')
		}
		b.WriteString(s[i : i+3])
	}
	return b.String()
}

// pct formats a share as a whole percentage, never rounding a part up to
// 100%.
func pct(share float64) string {
	p := int(share*100 + 0.5)
	if p >= 100 && share < 1 {
		p = 99
	}
	if p == 0 && share > 0 {
		return "<1%"
	}
	return strconv.Itoa(p) + "%"
}

// dur formats a wait age as dumps print them: whole minutes, hours past an
// hour, days past two days.
func dur(d time.Duration) string {
	switch {
	case d < time.Minute:
		return "<1m"
	case d < time.Hour:
		return fmt.Sprintf("%dm", int(d/time.Minute))
	case d < 48*time.Hour:
		h, m := int(d/time.Hour), int(d%time.Hour/time.Minute)
		if m == 0 {
			return fmt.Sprintf("%dh", h)
		}
		return fmt.Sprintf("%dh%dm", h, m)
	}
	return fmt.Sprintf("%.1fd", d.Hours()/24)
}

// waitRange formats wait stats for a title: "for 12m", "for 1m-47m".
func waitRange(w *detect.WaitStats) string {
	if w == nil {
		return ""
	}
	if dur(w.Min) == dur(w.Max) {
		return "for " + dur(w.Max)
	}
	return "for " + dur(w.Min) + "-" + dur(w.Max)
}

// funcName shortens a fully qualified function for a title: the last path
// element stays ("broker.(*incomingConn).outboundLoop").
func funcName(f *parse.Frame) string {
	if f == nil {
		return "?"
	}
	fn := f.Function
	if i := strings.LastIndexByte(fn, '/'); i >= 0 {
		fn = fn[i+1:]
	}
	return fn
}

// where formats a frame's position: "webseed-peer.go:123".
func where(f *parse.Frame) string {
	if f == nil || f.File == "" || f.File == "?" {
		return ""
	}
	file := f.File
	if i := strings.LastIndexAny(file, `/\`); i >= 0 {
		file = file[i+1:]
	}
	if f.Line > 0 {
		return file + ":" + strconv.Itoa(f.Line)
	}
	return file
}

// inputNote says what an input without states or ages cannot show.
func inputNote(s *parse.Snapshot) string {
	switch {
	case hidesRuntimeFrames(s):
		return "a debug=1 profile shows no states, wait ages or creators and hides runtime frames"
	case !s.Caps.Has(parse.CapStates):
		return "the profile shows no states, wait ages or creators; the operation is named from the frames"
	}
	return ""
}

// leakRemedy is the advice for goroutines stuck in o.
func leakRemedy(o op) string {
	if o.hidden {
		return "Take a debug=2 dump (/debug/pprof/goroutine?debug=2) or a goroutineleak profile to see the operation and how long it has waited. " +
			"If these goroutines are senders whose receiver has gone, buffer the channel for every sender or select on ctx.Done() next to the send; " +
			"if they are receivers, close the channel when no more values will come or select on a done channel."
	}
	switch o.Op {
	case detect.OpChanSend:
		return "The receiver stopped reading (it returned early on an error or a timeout) and nothing else drains the channel. " +
			"Give the channel a buffer for every sender (make(chan T, n)) so each send completes, or select on ctx.Done() next to the send " +
			"so the sender can give up when its caller has: select { case ch <- v: case <-ctx.Done(): return }."
	case detect.OpChanReceive:
		return "Nothing will ever send on or close this channel. Have the producer close it when it is done (defer close(ch)), " +
			"or select on ctx.Done() or a quit channel next to the receive so the goroutine exits when its owner does."
	case detect.OpSelect:
		return "None of the select's cases can fire any more. Add a case that fires when the work is abandoned (<-ctx.Done(), a closed quit channel) " +
			"and return from it; make sure the owner cancels the context or closes the channel when it stops."
	case detect.OpCondWait:
		return "Nobody will Signal or Broadcast this sync.Cond again. Broadcast when the owner closes or the condition can never hold, " +
			"and re-check a closed flag after Wait returns; consider a channel that is closed instead."
	case detect.OpWaitGroupWait:
		return "The WaitGroup counter never reaches zero: a wg.Add without its wg.Done (an early return without defer wg.Done()), " +
			"or the goroutines it waits for are themselves stuck; find them in the other findings."
	case detect.OpNilChanSend, detect.OpNilChanReceive:
		return "The channel is nil: it was never made (a zero-valued struct field, a map miss) or was set to nil. " +
			"Initialise it with make before the goroutines start; a nil channel blocks forever."
	case detect.OpSelectNoCases:
		return "select {} blocks forever. Outside main (or a deliberately parked service goroutine) replace it with a wait on a context " +
			"or a quit channel so the goroutine can exit."
	}
	return "The runtime found these goroutines unreachable: whatever could wake them is gone. Find who should have woken them (closed, sent, " +
		"unlocked or signalled) and make that happen on every path, including early returns."
}
