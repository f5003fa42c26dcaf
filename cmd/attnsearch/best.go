package main

import (
	"fmt"
	"io"
	"strings"

	"github.com/attnsearch/attnsearch/record"

	"github.com/spf13/cobra"
)

// newBestCmd builds `attnsearch best`.
func newBestCmd(stdout, stderr io.Writer) *cobra.Command {
	var db dbFlags
	cmd := &cobra.Command{
		Use:   "best",
		Short: "Print the best trial's configuration as --set text for attnsearch train (a command's: JSON)",
		Long: `Best prints, on one line of stdout, the configuration of the study's best trial (the feasible
completed trial with the highest score) as --set text that attnsearch train reads back exactly;
for a study of a command (task kind command), the parameters as the command received them, one
JSON object. Its number, score and space file go to stderr.`,
		Example: `  attnsearch best
  attnsearch train spaces/mt.yaml --set "$(attnsearch best --db runs/mt.db)" --translations out.txt`,
		Args: noArgs,
		RunE: func(c *cobra.Command, args []string) error {
			rep, st, err := loadReport(db)
			if err != nil {
				return err
			}
			defer st.Close()
			i := rep.Best()
			if i < 0 {
				return fmt.Errorf("best: study %s has no feasible completed trial yet", rep.Study)
			}
			t := rep.Trials[i]
			if rep.Info.Shown() == record.FiguresReported {
				goals := make([]string, len(rep.Objectives))
				for i, g := range rep.Objectives {
					goals[i] = fmt.Sprintf("%s %s", g, record.Display(t.Metrics[g]))
				}
				fmt.Fprintf(stderr, "best: study %s, trial %d, score %.6g (%s), space file %s\n", rep.Study, t.Number, t.Value, strings.Join(goals, ", "), rep.Info.SpaceFile)
				_, err = fmt.Fprintln(stdout, t.Point)
				return err
			}
			fmt.Fprintf(stderr, "best: study %s, trial %d, score %.4f, space file %s\n", rep.Study, t.Number, t.Value, rep.Info.SpaceFile)
			_, err = fmt.Fprintln(stdout, t.Config)
			return err
		},
	}
	db.add(cmd)
	return cmd
}
