package main

import (
	"encoding/json"
	"slices"
	"strings"

	"fmt"
	"github.com/attnsearch/attnsearch/objective/predict/fit"
	"io"
	"os"
	"os/signal"

	"github.com/spf13/cobra"

	"github.com/attnsearch/attnsearch/search"
	"github.com/attnsearch/attnsearch/space"
	"github.com/attnsearch/attnsearch/trainer/data"
	"github.com/attnsearch/attnsearch/trainer/latency"
)

// newLatencyCmd builds `attnsearch latency`: measure on the device, fit a predictor.
func newLatencyCmd(stdout, stderr io.Writer) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "latency",
		Short: "Measure architectures' latency on this machine and fit a latency predictor",
		Long: `Latency measures sampled architectures of a space on the machine it runs on (measure) and fits a
predictor on the measurements (fit). The predictor file is then named in a space file's costs
section, e.g. costs: {pi_ms: {predictor: pi.json}}, and bounded with budget.max_pi_ms or
minimised with objective.minimize: [pi_ms]: points over the predicted budget are rejected before
training. See docs/latency.md for the workflow on another device (GOOS=linux GOARCH=arm64 go build).`,
	}
	cmd.AddCommand(newLatencyMeasureCmd(stdout, stderr), newLatencyCombineCmd(stdout), newLatencyFitCmd(stdout, stderr))
	return cmd
}

// newLatencyCombineCmd builds `attnsearch latency combine A.csv B.csv ... --out FILE.csv`.
func newLatencyCombineCmd(stdout io.Writer) *cobra.Command {
	var out string
	cmd := &cobra.Command{
		Use:   "combine FILE.csv FILE.csv... --out FILE.csv",
		Short: "Merge measurement passes of the same design into one file (repetitions minutes apart)",
		Long: `Combine merges measurement files of the same space and threads taken at different times into
one: per architecture present in every file, its repetitions summed and the mean and sample
standard deviation of all of them. On a device whose speed drifts over minutes, measure in passes
(--reps 1 into one file per pass) and combine them: the noise figure then includes the drift and
the mean averages it out, which back-to-back repetitions do not (docs/latency.md).`,
		Example: `  for p in 1 2 3; do attnsearch latency measure spaces/mt.yaml --samples 1000 --reps 1 --out pass$p.csv; done
  attnsearch latency combine pass1.csv pass2.csv pass3.csv --out pi.csv`,
		Args: func(c *cobra.Command, args []string) error {
			return inputErr(cobra.MinimumNArgs(2)(c, args))
		},
		RunE: func(c *cobra.Command, args []string) error {
			if out == "" {
				return inputErr(fmt.Errorf("latency combine: --out FILE.csv is required"))
			}
			if slices.Contains(args, out) {
				return inputErr(fmt.Errorf("latency combine: --out %s is one of the inputs", out))
			}
			var buf strings.Builder
			n, dropped, err := latency.Combine(args, &buf)
			if err != nil {
				return inputErr(err)
			}
			if err := os.WriteFile(out, []byte(buf.String()), 0o644); err != nil {
				return fmt.Errorf("latency combine: %w", err)
			}
			fmt.Fprintf(stdout, "%s: %d rows combined from %d files (%d rows not in every file, left out)\n", out, n, len(args), dropped)
			return nil
		},
	}
	cmd.Flags().StringVar(&out, "out", "", "CSV file to write (replaced)")
	return cmd
}

// newLatencyMeasureCmd builds `attnsearch latency measure SPACE.yaml --samples N --out FILE.csv`.
func newLatencyMeasureCmd(stdout, stderr io.Writer) *cobra.Command {
	var (
		samples, threads, reps int
		out, dataPath          string
	)
	cmd := &cobra.Command{
		Use:   "measure SPACE.yaml",
		Short: "Measure the inference latency of sampled architectures of a space into a CSV file",
		Long: `Measure samples --samples architectures of the space (a Sobol design over its searched
architecture parameters; only points within the budget), builds each with random weights and
measures its inference latency as trials do (batch 1, greedy, the task's first
training.latency_sentences validation sentences, each decoded for its reference length), --reps
times. One CSV row per architecture: its features, latency_ms_mean and latency_ms_std. The file
is appended to; indices already in it are skipped, so an interrupted run resumes.`,
		Example: `  attnsearch latency measure spaces/mt.yaml --samples 1000 --threads 1 --out pi.csv`,
		Args: func(c *cobra.Command, args []string) error {
			return inputErr(cobra.ExactArgs(1)(c, args))
		},
		RunE: func(c *cobra.Command, args []string) error {
			if out == "" {
				return inputErr(fmt.Errorf("latency measure: --out FILE.csv is required"))
			}
			if samples < 1 || threads < 0 || threads > space.MaxThreads || reps < 1 {
				return inputErr(fmt.Errorf("latency measure: --samples and --reps must be >= 1, --threads 0 to %d (0 = all cores)", space.MaxThreads))
			}
			with := search.Registries()
			with.Corpus = dataPath // --data replaces the task's corpus
			spec, err := space.LoadWith(args[0], with)
			if err != nil {
				return inputErr(err)
			}
			if k, err := search.KindOf(spec); err != nil || !k.Transformer {
				return inputErr(fmt.Errorf("latency measure: %s runs a %s task (task kind %s): there is no built-in model to measure", args[0], k.Name, spec.Task.Kind))
			}
			ctx, stop := signal.NotifyContext(c.Context(), os.Interrupt)
			defer stop()
			ds, err := data.Load(ctx, spec.Task, spec.Task.MaxLen)
			if err != nil {
				return fmt.Errorf("latency measure: %w", err)
			}
			sum, err := latency.Run(ctx, spec, ds, out, latency.Options{Samples: samples, Threads: threads, Reps: reps, Progress: stderr})
			fmt.Fprintf(stdout, "%s: %d rows measured now, %d already there (%d design points outside the budget or repeated)\n",
				out, sum.Measured, sum.Done, sum.Skipped)
			if err != nil {
				return err
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.IntVar(&samples, "samples", 100, "architectures wanted in the file")
	f.IntVar(&threads, "threads", 1, "GOMAXPROCS while measuring (0 = leave it)")
	f.IntVar(&reps, "reps", 3, "repetitions per architecture")
	f.StringVar(&out, "out", "", "CSV file to append to (created if needed)")
	f.StringVar(&dataPath, "data", "", "replace the task's corpus (as run and train do)")
	return cmd
}

// newLatencyFitCmd builds `attnsearch latency fit FILE.csv --out MODEL.json`.
func newLatencyFitCmd(stdout, stderr io.Writer) *cobra.Command {
	var (
		target, features, testPath, out, format string
		seed                                    int64
	)
	cmd := &cobra.Command{
		Use:   "fit FILE.csv",
		Short: "Fit a latency predictor (an MLP, with a linear baseline) on a numeric CSV file",
		Long: `Fit fits a small MLP (standardised inputs, seeded and deterministic) and a linear baseline
predicting --target from --features on the rows of FILE.csv, prints both predictors' RMSE and MAPE
on held-out rows (those of --test, else a seeded 10% of FILE.csv left out of the fit) and writes
the predictor to --out. Any numeric CSV works: by default the features are the columns latency
measure writes (` + strings.Join(latency.Features(), ", ") + `).`,
		Example: `  attnsearch latency fit pi.csv --out pi.json
  attnsearch latency fit other.csv --target ms --features d_model,layers,params --test other-test.csv --out m.json --format json`,
		Args: func(c *cobra.Command, args []string) error {
			return inputErr(cobra.ExactArgs(1)(c, args))
		},
		RunE: func(c *cobra.Command, args []string) error {
			if out == "" {
				return inputErr(fmt.Errorf("latency fit: --out MODEL.json is required"))
			}
			if format != "table" && format != "json" {
				return inputErr(fmt.Errorf("latency fit: --format %q: want table or json", format))
			}
			names := latency.Features()
			if features != "" {
				names = strings.Split(features, ",")
			}
			tr, err := fit.ReadCSV(args[0])
			if err != nil {
				return inputErr(err)
			}
			if miss := slices.DeleteFunc(slices.Clone(names), func(n string) bool { return slices.Contains(tr.Columns, n) }); features == "" && len(miss) > 0 && slices.Contains(tr.Columns, latency.ColMean) {
				return inputErr(fmt.Errorf("latency fit: %s:1: no column %s: the file comes from an older latency measure (before the decoding-work features); measure again, or name its columns with --features",
					args[0], strings.Join(miss, ", ")))
			}
			var te *fit.Table
			if testPath != "" {
				if te, err = fit.ReadCSV(testPath); err != nil {
					return inputErr(err)
				}
			}
			m, rep, err := fit.Run(tr, te, names, target, fit.Options{Seed: seed})
			if err != nil {
				return inputErr(err)
			}
			js, err := json.MarshalIndent(m, "", " ")
			if err != nil {
				return fmt.Errorf("latency fit: %w", err)
			}
			if err := os.WriteFile(out, append(js, '\n'), 0o644); err != nil {
				return fmt.Errorf("latency fit: %w", err)
			}
			if format == "json" {
				return writeJSON(stdout, rep)
			}
			fmt.Fprintf(stdout, "target %s from %d features; fitted on %d rows, errors on %d held-out rows (%s)\n",
				rep.Target, len(rep.Features), rep.TrainRows, rep.TestRows, rep.HeldOut)
			fmt.Fprintf(stdout, "%-8s %12s %9s\n", "model", "RMSE", "MAPE")
			fmt.Fprintf(stdout, "%-8s %12.4g %8.2f%%\n", "mlp", rep.MLP.RMSE, rep.MLP.MAPE)
			fmt.Fprintf(stdout, "%-8s %12.4g %8.2f%%\n", "linear", rep.Linear.RMSE, rep.Linear.MAPE)
			fmt.Fprintf(stderr, "latency fit: predictor written to %s (name it in a space file: costs: {NAME: {predictor: %s}})\n", out, out)
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&target, "target", latency.ColMean, "column to predict")
	f.StringVar(&features, "features", "", "comma-separated feature columns (default: latency measure's features)")
	f.StringVar(&testPath, "test", "", "CSV file to measure the errors on (default: a seeded 10% of FILE.csv, left out of the fit)")
	f.StringVar(&out, "out", "", "predictor file to write (JSON)")
	f.StringVar(&format, "format", "table", "output format: table | json")
	f.Int64Var(&seed, "seed", 1, "seed of the initial weights, batch order and held-out split")
	return cmd
}
