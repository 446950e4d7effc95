package report

import (
	"io"
	"strconv"
	"strings"

	"github.com/gorensic/gorensic/parse"
)

// maxFunctionColumn caps the width the function column of a stack is
// padded to; longer names push their file:line right instead.
const maxFunctionColumn = 56

// Groups renders each snapshot's groups: a header line per group, its
// stack as indented lines, its creation site last, as Go prints it.
func (textFormatter) Groups(w io.Writer, g *Groups) error {
	p := &printer{w: w}
	for i := range g.Inputs {
		if i > 0 {
			p.line("")
		}
		groupSet(p, &g.Inputs[i])
	}
	outcomeLine(p, g.Outcome, len(g.Inputs))
	return p.err
}

func groupSet(p *printer, set *GroupSet) {
	p.line("== %s: %s in %s (%s)", clean(set.Label), count(set.Goroutines, "goroutine"), count(set.TotalGroups, "group"), set.Source.Format)
	if set.Crash != nil {
		p.line("crash: %s", crashText(set.Crash))
	}
	if set.TotalGroups == 0 {
		p.line("No goroutines in this input; \"gorensic scan\" summarises what it holds.")
		return
	}
	if !set.Caps.Has(parse.CapStates) {
		p.line("This format records no goroutine IDs, states or wait ages: groups show counts and stacks only.")
	}
	for i := range set.Groups {
		p.line("")
		group(p, set, i)
	}
	if hidden := set.TotalGroups - len(set.Groups); hidden > 0 {
		p.line("")
		p.line("... %s (%s); --top 0 shows all", count(hidden, "more group"), count(set.HiddenGoroutines, "goroutine"))
	}
}

func group(p *printer, set *GroupSet, i int) {
	g := &set.Groups[i]
	head := []string{"#" + itoa(i+1), count(g.Count, "goroutine")}
	if set.Caps.Has(parse.CapStates) {
		head = append(head, "["+clean(g.State)+"]")
	} else {
		head = append(head, "(state not recorded in this format)")
	}
	head = append(head, groupFacts(g)...)
	p.line("%s", strings.Join(head, "  "))
	groupBody(p, g)
}

// groupFacts are the words of a group header after its count and state:
// wait ages, flags, crashed.
func groupFacts(g *GroupView) []string {
	var out []string
	if g.Wait != nil {
		out = append(out, "waiting "+waitText(g.Wait))
	}
	out = append(out, flagWords(g.Flags)...)
	if g.Crashed {
		out = append(out, "<- crashed")
	}
	return out
}

// groupBody prints what follows a group header: IDs, labels, the stack
// and the creation site.
func groupBody(p *printer, g *GroupView) {
	if len(g.IDs) > 0 {
		ids := make([]string, len(g.IDs))
		for j, id := range g.IDs {
			ids[j] = strconv.FormatInt(id, 10)
		}
		more := ""
		if g.MoreIDs > 0 {
			more = " +" + thousands(g.MoreIDs) + " more"
		}
		p.line("  ids: %s%s", strings.Join(ids, ", "), more)
	}
	if len(g.Labels) > 0 {
		ls := make([]string, len(g.Labels))
		for j, l := range g.Labels {
			ls[j] = clean(l.String())
		}
		p.line("  labels: %s", strings.Join(ls, " "))
	}
	stack(p, g)
	if g.CreatedBy != nil {
		p.line("  created by %s at %s%s", clean(g.CreatedBy.Function), clean(frameSite(g.CreatedBy)), creatorText(g))
	}
}

// stack prints the frames of a group, function and file:line in two
// columns, with the runtime's elision marker where it was and a note for
// frames cut by --max-frames.
func stack(p *printer, g *GroupView) {
	width := 0
	for _, f := range g.Frames {
		if n := len(f.Function); n > width && n <= maxFunctionColumn {
			width = n
		}
	}
	for j, f := range g.Frames {
		if j == g.ElidedAt {
			p.line("    %s", elisionText(g.Elided))
		}
		p.line("    %-*s  %s%s", width, clean(f.Function), clean(frameSite(f)), frameTags(f))
	}
	if g.ElidedAt == len(g.Frames) {
		p.line("    %s", elisionText(g.Elided))
	}
	if g.CutFrames > 0 {
		p.line("    ... %s not shown (--max-frames)", count(g.CutFrames, "more frame"))
	}
	if len(g.Frames) == 0 && g.CutFrames == 0 {
		p.line("    (no frames)")
	}
}

func elisionText(n int) string {
	if n < 0 {
		return "...additional frames elided by the runtime..."
	}
	return "..." + count(n, "frame") + " elided by the runtime..."
}

func frameTags(f *parse.Frame) string {
	switch {
	case f.Runtime:
		return "  (runtime)"
	case f.Cgo:
		return "  (cgo)"
	}
	return ""
}

func creatorText(g *GroupView) string {
	switch {
	case g.CreatorID != 0:
		return " in goroutine " + strconv.FormatInt(g.CreatorID, 10)
	case g.CreatorIDs > 1:
		return " in " + count(g.CreatorIDs, "goroutine")
	}
	return ""
}

// flagWords names the grouping flags as the runtime prints them.
func flagWords(f parse.GoroutineFlags) []string {
	var out []string
	for _, fw := range []struct {
		flag parse.GoroutineFlags
		word string
	}{
		{parse.FlagLockedToThread, "locked to thread"},
		{parse.FlagLeaked, "leaked"},
		{parse.FlagDurable, "durable"},
		{parse.FlagStackUnavailable, "stack unavailable"},
	} {
		if f&fw.flag != 0 {
			out = append(out, fw.word)
		}
	}
	return out
}
