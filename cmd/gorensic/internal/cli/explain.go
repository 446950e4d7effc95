package cli

import (
	"bufio"
	"strings"

	"github.com/gorensic/gorensic/detect/detectors"
	"github.com/gorensic/gorensic/report"
	"github.com/spf13/cobra"
)

func newExplainCommand(ios IO) *cobra.Command {
	return &cobra.Command{
		Use:   "explain NAME",
		Short: "Explain what a detector reports, its evidence, false positives and remedy",
		Long: `Explain prints the documentation of the detector NAME (see gorensic
detectors): what it reports and at which severity, the evidence it shows,
what it stays quiet on, its false positives and the remedy.`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) != 1 {
				return usagef(cmd.CommandPath(), "explain takes one detector name (one of %s)", strings.Join(detectorNames(), ", "))
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			d, ok := detectors.ByName(args[0])
			if !ok {
				return usagef(cmd.CommandPath(), "unknown detector %q (known: %s)", args[0], strings.Join(detectorNames(), ", "))
			}
			return render(ios, func(w *bufio.Writer) error { return report.Explain(w, report.Describe(d)) })
		},
	}
}
