package main

import (
	"fmt"
	"io"

	"github.com/spf13/cobra"
)

// newBestCmd builds `attnsearch best`.
func newBestCmd(stdout, stderr io.Writer) *cobra.Command {
	var db dbFlags
	cmd := &cobra.Command{
		Use:   "best",
		Short: "Print the best trial's configuration as --set text for attnsearch train",
		Long: `Best prints, on one line of stdout, the configuration of the study's best trial (the feasible
completed trial with the highest score) as --set text that attnsearch train reads back exactly.
Its number, score and space file go to stderr.`,
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
			fmt.Fprintf(stderr, "best: study %s, trial %d, score %.4f, space file %s\n", rep.Study, t.Number, t.Value, rep.Info.SpaceFile)
			_, err = fmt.Fprintln(stdout, t.Config)
			return err
		},
	}
	db.add(cmd)
	return cmd
}
