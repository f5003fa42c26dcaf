package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime"
	"strconv"
	"strings"

	"github.com/c-bata/goptuna"
	"github.com/spf13/cobra"

	"github.com/attnsearch/attnsearch/record"
	"github.com/attnsearch/attnsearch/search"
	"github.com/attnsearch/attnsearch/space"
	"github.com/attnsearch/attnsearch/trainer"
	"github.com/attnsearch/attnsearch/trainer/data"
)

// trainReport is the JSON object `attnsearch train --format json` prints.
type trainReport struct {
	Space         string   `json:"space"`                // space file
	Config        string   `json:"config"`               // the trained point, as --set reads it
	Outside       []string `json:"outside"`              // --set values outside the declared space
	Data          string   `json:"data"`                 // data set name or path
	Seed          int64    `json:"seed"`                 // trial seed
	BLEU          float64  `json:"bleu"`                 // test BLEU (sacreBLEU default, 0-100)
	TokenAccuracy float64  `json:"token_accuracy"`       // test token accuracy, teacher-forced (0-1)
	ExactMatch    float64  `json:"exact_match"`          // test exact-match rate (0-1)
	ValidBLEU     float64  `json:"valid_bleu"`           // last epoch's validation BLEU
	ValidAccuracy float64  `json:"valid_accuracy"`       // last epoch's validation token accuracy
	LatencyMS     float64  `json:"latency_ms"`           // median ms per sentence, batch 1, greedy
	Params        int64    `json:"params"`               // parameter count
	L2Norm        float64  `json:"l2_norm"`              // final ‖θ‖₂
	TrainSeconds  float64  `json:"train_seconds"`        // training wall time
	Epochs        int      `json:"epochs"`               // epochs trained
	Steps         int      `json:"steps"`                // optimizer steps
	PeakMemBytes  uint64   `json:"peak_mem_bytes"`       // maximum sampled Go heap in use
	Beam          int      `json:"beam"`                 // beam of the test decode (1 = greedy)
	Threads       int      `json:"threads"`              // threads the trainer used
	Trial         *int     `json:"trial,omitempty"`      // --trial: the stored trial retrained
	Reproduced    *bool    `json:"reproduced,omitempty"` // --trial: every stored figure compared came out identical
}

// trainFlags are the flags of `attnsearch train`.
type trainFlags struct {
	set, dataPath, translations, format string
	epochs, maxSteps, threads           int
	seed                                int64
	trial                               int
	maxStepsSet                         bool // --max-steps given (0 then means no cap)
	db                                  dbFlags
}

// retrained is a stored trial that `train --trial` trains again.
type retrained struct {
	number  int
	study   string
	metrics map[string]float64
}

// writeJSON writes v to w as indented JSON, leaving <, > and & as they are.
func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// trainBounds are the ranges of train's integer flags: those of their training keys.
var trainBounds = []intBound{
	{name: "epochs", lo: 1, hi: space.MaxEpochs},
	{name: "max-steps", lo: 0, hi: space.MaxMaxSteps, note: "0 = no cap"},
	{name: "threads", lo: 0, hi: space.MaxThreads, note: "0 = all cores"},
}

// newTrainCmd builds `attnsearch train SPACE.yaml --set ...` and `attnsearch train --trial N`.
func newTrainCmd(stdout, stderr io.Writer) *cobra.Command {
	var f trainFlags
	cmd := &cobra.Command{
		Use:   "train SPACE.yaml",
		Short: "Train one configuration with the space file's task and training settings, or retrain a stored trial",
		Long: `Train trains one point of a space (the file's fixed values plus --set; a searched parameter
left out of --set takes its declared default:, else the central value of its domain — the
geometric midpoint of a log range, the midpoint of a linear one, the first of a list of choices —
and train says which on stderr) on the file's task, prints per-epoch
progress to stderr and finally the test metrics. --data replaces the task's corpus: a directory
of aligned files ({train,valid,test}.{src,tgt}) or a Tatoeba/Anki TSV file. The budget's
max_l2_norm, when set, is enforced by projection after every step.

--trial N retrains trial N of the study in --db (--study): its configuration, its seed and its
thread count, on the space file it was started from (or SPACE.yaml, which must declare the same
task and parameters). At the same thread count the figures are bit-identical to the stored ones;
train compares them and says so on stderr.`,
		Example: `  attnsearch train spaces/smoke.yaml --set d_model=32,heads=2,kv_heads=1,d_ff=64 --epochs 3
  attnsearch train spaces/tatoeba.yaml --set d_model=128,heads=4 --translations out.txt --format json
  attnsearch train --trial 7 --db smoke.db`,
		Args: rangeArgs(0, 1),
		RunE: func(c *cobra.Command, args []string) error {
			if err := checkFormat("train", f.format, allFormats()...); err != nil {
				return err
			}
			if err := checkBounds(c, "train", trainBounds...); err != nil {
				return err
			}
			path := ""
			if len(args) == 1 {
				path = args[0]
			}
			var again *retrained
			if c.Flags().Changed("trial") {
				for _, name := range []string{"set", "seed", "threads"} {
					if c.Flags().Changed(name) {
						return inputErr(fmt.Errorf("train: --trial %d takes the trial's own --%s; leave --%s out", f.trial, name, name))
					}
				}
				var err error
				if again, path, err = storedTrial(c.Context(), &f, path, stderr); err != nil {
					return err
				}
			} else if path == "" {
				return inputErr(fmt.Errorf("train: missing SPACE.yaml (usage: attnsearch train SPACE.yaml --set ..., or attnsearch train --trial N)"))
			}
			seedSet := c.Flags().Changed("seed") || again != nil
			f.maxStepsSet = c.Flags().Changed("max-steps")
			ctx, stop := signal.NotifyContext(c.Context(), os.Interrupt)
			defer stop()
			rep, res, err := trainOne(ctx, path, f, seedSet, stderr)
			if err != nil {
				return err
			}
			if again != nil {
				same := compareStored(again, rep, stderr)
				rep.Trial, rep.Reproduced = &again.number, &same
			}
			if f.translations != "" {
				text := strings.Join(res.TestTranslations, "\n")
				if len(res.TestTranslations) > 0 {
					text += "\n"
				}
				if err := os.WriteFile(f.translations, []byte(text), 0o644); err != nil {
					return fmt.Errorf("train: write translations %s: %w", f.translations, err)
				}
			}
			if f.format == "json" {
				if err := writeJSON(stdout, rep); err != nil {
					return fmt.Errorf("train: write: %w", err)
				}
				return nil
			}
			return writeTrainTable(stdout, f.format, rep)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.set, "set", "", "point to train: name=value,... (names: "+strings.Join(space.Names, ", ")+")")
	fl.StringVar(&f.dataPath, "data", "", "corpus replacing the task's: aligned directory or TSV file")
	fl.IntVar(&f.epochs, "epochs", 0, "epochs (default: the space file's training.epochs)")
	fl.IntVar(&f.maxSteps, "max-steps", 0, "stop after this many optimizer updates, finishing that epoch's validation; 0 = no cap (default: the space file's training.max_steps)")
	fl.Int64Var(&f.seed, "seed", 0, "trial seed (default: the study seed)")
	fl.IntVar(&f.threads, "threads", 0, "threads while training: GOMAXPROCS and data-parallel shards per step, 0 = all cores (default: the space file's training.threads)")
	fl.StringVar(&f.translations, "translations", "", "write the test set's translations here, one line each")
	fl.StringVar(&f.format, "format", formatTable, formatUsage(allFormats()...))
	fl.IntVar(&f.trial, "trial", 0, "retrain this stored trial of --db/--study exactly (its config, seed and threads)")
	fl.StringVar(&f.db.db, "db", defaultDB, dbUsage+" (with --trial)")
	fl.StringVar(&f.db.study, "study", "", "study name (with --trial; default: the only study in the store)")
	return cmd
}

// storedTrial reads trial f.trial of the study: it sets f.set, f.seed and f.threads to the
// trial's, and returns the trial with the space file to train on (path, else the study's own).
func storedTrial(ctx context.Context, f *trainFlags, path string, stderr io.Writer) (*retrained, string, error) {
	if f.trial < 0 {
		return nil, "", inputErr(fmt.Errorf("train: --trial %d: want a trial number (0 or more)", f.trial))
	}
	rep, st, err := loadReport(ctx, f.db, "all", lean(), false, false)
	if err != nil {
		return nil, "", err
	}
	defer st.Close()
	if rep.Info.Shown() == record.FiguresReported {
		return nil, "", inputErr(fmt.Errorf("train: study %s runs its own program (task kind %s): retrain trial %d by running it with the trial's parameters (attnsearch show %d)", rep.Study, rep.Info.Task, f.trial, f.trial))
	}
	i := rep.Find(f.trial)
	if i < 0 {
		return nil, "", inputErr(fmt.Errorf("train: --trial %d: study %s has no trial %d (it has %s)", f.trial, rep.Study, f.trial, plural(len(rep.Trials), "trial", "trials")))
	}
	t := rep.Trials[i]
	if t.Config == "" {
		return nil, "", inputErr(fmt.Errorf("train: --trial %d: trial %d of study %s has no configuration stored (state %s)", f.trial, f.trial, rep.Study, record.StateName(t.State)))
	}
	if path == "" {
		path = rep.Info.SpaceFile
		if _, err := os.Stat(path); err != nil {
			return nil, "", inputErr(fmt.Errorf("train: --trial %d: the study's space file %s: %w (give the space file: attnsearch train SPACE.yaml --trial %d)", f.trial, path, err, f.trial))
		}
	}
	with := search.Registries()
	with.Corpus = f.dataPath
	spec, err := space.LoadWith(path, with)
	if err != nil {
		return nil, "", inputErr(err)
	}
	if d := search.SpaceDiff(rep.Info, search.InfoOf(spec)); d != "" {
		return nil, "", inputErr(fmt.Errorf("train: --trial %d: %s differs from the space file study %s was started from (%s): %s", f.trial, path, rep.Study, rep.Info.SpaceFile, d))
	}
	f.set, f.seed = t.Config, t.Seed
	if th, ok := t.Metrics[record.KeyWorkerThreads]; ok && th >= 1 {
		f.threads = int(th)
	}
	if t.State != goptuna.TrialStateComplete {
		fmt.Fprintf(stderr, "train: note: trial %d is %s; it is retrained for the full schedule\n", t.Number, record.StateName(t.State))
	}
	fmt.Fprintf(stderr, "train: retraining trial %d of study %s: %s, seed %d, %s\n", t.Number, rep.Study, t.Config, t.Seed, plural(f.threads, "thread", "threads"))
	return &retrained{number: t.Number, study: rep.Study, metrics: t.Metrics}, path, nil
}

// compareStored prints the stored and retrained figures of a retrained trial side by side and
// reports whether every one that both have is identical.
func compareStored(t *retrained, rep *trainReport, stderr io.Writer) bool {
	figures := []struct {
		key string
		now float64
	}{
		{record.KeyBLEU, rep.ValidBLEU}, {record.KeyAccuracy, rep.ValidAccuracy},
		{record.KeyTestBLEU, rep.BLEU}, {record.KeyTestAccuracy, rep.TokenAccuracy},
		{record.KeyL2Norm, rep.L2Norm}, {record.KeySteps, float64(rep.Steps)},
	}
	same := true
	for _, fg := range figures {
		old, ok := t.metrics[fg.key]
		if !ok {
			continue
		}
		verdict := "identical"
		if old != fg.now {
			verdict, same = "DIFFERS", false
		}
		fmt.Fprintf(stderr, "train: trial %d %s: stored %v, retrained %v: %s\n", t.number, fg.key, old, fg.now, verdict)
	}
	return same
}

// trainOne loads the space and the data, trains, and returns the report; input problems are usage errors.
func trainOne(ctx context.Context, path string, f trainFlags, seedSet bool, stderr io.Writer) (*trainReport, *trainer.Result, error) {
	with := search.Registries()
	with.Corpus = f.dataPath // --data replaces the task's corpus
	spec, err := space.LoadWith(path, with)
	if err != nil {
		return nil, nil, inputErr(err)
	}
	if k, err := search.KindOf(spec); err != nil || !k.Transformer {
		return nil, nil, inputErr(fmt.Errorf("train: %s runs a %s task (task kind %s): training applies to transformer points only; run it yourself", path, k.Name, spec.Task.Kind))
	}
	kv, err := space.ParseSet(f.set)
	if err != nil {
		return nil, nil, inputErr(fmt.Errorf("train: --set: %w", err))
	}
	cfg, outside, err := spec.Point(kv)
	if err != nil {
		return nil, nil, inputErr(fmt.Errorf("train: --set: %w", err))
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
		return nil, nil, inputErr(fmt.Errorf("train: %s: %w", dataSource(path, f.dataPath), err))
	}
	if ds.Skipped > 0 {
		fmt.Fprintf(stderr, "train: %s skipped (empty or longer than max_len)\n", plural(ds.Skipped, "pair", "pairs"))
	}
	tr := spec.Training
	if f.epochs > 0 {
		tr.Epochs = f.epochs
	}
	if f.maxStepsSet {
		tr.MaxSteps = f.maxSteps
	}
	if f.threads > 0 {
		tr.Threads = f.threads
	}
	if tr.Threads <= 0 {
		tr.Threads = runtime.NumCPU()
	}
	runtime.GOMAXPROCS(tr.Threads) // the program's setting: package trainer leaves it alone
	seed := f.seed
	if !seedSet {
		seed = spec.Study.Seed
	}
	// The architecture objective.Estimate counts for this space on this data.
	arch := trainer.StudyArch(spec, ds)
	opts := trainer.Options{Training: tr, MaxL2Norm: spec.Budget.MaxL2Norm, Seed: seed, Threads: tr.Threads,
		Progress: stderr, EvalTest: true, Arch: &arch}
	fmt.Fprintf(stderr, "train: %s: %d/%d/%d pairs, vocab %d/%d, %s, %s\n", ds.Name, len(ds.Train), len(ds.Valid), len(ds.Test),
		ds.SrcVocab.Size(), ds.TgtVocab.Size(), cfg.SetString(), plural(tr.Threads, "thread", "threads"))
	res, err := trainer.Train(ctx, cfg, ds, opts)
	if err != nil {
		return nil, nil, fmt.Errorf("train: %w", err)
	}
	return &trainReport{
		Space: path, Config: cfg.SetString(), Outside: nonNil(outside), Data: ds.Name, Seed: seed,
		BLEU: res.TestBLEU, TokenAccuracy: res.TestAccuracy, ExactMatch: res.TestExact,
		ValidBLEU: res.ValidBLEU, ValidAccuracy: res.ValidAccuracy, LatencyMS: res.LatencyMS,
		Params: res.Params, L2Norm: res.L2Norm, TrainSeconds: res.TrainSeconds, Epochs: res.Epochs,
		Steps: res.Steps, PeakMemBytes: res.PeakMemBytes, Beam: max(tr.Beam, 1), Threads: tr.Threads,
	}, res, nil
}

// writeTrainTable prints the report as name/value rows in format (table, csv or md).
func writeTrainTable(w io.Writer, format string, r *trainReport) error {
	rows := [][]string{
		{"config", r.Config},
		{"data", r.Data},
		{"seed", strconv.FormatInt(r.Seed, 10)},
		{"threads", strconv.Itoa(r.Threads)},
		{"test BLEU", fmt.Sprintf("%.2f", r.BLEU)},
		{"test token accuracy", fmt.Sprintf("%.4f", r.TokenAccuracy)},
		{"test exact match", fmt.Sprintf("%.4f", r.ExactMatch)},
		{"valid BLEU", fmt.Sprintf("%.2f", r.ValidBLEU)},
		{"valid token accuracy", fmt.Sprintf("%.4f", r.ValidAccuracy)},
		{"latency (ms/sentence)", fmt.Sprintf("%.3f", r.LatencyMS)},
		{"params", fmt.Sprint(r.Params)},
		{"‖θ‖₂", fmt.Sprintf("%.4f", r.L2Norm)},
		{"train seconds", fmt.Sprintf("%.1f", r.TrainSeconds)},
		{"epochs / steps", fmt.Sprintf("%d / %d", r.Epochs, r.Steps)},
		{"peak heap (MiB)", fmt.Sprintf("%.1f", float64(r.PeakMemBytes)/(1<<20))},
	}
	if r.Trial != nil {
		rows = append(rows, []string{"retrained trial", strconv.Itoa(*r.Trial)}, []string{"reproduced", strconv.FormatBool(*r.Reproduced)})
	}
	if err := writeRows(w, format, []string{"name", "value"}, rows); err != nil {
		return fmt.Errorf("train: %w", err)
	}
	return nil
}
