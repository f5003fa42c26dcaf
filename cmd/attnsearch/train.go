package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime"
	"strings"

	"github.com/olekukonko/tablewriter"
	"github.com/spf13/cobra"

	"github.com/attnsearch/attnsearch/search"
	"github.com/attnsearch/attnsearch/space"
	"github.com/attnsearch/attnsearch/trainer"
	"github.com/attnsearch/attnsearch/trainer/data"
)

// trainReport is the JSON object `attnsearch train --format json` prints.
type trainReport struct {
	Space         string   `json:"space"`          // space file
	Config        string   `json:"config"`         // the trained point, as --set reads it
	Outside       []string `json:"outside"`        // --set values outside the declared space
	Data          string   `json:"data"`           // data set name or path
	Seed          int64    `json:"seed"`           // trial seed
	BLEU          float64  `json:"bleu"`           // test BLEU (sacreBLEU default, 0-100)
	TokenAccuracy float64  `json:"token_accuracy"` // test token accuracy, teacher-forced (0-1)
	ExactMatch    float64  `json:"exact_match"`    // test exact-match rate (0-1)
	ValidBLEU     float64  `json:"valid_bleu"`     // last epoch's validation BLEU
	ValidAccuracy float64  `json:"valid_accuracy"` // last epoch's validation token accuracy
	LatencyMS     float64  `json:"latency_ms"`     // median ms per sentence, batch 1, greedy
	Params        int64    `json:"params"`         // parameter count
	L2Norm        float64  `json:"l2_norm"`        // final ‖θ‖₂
	TrainSeconds  float64  `json:"train_seconds"`  // training wall time
	Epochs        int      `json:"epochs"`         // epochs trained
	Steps         int      `json:"steps"`          // optimizer steps
	PeakMemBytes  uint64   `json:"peak_mem_bytes"` // maximum sampled Go heap in use
	Beam          int      `json:"beam"`           // beam of the test decode (1 = greedy)
}

// writeJSON writes v to w as indented JSON, leaving <, > and & as they are.
func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// newTrainCmd builds `attnsearch train SPACE.yaml --set ...`.
func newTrainCmd(stdout, stderr io.Writer) *cobra.Command {
	var (
		set, dataPath, translations, format string
		epochs, maxSteps, threads           int
		seed                                int64
	)
	cmd := &cobra.Command{
		Use:   "train SPACE.yaml",
		Short: "Train one configuration with the space file's task and training settings",
		Long: `Train trains one point of a space (the file's fixed values plus --set; a searched parameter
left out of --set takes its declared default:, else the central value of its domain — the
geometric midpoint of a log range, the midpoint of a linear one, the first of a list of choices —
and train says which on stderr) on the file's task, prints per-epoch
progress to stderr and finally the test metrics. --data replaces the task's corpus: a directory
of aligned files ({train,valid,test}.{src,tgt}) or a Tatoeba/Anki TSV file. The budget's
max_l2_norm, when set, is enforced by projection after every step.`,
		Example: `  attnsearch train spaces/smoke.yaml --set d_model=32,heads=2,kv_heads=1,d_ff=64 --epochs 3
  attnsearch train spaces/tatoeba.yaml --set d_model=128,heads=4 --translations out.txt --format json`,
		Args: func(c *cobra.Command, args []string) error {
			return inputErr(cobra.ExactArgs(1)(c, args))
		},
		RunE: func(c *cobra.Command, args []string) error {
			if format != "table" && format != "json" {
				return inputErr(fmt.Errorf("train: --format %q: want table or json", format))
			}
			if epochs < 0 || maxSteps < 0 || threads < 0 {
				return inputErr(fmt.Errorf("train: --epochs, --max-steps and --threads must not be negative"))
			}
			seedSet := c.Flags().Changed("seed")
			ctx, stop := signal.NotifyContext(c.Context(), os.Interrupt)
			defer stop()
			rep, res, err := trainOne(ctx, args[0], set, dataPath, epochs, maxSteps, threads, seed, seedSet, stderr)
			if err != nil {
				return err
			}
			if translations != "" {
				text := strings.Join(res.TestTranslations, "\n")
				if len(res.TestTranslations) > 0 {
					text += "\n"
				}
				if err := os.WriteFile(translations, []byte(text), 0o644); err != nil {
					return fmt.Errorf("train: write translations: %w", err)
				}
			}
			if format == "json" {
				if err := writeJSON(stdout, rep); err != nil {
					return fmt.Errorf("train: write: %w", err)
				}
				return nil
			}
			return writeTrainTable(stdout, rep)
		},
	}
	f := cmd.Flags()
	f.StringVar(&set, "set", "", "point to train: name=value,... (names: "+strings.Join(space.Names, ", ")+")")
	f.StringVar(&dataPath, "data", "", "corpus replacing the task's: aligned directory or TSV file")
	f.IntVar(&epochs, "epochs", 0, "epochs (default: the space file's training.epochs)")
	f.IntVar(&maxSteps, "max-steps", 0, "stop after this many optimizer updates, finishing that epoch's validation (default: the space file's training.max_steps)")
	f.Int64Var(&seed, "seed", 0, "trial seed (default: the study seed)")
	f.IntVar(&threads, "threads", 0, "threads while training: GOMAXPROCS and data-parallel shards per step (default: the space file's training.threads, 0 = all cores)")
	f.StringVar(&translations, "translations", "", "write the test set's translations here, one line each")
	f.StringVar(&format, "format", "table", "output format: table | json")
	return cmd
}

// trainOne loads the space and the data, trains, and returns the report; input problems are usage errors.
func trainOne(ctx context.Context, path, set, dataPath string, epochs, maxSteps, threads int, seed int64, seedSet bool, stderr io.Writer) (*trainReport, *trainer.Result, error) {
	with := search.Registries()
	with.Corpus = dataPath // --data replaces the task's corpus
	spec, err := space.LoadWith(path, with)
	if err != nil {
		return nil, nil, inputErr(err)
	}
	if k, err := search.KindOf(spec); err != nil || !k.Transformer {
		return nil, nil, inputErr(fmt.Errorf("train: %s runs a %s task (task kind %s): training applies to transformer points only; run it yourself", path, k.Name, spec.Task.Kind))
	}
	kv, err := space.ParseSet(set)
	if err != nil {
		return nil, nil, inputErr(fmt.Errorf("train: %w", err))
	}
	cfg, outside, err := spec.Point(kv)
	if err != nil {
		return nil, nil, inputErr(fmt.Errorf("train: %w", err))
	}
	for _, o := range outside {
		fmt.Fprintf(stderr, "train: note: %s\n", o)
	}
	for _, st := range spec.Starts(kv, cfg) {
		fmt.Fprintf(stderr, "train: not in --set: %s\n", st)
	}
	task := spec.Task
	ds, err := data.Load(ctx, task, 0)
	if err != nil {
		return nil, nil, inputErr(fmt.Errorf("train: %w", err))
	}
	if ds.Skipped > 0 {
		fmt.Fprintf(stderr, "train: %d pairs skipped (empty or longer than max_len)\n", ds.Skipped)
	}
	tr := spec.Training
	if epochs > 0 {
		tr.Epochs = epochs
	}
	if maxSteps > 0 {
		tr.MaxSteps = maxSteps
	}
	if threads > 0 {
		tr.Threads = threads
	}
	if tr.Threads <= 0 {
		tr.Threads = runtime.NumCPU()
	}
	if !seedSet {
		seed = spec.Study.Seed
	}
	// The architecture objective.Estimate counts for this space on this data.
	arch := trainer.StudyArch(spec, ds)
	opts := trainer.Options{Training: tr, MaxL2Norm: spec.Budget.MaxL2Norm, Seed: seed, Threads: tr.Threads,
		Progress: stderr, EvalTest: true, Arch: &arch}
	fmt.Fprintf(stderr, "train: %s: %d/%d/%d pairs, vocab %d/%d, %s, %d threads\n", ds.Name, len(ds.Train), len(ds.Valid), len(ds.Test),
		ds.SrcVocab.Size(), ds.TgtVocab.Size(), cfg.SetString(), tr.Threads)
	res, err := trainer.Train(ctx, cfg, ds, opts)
	if err != nil {
		return nil, nil, fmt.Errorf("train: %w", err)
	}
	return &trainReport{
		Space: path, Config: cfg.SetString(), Outside: nonNil(outside), Data: ds.Name, Seed: seed,
		BLEU: res.TestBLEU, TokenAccuracy: res.TestAccuracy, ExactMatch: res.TestExact,
		ValidBLEU: res.ValidBLEU, ValidAccuracy: res.ValidAccuracy, LatencyMS: res.LatencyMS,
		Params: res.Params, L2Norm: res.L2Norm, TrainSeconds: res.TrainSeconds, Epochs: res.Epochs,
		Steps: res.Steps, PeakMemBytes: res.PeakMemBytes, Beam: max(tr.Beam, 1),
	}, res, nil
}

// writeTrainTable prints the report as a two-column table.
func writeTrainTable(w io.Writer, r *trainReport) error {
	t := tablewriter.NewWriter(w)
	t.Header("metric", "value")
	rows := [][]string{
		{"config", r.Config},
		{"data", r.Data},
		{"test BLEU", fmt.Sprintf("%.2f", r.BLEU)},
		{"test token accuracy", fmt.Sprintf("%.4f", r.TokenAccuracy)},
		{"test exact match", fmt.Sprintf("%.4f", r.ExactMatch)},
		{"valid BLEU", fmt.Sprintf("%.2f", r.ValidBLEU)},
		{"latency (ms/sentence)", fmt.Sprintf("%.3f", r.LatencyMS)},
		{"params", fmt.Sprint(r.Params)},
		{"‖θ‖₂", fmt.Sprintf("%.4f", r.L2Norm)},
		{"train seconds", fmt.Sprintf("%.1f", r.TrainSeconds)},
		{"epochs / steps", fmt.Sprintf("%d / %d", r.Epochs, r.Steps)},
		{"peak heap (MiB)", fmt.Sprintf("%.1f", float64(r.PeakMemBytes)/(1<<20))},
	}
	if err := t.Bulk(rows); err != nil {
		return fmt.Errorf("train: table: %w", err)
	}
	if err := t.Render(); err != nil {
		return fmt.Errorf("train: table: %w", err)
	}
	return nil
}
