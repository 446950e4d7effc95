package cli

import (
	"bufio"
	"context"

	"github.com/gorensic/gorensic/parse"
	"github.com/gorensic/gorensic/report"
	"github.com/spf13/cobra"
)

// shownIDs is how many goroutine IDs a group lists before "+N more".
const shownIDs = 5

// GroupsOptions are the flags and arguments of "gorensic groups".
type GroupsOptions struct {
	Inputs    InputOptions
	Format    report.Format
	Top       int // groups shown per snapshot, 0 for all
	MaxFrames int // frames shown per stack, 0 for all
	Args      []string
}

func newGroupsCommand(ios IO) *cobra.Command {
	opts := &GroupsOptions{Inputs: defaultInputOptions(), Format: report.FormatTable}
	cmd := &cobra.Command{
		Use:   "groups INPUT...",
		Short: "Group goroutines by state, stack and creation site, biggest group first",
		Long: `Groups reads each input and groups its goroutines by identical state, stack
and creation site, biggest group first. Each group shows its count, state,
wait ages (min..max; "<1m" is under a minute, as dumps print no shorter age),
whether its goroutines are locked to a thread or leaked, their labels, the
stack (runtime frames marked), the creation site and the first goroutine IDs.

Grouped goroutine profiles (debug=0 and debug=1) record no IDs, states or wait
ages: their groups show counts and stacks only.

` + inputsHelp,
		Args: func(cmd *cobra.Command, args []string) error {
			return checkInputArgs(cmd.CommandPath(), args)
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Args = args
			if opts.Top < 0 {
				return usagef(cmd.CommandPath(), "--top must be 0 (all) or more, not %d", opts.Top)
			}
			if opts.MaxFrames < 0 {
				return usagef(cmd.CommandPath(), "--max-frames must be 0 (all) or more, not %d", opts.MaxFrames)
			}
			return runGroups(cmd.Context(), opts, ios)
		},
	}
	fs := cmd.Flags()
	fs.Var(formatValue{&opts.Format}, "format", "output format: table or json")
	fs.IntVar(&opts.Top, "top", 0, "show the N biggest groups of each input (0: all)")
	fs.IntVar(&opts.MaxFrames, "max-frames", 0, "show at most N frames of each stack (0: all)")
	opts.Inputs.addFlags(fs)
	return cmd
}

// runGroups reads the inputs, groups each snapshot as it is read and keeps
// only the part of the groups that will be shown.
func runGroups(ctx context.Context, opts *GroupsOptions, ios IO) error {
	formatter, err := report.New(opts.Format)
	if err != nil {
		return err
	}
	cut := report.GroupOptions{Top: opts.Top, MaxFrames: opts.MaxFrames, IDs: shownIDs}
	result := &report.Groups{}
	outcome, err := readInputs(ctx, ios, opts.Args, opts.Inputs, func(snaps []*parse.Snapshot) {
		for _, s := range snaps {
			result.Inputs = append(result.Inputs, report.NewGroupSet(s, parse.Aggregate(s), len(snaps) > 1, cut))
		}
	})
	if err != nil {
		return err
	}
	result.Outcome = outcome
	if err := render(ios, func(w *bufio.Writer) error { return formatter.Groups(w, result) }); err != nil {
		return err
	}
	return inputsResult(outcome, len(result.Inputs))
}
