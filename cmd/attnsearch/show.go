package main

import (
	"fmt"
	"io"
	"strconv"

	"github.com/spf13/cobra"
)

// newShowCmd builds `attnsearch show TRIAL`.
func newShowCmd(stdout, stderr io.Writer) *cobra.Command {
	var (
		db     dbFlags
		format string
	)
	cmd := &cobra.Command{
		Use:   "show TRIAL",
		Short: "Print everything about one trial, with its per-epoch curve",
		Long: `Show prints one trial of a study: its state and the reason for it, score, seed, the effective
configuration (as --set text), every stored figure (cost model, validation and test metrics,
latency, weight norm, time), and its per-epoch curve (losses, validation BLEU and accuracy, the
intermediate score the pruner saw).`,
		Example: `  attnsearch show 7
  attnsearch show 7 --db runs/mt.db --study mt --format json`,
		Args: exactArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			n, err := strconv.Atoi(args[0])
			if err != nil || n < 0 {
				return inputErr(fmt.Errorf("show: TRIAL %q: want a trial number", args[0]))
			}
			if err := checkFormat("show", format, allFormats()...); err != nil {
				return err
			}
			rep, st, err := loadReport(c.Context(), db, "all", lean(), true, true)
			if err != nil {
				return err
			}
			defer st.Close()
			i, err := rep.Locate(n)
			if err != nil {
				return fmt.Errorf("show: %w", err)
			}
			if i < 0 {
				return inputErr(fmt.Errorf("show: TRIAL %d: study %s has no trial %d (it has %s)", n, rep.Study, n, plural(rep.Total(), "trial", "trials")))
			}
			if err := rep.Refill(finder(st, rep), i); err != nil {
				return fmt.Errorf("show: %w", err)
			}
			return rep.WriteTrial(stdout, i, format)
		},
	}
	db.add(cmd)
	cmd.Flags().StringVar(&format, "format", formatTable, formatUsage(allFormats()...)+" (csv: the name/value rows; the curve is in the JSON)")
	_ = stderr
	return cmd
}
