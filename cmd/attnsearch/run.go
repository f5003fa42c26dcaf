package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"os/signal"
	"sort"
	"strings"
	"syscall"
	"time"

	"github.com/schollz/progressbar/v3"
	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/attnsearch/attnsearch/objective"
	"github.com/attnsearch/attnsearch/reports"
	"github.com/attnsearch/attnsearch/search"
	"github.com/attnsearch/attnsearch/space"
	"github.com/attnsearch/attnsearch/store"
	"github.com/attnsearch/attnsearch/trainer/data"
)

// runFlags are the flags of `attnsearch run`.
type runFlags struct {
	db, study, data string
	trials, workers int
	seed            int64
}

// newRunCmd builds `attnsearch run SPACE.yaml`.
func newRunCmd(stdout, stderr io.Writer) *cobra.Command {
	var f runFlags
	cmd := &cobra.Command{
		Use:   "run SPACE.yaml",
		Short: "Run (or resume) the study a space file declares",
		Long: `Run searches the space file's parameters: every trial samples a point, rejects it at once with
the reasons if the exact cost model says it breaks the budget, else trains it, reporting its
per-epoch score so the pruner can stop it early, and stores every figure in the store file.
At the end it prints the Pareto front of quality against cost.

Running the same command again on the same store resumes the study until it has the requested
number of finished trials: trials left RUNNING by a killed process are failed as stale and
their points retried. With workers: 1 and a fixed seed, an interrupted and resumed study samples
the same points and reaches the same scores as one that never stopped.

Ctrl-C (SIGINT) or SIGTERM stops taking new trials; running trials stop at their next training
step and are recorded as interrupted, to be retried on resume. A second signal exits at once;
the store stays consistent either way.

On a terminal, progress is a live bar (trials done, each running trial's epoch, best score,
elapsed and remaining time); otherwise one log line per event goes to stderr.`,
		Example: `  attnsearch run spaces/mt.yaml
  attnsearch run spaces/smoke.yaml --db smoke.db --trials 10 --workers 2 --seed 1
  attnsearch run spaces/tatoeba.yaml --data ../shared/data/tatoeba-en-de --study tatoeba-1`,
		Args: exactArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			return runStudy(c, args[0], f, stdout, stderr)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.db, "db", defaultDB, "store file (created if missing)")
	fl.StringVar(&f.study, "study", "", "study name (default: the space file's study.name)")
	fl.IntVar(&f.trials, "trials", 0, "finished trials wanted (default: the space file's study.trials)")
	fl.IntVar(&f.workers, "workers", 0, "parallel trials (default: the space file's study.workers; 0 there = one per core)")
	fl.StringVar(&f.data, "data", "", "corpus replacing the task's: aligned directory or TSV file")
	fl.Int64Var(&f.seed, "seed", 0, "study seed (default: the space file's study.seed)")
	return cmd
}

// applyRunFlags overrides spec with the flags the user set; bad values are input errors.
func applyRunFlags(c *cobra.Command, spec *space.Spec, f runFlags) error {
	fl := c.Flags()
	if fl.Changed("study") {
		if strings.TrimSpace(f.study) == "" {
			return inputErr(errors.New("run: --study must not be empty"))
		}
		spec.Study.Name = f.study
	}
	if fl.Changed("trials") {
		if f.trials < 1 {
			return inputErr(fmt.Errorf("run: --trials %d: want at least 1", f.trials))
		}
		spec.Study.Trials = f.trials
	}
	if fl.Changed("workers") {
		if f.workers < 1 {
			return inputErr(fmt.Errorf("run: --workers %d: want at least 1", f.workers))
		}
		spec.Study.Workers = f.workers
	}
	if fl.Changed("seed") {
		spec.Study.Seed = f.seed
	}
	return nil
}

// resumeCommand is the command line that resumes the study.
func resumeCommand(path string, c *cobra.Command, f runFlags) string {
	parts := []string{"attnsearch", "run", path, "--db", f.db}
	for _, name := range []string{"study", "trials", "workers", "seed", "data"} {
		if fl := c.Flags().Lookup(name); fl != nil && fl.Changed {
			parts = append(parts, "--"+name, fl.Value.String())
		}
	}
	return strings.Join(parts, " ")
}

// runStudy is the body of `attnsearch run`.
func runStudy(c *cobra.Command, path string, f runFlags, stdout, stderr io.Writer) error {
	spec, err := space.LoadWithCorpus(path, f.data) // --data replaces the task's corpus
	if err != nil {
		return inputErr(err)
	}
	if err := applyRunFlags(c, spec, f); err != nil {
		return err
	}
	ctx, cancel := context.WithCancel(c.Context())
	defer cancel()
	ds, err := data.Load(ctx, spec.Task, spec.Task.MaxLen)
	if err != nil {
		return inputErr(fmt.Errorf("run: %w", err))
	}
	// A budget that no point of the space can meet is an error of the file: reject it before the
	// store is touched, with the real vocabulary sizes.
	if err := objective.ValidateSpace(spec, objective.ArchFor(spec, ds.SrcVocab.Size(), ds.TgtVocab.Size())); err != nil {
		return inputErr(fmt.Errorf("run: %w", err))
	}
	st, err := store.Open(f.db, store.Options{})
	if err != nil {
		if errors.Is(err, store.ErrNotStore) || errors.Is(err, store.ErrSchema) {
			return inputErr(fmt.Errorf("run: %w", err))
		}
		return fmt.Errorf("run: %w", err)
	}
	defer st.Close()

	// First signal: stop taking trials and let running ones stop; second: exit at once.
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	defer signal.Stop(sigs)
	finished := make(chan struct{})
	defer close(finished)
	go func() {
		select {
		case s := <-sigs:
			fmt.Fprintf(stderr, "\nrun: %v: no new trials; running trials stop at their next step and will be retried (send again to exit at once)\n", s)
			cancel()
		case <-finished:
			return
		}
		select {
		case <-sigs:
			fmt.Fprintf(stderr, "\nrun: exiting now; the store is consistent. Resume with: %s\n", resumeCommand(path, c, f))
			os.Exit(exitRuntime)
		case <-finished:
		}
	}()

	prog := newProgress(stderr, spec.Study.Trials)
	fmt.Fprintf(stderr, "run: study %s in %s: %d trials, sampler %s, pruner %s, data %s (%d/%d/%d pairs, vocab %d/%d)\n",
		spec.Study.Name, f.db, spec.Study.Trials, spec.Study.Sampler.Kind, spec.Study.Pruner.Kind, ds.Name,
		len(ds.Train), len(ds.Valid), len(ds.Test), ds.SrcVocab.Size(), ds.TgtVocab.Size())
	res, err := search.Run(ctx, spec, st, search.Options{OnEvent: prog.event, Dataset: ds})
	prog.finish()
	if err != nil {
		return fmt.Errorf("run: %w", err)
	}
	if res.Interrupted {
		if err := st.Close(); err != nil {
			return fmt.Errorf("run: close store: %w", err)
		}
		fmt.Fprintf(stderr, "run: interrupted with %d of %d trials finished. Resume with: %s\n", res.Done, res.Total, resumeCommand(path, c, f))
		return errors.New("run: interrupted")
	}
	rep, err := reports.Load(st, spec.Study.Name)
	if err != nil {
		return fmt.Errorf("run: %w", err)
	}
	if err := rep.Write(stdout, "table", false); err != nil {
		return fmt.Errorf("run: %w", err)
	}
	fmt.Fprintf(stderr, "run: study %s done: %d trials finished (%d this run, in %s). Details: attnsearch report --db %s --study %s --all\n",
		res.Study, res.Done, res.Ran, res.Elapsed.Round(time.Second), f.db, res.Study)
	return nil
}

// progress renders search events: a live bar on a terminal, log lines otherwise.
type progress struct {
	w       io.Writer
	bar     *progressbar.ProgressBar // nil: log lines
	total   int
	base    int // trials already finished when this run started
	start   time.Time
	epochs  map[int]string // running trial → "epoch/epochs"
	best    float64
	done    int
	lastLog time.Time
}

// newProgress chooses the bar when w is a terminal.
func newProgress(w io.Writer, total int) *progress {
	p := &progress{w: w, total: total, start: time.Now(), epochs: map[int]string{}, best: math.NaN()}
	if f, ok := w.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		p.bar = progressbar.NewOptions(total,
			progressbar.OptionSetWriter(w), progressbar.OptionShowCount(), progressbar.OptionSetPredictTime(true),
			progressbar.OptionSetElapsedTime(true), progressbar.OptionSetWidth(24),
			progressbar.OptionThrottle(200*time.Millisecond), progressbar.OptionShowDescriptionAtLineEnd(),
			progressbar.OptionSetItsString("trials"))
	}
	return p
}

// describe is the bar's description: best score and each running trial's epoch.
func (p *progress) describe() string {
	nums := make([]int, 0, len(p.epochs))
	for n := range p.epochs {
		nums = append(nums, n)
	}
	sort.Ints(nums)
	parts := make([]string, 0, len(nums)+1)
	for _, n := range nums {
		parts = append(parts, fmt.Sprintf("#%d ep %s", n, p.epochs[n]))
	}
	best := "best -"
	if !math.IsNaN(p.best) {
		best = fmt.Sprintf("best %.3f", p.best)
	}
	return strings.Join(append([]string{best}, parts...), " | ")
}

// eta estimates the time left from this run's pace.
func (p *progress) eta() string {
	ran := p.done - p.base
	if ran <= 0 {
		return "?"
	}
	per := time.Since(p.start) / time.Duration(ran)
	return (per * time.Duration(p.total-p.done)).Round(time.Second).String()
}

// event handles one search event (Run serialises the calls).
func (p *progress) event(e search.Event) {
	switch e.Kind {
	case search.EventStudy:
		p.base, p.done = e.Done, e.Done
		if e.Message != "" {
			p.log("run: %s", e.Message)
		}
		if p.bar != nil {
			p.bar.ChangeMax(e.Total)
			_ = p.bar.Set(e.Done)
		}
	case search.EventTrialStart:
		if e.Config.DModel > 0 {
			p.epochs[e.Trial] = fmt.Sprintf("0/%d", e.Epochs)
			p.log("trial %d: training %s", e.Trial, e.Config.SetString())
		}
	case search.EventEpoch:
		p.epochs[e.Trial] = fmt.Sprintf("%d/%d", e.Epoch, e.Epochs)
		p.log("trial %d: epoch %d/%d, score %.3f", e.Trial, e.Epoch, e.Epochs, e.Value)
	case search.EventTrialEnd:
		delete(p.epochs, e.Trial)
		p.done, p.best = e.Done, e.Best
		msg := ""
		if e.Message != "" {
			msg = " (" + e.Message + ")"
		}
		best := "-"
		if !math.IsNaN(e.Best) {
			best = fmt.Sprintf("%.3f", e.Best)
		}
		p.log("trial %d: %s, score %.3f%s; %d/%d done, best %s, elapsed %s, left ~%s", e.Trial,
			reports.StateName(e.State), e.Value, msg, e.Done, e.Total, best,
			time.Since(p.start).Round(time.Second), p.eta())
		if p.bar != nil {
			_ = p.bar.Set(e.Done)
		}
	case search.EventWarning:
		p.log("run: warning: %s", e.Message)
	}
	if p.bar != nil {
		p.bar.Describe(p.describe())
	}
}

// log prints a line when there is no bar (and warnings always).
func (p *progress) log(format string, args ...interface{}) {
	if p.bar != nil && !strings.HasPrefix(format, "run:") {
		return
	}
	if p.bar != nil {
		_ = p.bar.Clear()
	}
	fmt.Fprintf(p.w, format+"\n", args...)
}

// finish ends the bar's line.
func (p *progress) finish() {
	if p.bar != nil {
		_ = p.bar.Finish()
		fmt.Fprintln(p.w)
	}
}
