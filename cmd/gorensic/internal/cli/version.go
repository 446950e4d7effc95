package cli

import (
	"fmt"
	"runtime"
	"runtime/debug"

	"github.com/spf13/cobra"
)

func newVersionCommand(ios IO) *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print gorensic's version and build",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			_, err := fmt.Fprintln(ios.Out, versionText())
			return err
		},
	}
}

// versionText is "gorensic v1.2.3 (go1.26.8 linux/amd64, commit abc1234, modified)",
// from the build information the Go toolchain embeds.
func versionText() string {
	version, extra := "(devel)", ""
	if bi, ok := debug.ReadBuildInfo(); ok {
		if bi.Main.Version != "" {
			version = bi.Main.Version
		}
		for _, s := range bi.Settings {
			switch {
			case s.Key == "vcs.revision" && len(s.Value) >= 12:
				extra += ", commit " + s.Value[:12]
			case s.Key == "vcs.modified" && s.Value == "true":
				extra += ", modified"
			}
		}
	}
	return fmt.Sprintf("gorensic %s (%s %s/%s%s)", version, runtime.Version(), runtime.GOOS, runtime.GOARCH, extra)
}
