package main

import (
	"fmt"
	"io"
	"path/filepath"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/attnsearch/attnsearch/record"
	"github.com/attnsearch/attnsearch/reports"
	"github.com/attnsearch/attnsearch/store"
)

// newReportCmd builds `attnsearch report`.
func newReportCmd(stdout, stderr io.Writer) *cobra.Command {
	var (
		db     dbFlags
		format string
		all    bool
		plot   string
		fidel  string
	)
	cmd := &cobra.Command{
		Use:   "report",
		Short: "Print the Pareto front (or every trial) of a study; draw its plots",
		Long: `Report prints the study's Pareto front: the feasible completed trials that no other trial beats
in both quality (the objective's metric, maximised) and cost (the objective's cost, minimised),
sorted by cost, with the searched parameters, BLEU, accuracy, parameters, FLOPs per token,
latency, KV-cache bytes and score, then the hypervolume of the front against (quality 0, cost =
budget). --all lists every trial with its state and reason (pruned at epoch k; infeasible: which
constraint; failed: the error); a * marks the front. --format json prints one object
{"study", "objectives", "trials": [{"number", "state", "params", "metrics", "value", "pareto"}],
"hypervolume"}. --plot draws quality against cost (front, budget line) and the best score over
trials side by side into an .svg or .png file. A study that is running is read from the
snapshot its writer keeps (at most a second old). A supernet study (study.strategy: supernet)
reports its retrained trials; --fidelity inherited reports the sub-networks scored with
inherited weights, --fidelity all every trial (each JSON trial then says its "fidelity").`,
		Example: `  attnsearch report
  attnsearch report --all --format md
  attnsearch report --db runs/mt.db --study mt --format json > front.json
  attnsearch report --plot front.png`,
		Args: noArgs,
		RunE: func(c *cobra.Command, args []string) error {
			if !slices.Contains(reports.Formats(), format) {
				return inputErr(fmt.Errorf("report: --format %q: want %s", format, strings.Join(reports.Formats(), ", ")))
			}
			if ext := strings.ToLower(filepath.Ext(plot)); plot != "" && ext != ".svg" && ext != ".png" {
				return inputErr(fmt.Errorf("report: --plot %s: want a .svg or .png file", plot))
			}
			if fidel != "" && !slices.Contains(reports.Fidelities(), fidel) {
				return inputErr(fmt.Errorf("report: --fidelity %q: want %s", fidel, strings.Join(reports.Fidelities(), ", ")))
			}
			proj := lean()
			if format == "json" && all { // every trial's history is printed
				proj = store.Projection{OmitUserAttrs: []string{record.KeyLog, record.KeyStderr}}
			}
			digest := !all && plot == "" // the front, read from the study's digest when it has one
			rep, st, err := loadReport(c.Context(), db, fidel, proj, false, digest)
			if err != nil {
				return err
			}
			defer st.Close()
			if digest || format == "json" && !all { // the front's rows (from a digest) and histories are printed
				if err := rep.Refill(finder(st, rep), rep.Front...); err != nil {
					return fmt.Errorf("report: %w", err)
				}
			}
			if t, ok := st.SnapshotTime(); ok {
				fmt.Fprintf(stderr, "report: the study is running; reading its snapshot of %s\n", t.Format("15:04:05"))
			}
			if err := rep.Write(stdout, format, all); err != nil {
				return fmt.Errorf("report: %w", err)
			}
			if plot != "" {
				if err := rep.SavePlot(plot); err != nil {
					return fmt.Errorf("report: %w", err)
				}
				fmt.Fprintf(stderr, "report: plots written to %s\n", plot)
			}
			return nil
		},
	}
	db.add(cmd)
	f := cmd.Flags()
	f.StringVar(&format, "format", "table", "output format: table | md | csv | json")
	f.BoolVar(&all, "all", false, "list every trial with its state and reason, not only the front")
	f.StringVar(&plot, "plot", "", "also draw the plots into this .svg or .png file")
	f.StringVar(&fidel, "fidelity", "", "supernet studies: retrained (the default) | inherited | all trials")
	return cmd
}
