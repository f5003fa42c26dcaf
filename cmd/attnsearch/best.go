package main

import (
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"

	"github.com/attnsearch/attnsearch/record"

	"github.com/spf13/cobra"
)

// bestReport is the object `attnsearch best --format json` prints.
type bestReport struct {
	Study     string             `json:"study"`      // study name
	Trial     int                `json:"trial"`      // trial number
	Score     float64            `json:"score"`      // its score
	Seed      int64              `json:"seed"`       // its trainer seed (attnsearch train --seed; train --trial uses it)
	Config    string             `json:"config"`     // --set text for attnsearch train (a command's: its parameters as JSON)
	Params    map[string]any     `json:"params"`     // the sampled parameters
	Metrics   map[string]float64 `json:"metrics"`    // every stored figure
	SpaceFile string             `json:"space_file"` // the space file the study was started from
}

// newBestCmd builds `attnsearch best`.
func newBestCmd(stdout, stderr io.Writer) *cobra.Command {
	var (
		db     dbFlags
		format string
	)
	formats := append([]string{"set"}, allFormats()...)
	cmd := &cobra.Command{
		Use:   "best",
		Short: "Print the best trial's configuration as --set text for attnsearch train (a command's: JSON)",
		Long: `Best prints, on one line of stdout, the configuration of the study's best trial (the feasible
completed trial with the highest score) as --set text that attnsearch train reads back exactly;
for a study of a command (task kind command), the parameters as the command received them, one
JSON object. Its number, score and space file go to stderr. --format json prints one object
{"study", "trial", "score", "seed", "config", "params", "metrics", "space_file"}; table, csv and
md print the same as name/value rows. To retrain it exactly (configuration, seed and threads):
attnsearch train --trial N.`,
		Example: `  attnsearch best
  attnsearch best --format json
  attnsearch train spaces/mt.yaml --set "$(attnsearch best --db runs/mt.db)" --translations out.txt
  attnsearch train --trial 7 --db runs/mt.db`,
		Args: noArgs,
		RunE: func(c *cobra.Command, args []string) error {
			if err := checkFormat("best", format, formats...); err != nil {
				return err
			}
			rep, st, err := loadReport(c.Context(), db, "all", lean(), true, true)
			if err != nil {
				return err
			}
			defer st.Close()
			i := rep.Best()
			if i < 0 {
				return fmt.Errorf("best: study %s has no feasible completed trial yet", rep.Study)
			}
			if err := rep.Refill(finder(st, rep), i); err != nil {
				return fmt.Errorf("best: %w", err)
			}
			t := rep.Trials[i]
			config := t.Config
			if rep.Info.Shown() == record.FiguresReported {
				config = t.Point
				goals := make([]string, len(rep.Objectives))
				for i, g := range rep.Objectives {
					goals[i] = fmt.Sprintf("%s %s", g, record.Display(t.Metrics[g]))
				}
				fmt.Fprintf(stderr, "best: study %s, trial %d, score %.6g (%s), space file %s\n", rep.Study, t.Number, t.Value, strings.Join(goals, ", "), rep.Info.SpaceFile)
			} else {
				fmt.Fprintf(stderr, "best: study %s, trial %d, score %.4f, seed %d, space file %s\n", rep.Study, t.Number, t.Value, t.Seed, rep.Info.SpaceFile)
			}
			if format == "set" {
				_, err = fmt.Fprintln(stdout, config)
				return err
			}
			out := bestReport{Study: rep.Study, Trial: t.Number, Score: t.Value, Seed: t.Seed, Config: config,
				Params: t.Params, Metrics: map[string]float64{}, SpaceFile: rep.Info.SpaceFile}
			if out.Params == nil {
				out.Params = map[string]any{}
			}
			for k, v := range t.Metrics {
				if !math.IsNaN(v) && !math.IsInf(v, 0) {
					out.Metrics[k] = v
				}
			}
			if format == formatJSON {
				return writeJSON(stdout, out)
			}
			rows := [][]string{{"study", out.Study}, {"trial", strconv.Itoa(out.Trial)}, {"score", record.FormatFloat(out.Score)},
				{"seed", strconv.FormatInt(out.Seed, 10)}, {"config", out.Config}, {"space_file", out.SpaceFile}}
			for _, k := range sortedKeys(out.Params) {
				rows = append(rows, []string{"param " + k, fmt.Sprint(out.Params[k])})
			}
			for _, k := range sortedKeys(out.Metrics) {
				rows = append(rows, []string{k, record.FormatFloat(out.Metrics[k])})
			}
			return writeRows(stdout, format, []string{"name", "value"}, rows)
		},
	}
	db.add(cmd)
	cmd.Flags().StringVar(&format, "format", "set", "output format: set (one line of --set text) | "+strings.Join(allFormats(), " | "))
	return cmd
}
