package main

import (
	"context"
	"errors"
	"fmt"
	"github.com/attnsearch/attnsearch/record"
	"io"
	"math"
	"os"
	"os/signal"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/schollz/progressbar/v3"
	"github.com/spf13/cobra"
	"golang.org/x/term"

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
	staleAfter      time.Duration
	checkpointEvery time.Duration
	force           bool
	format          string
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
  attnsearch run spaces/tatoeba.yaml --data corpora/deu-eng.txt --study tatoeba-1
  ATTNSEARCH_DB=postgres://user:pass@db:5432/studies attnsearch run spaces/mt.yaml --workers 2   # the same on every machine`,
		Args: exactArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			return runStudy(c, args[0], f, stdout, stderr)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.db, "db", defaultDB, dbUsage+"; created if missing")
	fl.StringVar(&f.study, "study", "", "study name (default: the space file's study.name)")
	fl.IntVar(&f.trials, "trials", 0, "finished trials wanted (default: the space file's study.trials)")
	fl.IntVar(&f.workers, "workers", 0, "parallel trials, 0 = one per core (default: the space file's study.workers)")
	fl.StringVar(&f.data, "data", "", "corpus replacing the task's: aligned directory or TSV file")
	fl.Int64Var(&f.seed, "seed", 0, "study seed (default: the space file's study.seed)")
	fl.StringVar(&f.format, "format", formatTable, "the final front's "+formatUsage(allFormats()...))
	fl.BoolVar(&f.force, "force", false, "run the study although this space file's task or parameters differ from those it was started with (its trials then mix with the stored ones)")
	fl.DurationVar(&f.staleAfter, "stale-after", 0, "shared store (postgres://) only: a RUNNING trial whose heartbeat is older than this belongs to a dead worker and is retried (default 2m)")
	fl.DurationVar(&f.checkpointEvery, "checkpoint-every", search.DefaultCheckpointEvery, "study.strategy supernet only: how often the SuperTransformer's training is checkpointed in the store")
	return cmd
}

// runBounds are the ranges of run's integer flags: those of study.trials and study.workers.
var runBounds = []intBound{
	{name: "trials", lo: 1, hi: space.MaxTrials},
	{name: "workers", lo: 0, hi: space.MaxWorkers, note: "0 = one per core"},
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
	if err := checkBounds(c, "run", runBounds...); err != nil {
		return err
	}
	if fl.Changed("trials") {
		spec.Study.Trials = f.trials
	}
	if fl.Changed("workers") {
		spec.Study.Workers = f.workers
	}
	if fl.Changed("seed") {
		spec.Study.Seed = f.seed
	}
	return nil
}

// resumeCommand is the command line that resumes the study (without the store URL's password).
func resumeCommand(path string, c *cobra.Command, st store.DB) string {
	parts := []string{"attnsearch", "run", path + dbArg(c, st)}
	for _, name := range []string{"study", "trials", "workers", "seed", "data"} {
		if fl := c.Flags().Lookup(name); fl != nil && fl.Changed {
			parts = append(parts, "--"+name, fl.Value.String())
		}
	}
	return strings.Join(parts, " ")
}

// runStudy is the body of `attnsearch run`.
func runStudy(c *cobra.Command, path string, f runFlags, stdout, stderr io.Writer) error {
	if err := checkFormat("run", f.format, allFormats()...); err != nil {
		return err
	}
	with := search.Registries()
	with.Corpus = f.data // --data replaces the task's corpus
	spec, err := space.LoadWith(path, with)
	if err != nil {
		return inputErr(err)
	}
	if err := applyRunFlags(c, spec, f); err != nil {
		return err
	}
	if spec.Training.Threads > 0 && spec.Study.Workers == 1 {
		runtime.GOMAXPROCS(spec.Training.Threads) // the program's setting: the libraries leave it alone
	}
	ctx, cancel := context.WithCancel(c.Context())
	defer cancel()
	var ds *data.Dataset
	kind, err := search.KindOf(spec)
	if err != nil {
		return inputErr(fmt.Errorf("run: %w", err))
	}
	what := kind.Describe(spec)
	if kind.Transformer {
		if ds, err = data.Load(ctx, spec.Task, spec.Task.MaxLen); err != nil {
			return inputErr(fmt.Errorf("run: %w", err))
		}
		what = fmt.Sprintf("data %s (%d/%d/%d pairs, vocab %d/%d)", ds.Name,
			len(ds.Train), len(ds.Valid), len(ds.Test), ds.SrcVocab.Size(), ds.TgtVocab.Size())
	}
	prog := newProgress(stderr, kind.Planned(spec))
	if f.staleAfter < 0 || (c.Flags().Changed("stale-after") && f.staleAfter == 0) {
		return inputErr(fmt.Errorf("run: --stale-after %v: want a positive duration", f.staleAfter))
	}
	if c.Flags().Changed("stale-after") && (!strings.Contains(f.db, "://") || strings.HasPrefix(strings.ToLower(f.db), "file://")) {
		return inputErr(fmt.Errorf("run: --stale-after applies to a store shared by several processes (postgres://); the bbolt file %s is held by one process, whose RUNNING trials are all dead when it starts", f.db))
	}
	if f.checkpointEvery <= 0 {
		return inputErr(fmt.Errorf("run: --checkpoint-every %v: want a positive duration", f.checkpointEvery))
	}
	prep, err := search.Prepare(ctx, spec, search.Options{OnEvent: prog.event, Dataset: ds, StaleGrace: f.staleAfter, Force: f.force,
		CheckpointEvery: f.checkpointEvery})
	if err != nil {
		// A budget that no point of the space can meet is an error of the file, found before the
		// store is touched.
		return inputOrRuntime(fmt.Errorf("run: %w", err))
	}
	st, err := openStore(ctx, f.db, store.OpenOptions{})
	if err != nil {
		return inputOrRuntime(fmt.Errorf("run: %w", err))
	}
	defer st.Close()
	if c.Flags().Changed("stale-after") && !store.IsShared(st) {
		return inputErr(fmt.Errorf("run: --stale-after applies to a store shared by several processes (postgres://); %s is held by this process alone, so its RUNNING trials are all dead", st.Location()))
	}

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
			fmt.Fprintf(stderr, "\nrun: exiting now; the store is consistent. Resume with: %s\n", resumeCommand(path, c, st))
			os.Exit(exitRuntime)
		case <-finished:
		}
	}()

	prog.log("run: %s", kind.Headline(spec, st.Location(), what))
	res, err := prep.Run(ctx, st)
	prog.finish()
	if errors.Is(err, search.ErrSpaceChanged) {
		return inputErr(fmt.Errorf("run: %s: %w", path, err))
	}
	if err != nil {
		return fmt.Errorf("run: %w", err)
	}
	if res.Interrupted {
		if err := st.Close(); err != nil {
			return fmt.Errorf("run: close store: %w", err)
		}
		prog.log("run: interrupted with %d of %s finished. Resume with: %s", res.Done, plural(res.Total, "trial", "trials"), resumeCommand(path, c, st))
		return errors.New("run: interrupted")
	}
	rep, err := reports.LoadFidelity(st, spec.Study.Name, "")
	if err != nil {
		return fmt.Errorf("run: %w", err)
	}
	if err := rep.Write(stdout, f.format, false); err != nil {
		return fmt.Errorf("run: %w", err)
	}
	prog.log("run: study %s done: %s finished (%d this run, in %s). Details: attnsearch report%s --study %s --all",
		res.Study, plural(res.Done, "trial", "trials"), res.Ran, res.Elapsed.Round(time.Second), dbArg(c, st), res.Study)
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
		if e.Epochs == 0 { // a command: steps, not epochs, and its own parameters
			p.epochs[e.Trial] = "0"
			p.log("trial %d: running %s", e.Trial, pointText(e.Point))
			break
		}
		p.epochs[e.Trial] = fmt.Sprintf("0/%d", e.Epochs)
		p.log("trial %d: training %s", e.Trial, e.Config.SetString())
	case search.EventEpoch:
		if e.Epochs == 0 {
			p.epochs[e.Trial] = strconv.Itoa(e.Epoch)
			p.log("trial %d: step %d, score %.4g", e.Trial, e.Epoch, e.Value)
			break
		}
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
		p.log("trial %d: %s, score %s%s; %d/%d done, best %s, elapsed %s, left ~%s", e.Trial,
			record.StateName(e.State), scoreText(e.Value), msg, e.Done, e.Total, best,
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

// scoreText renders a score: three decimals, or four significant digits when it is huge (a
// command's infeasible trials score below -1e300).
func scoreText(v float64) string {
	if math.Abs(v) >= 1e9 {
		return strconv.FormatFloat(v, 'g', 4, 64)
	}
	return strconv.FormatFloat(v, 'f', 3, 64)
}

// pointText renders a command's point as name=value pairs in name order.
func pointText(pt map[string]any) string {
	names := make([]string, 0, len(pt))
	for k := range pt {
		names = append(names, k)
	}
	sort.Strings(names)
	parts := make([]string, len(names))
	for i, n := range names {
		v := pt[n]
		if f, ok := v.(float64); ok {
			v = strconv.FormatFloat(f, 'g', 4, 64)
		}
		parts[i] = fmt.Sprintf("%s=%v", n, v)
	}
	return strings.Join(parts, ",")
}

// log prints a timestamped line when there is no bar (and warnings always).
func (p *progress) log(format string, args ...interface{}) {
	if p.bar != nil && !strings.HasPrefix(format, "run:") {
		return
	}
	if p.bar != nil {
		_ = p.bar.Clear()
	}
	// Log lines start with the time (RFC 3339, local zone, seconds), so that a log read later says when.
	fmt.Fprintf(p.w, "%s %s\n", time.Now().Format(time.RFC3339), fmt.Sprintf(format, args...))
}

// finish ends the bar's line.
func (p *progress) finish() {
	if p.bar != nil {
		_ = p.bar.Finish()
		fmt.Fprintln(p.w)
	}
}
