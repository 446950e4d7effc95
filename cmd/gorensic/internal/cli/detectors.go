package cli

import (
	"bufio"

	"github.com/gorensic/gorensic/detect/detectors"
	"github.com/gorensic/gorensic/report"
	"github.com/spf13/cobra"
)

// DetectorsOptions are the flags of "gorensic detectors".
type DetectorsOptions struct {
	Format report.Format
}

func newDetectorsCommand(ios IO) *cobra.Command {
	opts := &DetectorsOptions{Format: report.FormatTable}
	cmd := &cobra.Command{
		Use:   "detectors",
		Short: "List the detectors scan runs",
		Long: `Detectors lists every detector that scan runs, in the order they run: its
name (for --detectors, --skip-detectors and explain), the first sentence of
its documentation, the kinds of finding it reports and what an input must
show for it to run (a detector is skipped, and listed as skipped, on inputs
that cannot show it).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runDetectors(opts, ios)
		},
	}
	cmd.Flags().Var(formatValue{&opts.Format}, "format", "output format: table or json")
	return cmd
}

func runDetectors(opts *DetectorsOptions, ios IO) error {
	formatter, err := report.New(opts.Format)
	if err != nil {
		return err
	}
	var infos []report.DetectorInfo
	for _, d := range detectors.All() {
		infos = append(infos, report.Describe(d))
	}
	return render(ios, func(w *bufio.Writer) error { return formatter.Detectors(w, infos) })
}
