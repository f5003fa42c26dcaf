package search

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"reflect"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/attnsearch/attnsearch/objective"
	"github.com/attnsearch/attnsearch/reports"
	"github.com/attnsearch/attnsearch/space"
	"github.com/attnsearch/attnsearch/trainer"
	"github.com/attnsearch/attnsearch/trainer/data"
	"github.com/c-bata/goptuna"
	"golang.org/x/sync/errgroup"
)

// Storage is what Run needs of a trial store: goptuna's storage plus heartbeats of running trials
// and the recovery of trials whose worker died (store.Store implements it).
type Storage interface {
	goptuna.Storage
	// Heartbeat refreshes the heartbeat of a RUNNING trial.
	Heartbeat(trialID int) error
	// RecoverStale marks FAIL the study's RUNNING trials whose heartbeat is older than grace.
	RecoverStale(studyID int, grace time.Duration) ([]goptuna.FrozenTrial, error)
}

// EventKind says what an Event reports.
type EventKind int

// Event kinds, in the order a trial produces them.
const (
	EventStudy      EventKind = iota // the study is open: Done, Total, Message (resume notes)
	EventTrialStart                  // a trial starts: Trial, Config (zero before sampling)
	EventEpoch                       // a trial finished an epoch: Trial, Epoch, Epochs, Value (intermediate score)
	EventTrialEnd                    // a trial finished: Trial, State, Value, Message (reason), Done, Best
	EventWarning                     // something worth telling the user: Message
)

// Event is a progress notice from Run; Run calls Options.OnEvent from its workers, serialised.
type Event struct {
	Kind    EventKind          // what happened
	Trial   int                // trial number
	Config  space.Config       // the sampled point (EventTrialStart, EventTrialEnd)
	Epoch   int                // epoch just finished (EventEpoch)
	Epochs  int                // epochs planned per trial
	State   goptuna.TrialState // final state (EventTrialEnd)
	Value   float64            // score (EventEpoch: intermediate; EventTrialEnd: final)
	Best    float64            // best final score of the study so far (EventTrialEnd; NaN if none)
	Done    int                // finished trials counted towards Total
	Total   int                // finished trials wanted
	Message string             // reason or note
}

// Options tunes Run; zero values take the space file's settings.
type Options struct {
	HeartbeatEvery time.Duration // period of running trials' heartbeats (0 = 5s)
	StaleGrace     time.Duration // a RUNNING trial older than this at start is dead (0: every RUNNING trial, the caller holds the store exclusively)
	OnEvent        func(Event)   // progress notices (nil = none)
	Dataset        *data.Dataset // the data to train on (nil = load the space file's task)
}

// Result sums up what Run did.
type Result struct {
	Study       string        // study name
	StudyID     int           // study ID in the store
	Done        int           // finished trials counted towards Total
	Total       int           // finished trials wanted
	Ran         int           // trials this call finished (any state)
	Requeued    int           // interrupted or stale trials whose points were enqueued again
	Recovered   int           // RUNNING trials of a dead process failed as stale at start
	Interrupted bool          // the context was cancelled before the study was done
	Elapsed     time.Duration // wall time of this call
}

// runner holds one Run's shared, read-only setup and its serialised progress state.
type runner struct {
	spec         *space.Spec
	st           Storage
	opts         Options
	study        *goptuna.Study
	ds           *data.Dataset
	arch         objective.Arch
	refCost      float64
	maxPositions int
	threads      int
	workers      int

	mu       sync.Mutex // guards the fields below and OnEvent calls
	done     int
	inflight int
	best     float64
	ran      int
}

// errInterrupted marks a trial stopped because the study was interrupted.
var errInterrupted = errors.New("interrupted")

// Run runs (or resumes) the study of spec on st until it has spec.Study.Trials finished trials,
// or ctx is cancelled. Sampler, pruner, workers, seed and task come from spec.
func Run(ctx context.Context, spec *space.Spec, st Storage, opts Options) (*Result, error) {
	start := time.Now()
	r := &runner{spec: spec, st: st, opts: opts, best: nanValue()}
	if r.opts.HeartbeatEvery <= 0 {
		r.opts.HeartbeatEvery = 5 * time.Second
	}
	workers := spec.Study.Workers
	if workers <= 0 {
		workers = runtime.NumCPU()
	}
	r.workers = workers
	r.threads = spec.Training.Threads
	if r.threads <= 0 {
		r.threads = max(1, runtime.NumCPU()/workers)
	}

	r.ds = opts.Dataset
	if r.ds == nil {
		ds, err := data.Load(ctx, spec.Task, spec.Task.MaxLen)
		if err != nil {
			return nil, fmt.Errorf("search: load data: %w", err)
		}
		r.ds = ds
	}
	r.arch = objective.ArchFor(spec, r.ds.SrcVocab.Size(), r.ds.TgtVocab.Size())
	r.refCost = objective.RefCost(spec.Objective, spec.Budget)
	// The learned position tables objective.Estimate counts, when they cover the data (else the
	// trainer's own size: a task without max_len).
	if mp := objective.MaxPositions(spec.Task); mp >= trainer.ArchFor(r.ds, spec.Training).MaxPositions {
		r.maxPositions = mp
	}

	study, err := r.openStudy()
	if err != nil {
		return nil, err
	}
	r.study = study
	res := &Result{Study: spec.Study.Name, StudyID: study.ID, Total: spec.Study.Trials}

	stale, err := st.RecoverStale(study.ID, opts.StaleGrace)
	if err != nil {
		return nil, fmt.Errorf("search: recover stale trials of %s: %w", spec.Study.Name, err)
	}
	res.Recovered = len(stale)
	if res.Requeued, err = r.requeue(); err != nil {
		return nil, err
	}
	if r.done, r.best, err = r.count(); err != nil {
		return nil, err
	}
	note := ""
	if r.done > 0 || res.Requeued > 0 {
		note = fmt.Sprintf("resuming: %d of %d trials finished, %d stale recovered, %d points to retry",
			r.done, res.Total, res.Recovered, res.Requeued)
	}
	r.emit(Event{Kind: EventStudy, Done: r.done, Total: res.Total, Message: note})

	g, gctx := errgroup.WithContext(ctx)
	for w := 0; w < workers; w++ {
		g.Go(func() error { return r.worker(gctx) })
	}
	werr := g.Wait()
	res.Done, res.Ran = r.done, r.ran
	res.Elapsed = time.Since(start)
	res.Interrupted = ctx.Err() != nil && res.Done < res.Total
	if werr != nil && !res.Interrupted {
		return res, werr
	}
	return res, nil
}

// nanValue is the "no score yet" value.
func nanValue() float64 { return math.NaN() }

// isNaN reports whether v is NaN.
func isNaN(v float64) bool { return math.IsNaN(v) }

// openStudy creates or loads the study, with the deterministic sampler and the pruner on the
// FAIL-free view, and records StudyInfo once.
func (r *runner) openStudy() (*goptuna.Study, error) {
	spec := r.spec
	ps, err := newPointSampler(spec.Study.Sampler, spec.Study.Seed)
	if err != nil {
		return nil, err
	}
	inner, err := newPruner(spec.Study.Pruner)
	if err != nil {
		return nil, err
	}
	logger := quietLogger{warn: func(m string) { r.emit(Event{Kind: EventWarning, Message: m}) }}
	sopts := []goptuna.StudyOption{
		goptuna.StudyOptionStorage(r.st),
		goptuna.StudyOptionDirection(goptuna.StudyDirectionMaximize),
		goptuna.StudyOptionSampler(ps),
		goptuna.StudyOptionLogger(logger),
		goptuna.StudyOptionLoadIfExists(true),
	}
	if spec.Study.Sampler.Kind == "sobol" || spec.Study.Sampler.Kind == "cmaes" {
		// goptuna's IntersectionSearchSpace compares distributions with != and panics on
		// categorical ones, so the relative samplers get the space's distributions up front.
		ss, err := searchSpace(spec)
		if err != nil {
			return nil, err
		}
		sopts = append(sopts, goptuna.StudyOptionRelativeSampler(ps), goptuna.StudyOptionDefineSearchSpace(ss))
	}
	study, err := goptuna.CreateStudy(spec.Study.Name, sopts...)
	if err != nil {
		return nil, fmt.Errorf("search: open study %s: %w", spec.Study.Name, err)
	}
	if d := study.Direction(); d != goptuna.StudyDirectionMaximize {
		return nil, fmt.Errorf("search: study %s exists with direction %s, want maximize", spec.Study.Name, d)
	}
	view, err := goptuna.LoadStudy(spec.Study.Name,
		goptuna.StudyOptionStorage(noFailStorage{r.st}), goptuna.StudyOptionLogger(logger))
	if err != nil {
		return nil, fmt.Errorf("search: view of study %s: %w", spec.Study.Name, err)
	}
	ps.view = view
	if inner != nil {
		study.Pruner = &viewPruner{inner: inner, view: view}
	}
	attrs, err := r.st.GetStudySystemAttrs(study.ID)
	if err != nil {
		return nil, fmt.Errorf("search: study %s attributes: %w", spec.Study.Name, err)
	}
	info := InfoOf(spec)
	if js, ok := attrs[reports.SysStudyInfo]; ok {
		var stored reports.StudyInfo
		if err := json.Unmarshal([]byte(js), &stored); err != nil {
			return nil, fmt.Errorf("search: study %s: %s: %w", spec.Study.Name, reports.SysStudyInfo, err)
		}
		if d := infoDiff(stored, info); d != "" {
			r.emit(Event{Kind: EventWarning, Message: fmt.Sprintf(
				"study %s was started with other settings (%s); continuing with the new ones, reports keep the original objective and budget", spec.Study.Name, d)})
		}
		// Only the requested count follows the latest run (--trials raises it).
		stored.Trials = info.Trials
		info = stored
	}
	b, err := json.Marshal(info)
	if err != nil {
		return nil, fmt.Errorf("search: encode study info: %w", err)
	}
	if attrs[reports.SysStudyInfo] != string(b) {
		if err := r.st.SetStudySystemAttr(study.ID, reports.SysStudyInfo, string(b)); err != nil {
			return nil, fmt.Errorf("search: store study info: %w", err)
		}
	}
	return study, nil
}

// infoDiff names the settings that differ between a stored and a new StudyInfo (the target
// count and the space file's path aside), or returns "".
func infoDiff(a, b reports.StudyInfo) string {
	var d []string
	if a.Seed != b.Seed {
		d = append(d, fmt.Sprintf("seed %d, now %d", a.Seed, b.Seed))
	}
	if a.Sampler != b.Sampler || a.Pruner != b.Pruner {
		d = append(d, fmt.Sprintf("sampler/pruner %s/%s, now %s/%s", a.Sampler, a.Pruner, b.Sampler, b.Pruner))
	}
	if !reflect.DeepEqual(a.Objective, b.Objective) {
		d = append(d, "objective")
	}
	if a.Budget != b.Budget {
		d = append(d, "budget")
	}
	if strings.Join(a.Searched, ",") != strings.Join(b.Searched, ",") {
		d = append(d, "searched parameters")
	}
	return strings.Join(d, "; ")
}

// searchSpace returns the distributions spec.Sample suggests (it suggests every declared,
// non-fixed parameter unconditionally), found by sampling once on a throwaway in-memory study.
func searchSpace(spec *space.Spec) (map[string]interface{}, error) {
	probe, err := goptuna.CreateStudy("probe", goptuna.StudyOptionLogger(nil),
		goptuna.StudyOptionSampler(goptuna.NewRandomSampler(goptuna.RandomSamplerOptionSeed(0))))
	if err != nil {
		return nil, fmt.Errorf("search: probe study: %w", err)
	}
	id, err := probe.Storage.CreateNewTrial(probe.ID)
	if err != nil {
		return nil, fmt.Errorf("search: probe trial: %w", err)
	}
	if _, err := spec.Sample(&goptuna.Trial{Study: probe, ID: id}); err != nil && !errors.Is(err, space.ErrStructural) {
		return nil, fmt.Errorf("search: probe the space: %w", err)
	}
	ft, err := probe.Storage.GetTrial(id)
	if err != nil {
		return nil, fmt.Errorf("search: probe trial: %w", err)
	}
	return ft.Distributions, nil
}

// InfoOf is the StudyInfo a study of spec stores.
func InfoOf(spec *space.Spec) reports.StudyInfo {
	info := reports.StudyInfo{
		SpaceFile: spec.File, Trials: spec.Study.Trials, Seed: spec.Study.Seed,
		Sampler: spec.Study.Sampler.Kind, Pruner: spec.Study.Pruner.Kind,
		Objective: spec.Objective, Budget: spec.Budget,
	}
	for _, p := range spec.Params {
		if p.Kind != "fixed" {
			info.Searched = append(info.Searched, p.Name)
		}
	}
	return info
}

// retriable reports whether a FAIL trial's point must be tried again (interrupted or stale).
func retriable(ft goptuna.FrozenTrial) bool { return reports.Retried(ft) }

// requeue enqueues, once, the point of every retriable FAIL trial that no trial retries yet.
func (r *runner) requeue() (int, error) {
	trials, err := r.st.GetAllTrials(r.study.ID)
	if err != nil {
		return 0, fmt.Errorf("search: list trials: %w", err)
	}
	retried := map[string]bool{}
	for _, t := range trials {
		if s, ok := t.SystemAttrs[reports.SysRetryOf]; ok {
			retried[s] = true
		}
	}
	n := 0
	for _, t := range trials {
		num := strconv.Itoa(t.Number)
		if !retriable(t) || retried[num] {
			continue
		}
		params := map[string]float64{}
		if js, ok := t.SystemAttrs["fixed_params"]; ok {
			// A retry that died before its suggest calls still carries its point here.
			if err := json.Unmarshal([]byte(js), &params); err != nil {
				return n, fmt.Errorf("search: trial %d fixed_params: %w", t.Number, err)
			}
		}
		for k, v := range t.InternalParams {
			params[k] = v
		}
		fixed, err := json.Marshal(params)
		if err != nil {
			return n, fmt.Errorf("search: encode params of trial %d: %w", t.Number, err)
		}
		sys := map[string]string{"fixed_params": string(fixed), reports.SysRetryOf: num}
		for _, k := range []string{reports.SysSeed, reports.SysOrdinal} {
			if v, ok := t.SystemAttrs[k]; ok {
				sys[k] = v
			}
		}
		if _, ok := sys[reports.SysOrdinal]; !ok {
			// Died before it stored its ordinal: derive it as it would have.
			ord, err := ordinalOf(r.study, t)
			if err != nil {
				return n, err
			}
			sys[reports.SysOrdinal] = strconv.Itoa(ord)
			sys[reports.SysSeed] = strconv.FormatInt(TrialSeed(r.spec.Study.Seed, ord), 10)
		}
		waiting := goptuna.FrozenTrial{
			ID: -1, StudyID: r.study.ID, Number: -1, State: goptuna.TrialStateWaiting,
			DatetimeStart:      time.Now(),
			IntermediateValues: map[int]float64{}, InternalParams: map[string]float64{},
			Params: map[string]interface{}{}, Distributions: map[string]interface{}{},
			UserAttrs: map[string]string{}, SystemAttrs: sys,
		}
		if _, err := r.st.CloneTrial(r.study.ID, waiting); err != nil {
			return n, fmt.Errorf("search: enqueue retry of trial %d: %w", t.Number, err)
		}
		n++
	}
	return n, nil
}

// count returns the finished trials that count towards the target and the best final score.
func (r *runner) count() (int, float64, error) {
	trials, err := r.st.GetAllTrials(r.study.ID)
	if err != nil {
		return 0, 0, fmt.Errorf("search: list trials: %w", err)
	}
	done, best := 0, nanValue()
	for _, t := range trials {
		if counts(t) {
			done++
		}
		if t.State == goptuna.TrialStateComplete && (isNaN(best) || t.Value > best) {
			best = t.Value
		}
	}
	return done, best, nil
}

// counts reports whether a trial counts towards the requested number of finished trials.
func counts(t goptuna.FrozenTrial) bool {
	return t.State == goptuna.TrialStateComplete || t.State == goptuna.TrialStatePruned ||
		(t.State == goptuna.TrialStateFail && !retriable(t))
}

// emit delivers one event, serialised.
func (r *runner) emit(e Event) {
	if r.opts.OnEvent == nil {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.opts.OnEvent(e)
}

// worker runs trials until the study has enough, ctx is cancelled, or the store fails.
func (r *runner) worker(ctx context.Context) error {
	for {
		if ctx.Err() != nil {
			return nil
		}
		r.mu.Lock()
		if r.done+r.inflight >= r.spec.Study.Trials {
			r.mu.Unlock()
			return nil
		}
		r.inflight++
		r.mu.Unlock()

		out, err := r.runTrial(ctx)

		r.mu.Lock()
		r.inflight--
		if err == nil {
			r.ran++
			if !out.retry {
				r.done++
			}
			if out.state == goptuna.TrialStateComplete && (isNaN(r.best) || out.value > r.best) {
				r.best = out.value
			}
		}
		done, best := r.done, r.best
		r.mu.Unlock()
		if err != nil {
			return err
		}
		r.emit(Event{Kind: EventTrialEnd, Trial: out.number, Config: out.cfg, State: out.state,
			Value: out.value, Best: best, Done: done, Total: r.spec.Study.Trials, Message: out.reason})
	}
}

// outcome is how one trial ended.
type outcome struct {
	number int
	cfg    space.Config
	state  goptuna.TrialState
	value  float64
	retry  bool   // interrupted: its point is tried again
	reason string // why it is not a plain COMPLETE
}

// popWaiting claims the first WAITING trial of the study, or returns -1.
func (r *runner) popWaiting() (int, error) {
	trials, err := r.st.GetAllTrials(r.study.ID)
	if err != nil {
		return -1, fmt.Errorf("search: list trials: %w", err)
	}
	for _, t := range trials {
		if t.State != goptuna.TrialStateWaiting {
			continue
		}
		err := r.st.SetTrialState(t.ID, goptuna.TrialStateRunning)
		if errors.Is(err, goptuna.ErrTrialCannotBeUpdated) {
			continue // another worker took it
		}
		if err != nil {
			return -1, fmt.Errorf("search: claim trial %d: %w", t.Number, err)
		}
		return t.ID, nil
	}
	return -1, nil
}

// runTrial takes a waiting trial (a retry) or creates one, evaluates it and records its end.
// An error is a store failure; the trial's own failures are outcomes.
func (r *runner) runTrial(ctx context.Context) (outcome, error) {
	id, err := r.popWaiting()
	if err != nil {
		return outcome{}, err
	}
	if id < 0 {
		if id, err = r.st.CreateNewTrial(r.study.ID); err != nil {
			return outcome{}, fmt.Errorf("search: create trial: %w", err)
		}
	}
	trial := goptuna.Trial{Study: r.study, ID: id}
	ft, err := r.st.GetTrial(id)
	if err != nil {
		return outcome{}, fmt.Errorf("search: read trial %d: %w", id, err)
	}
	out := outcome{number: ft.Number, value: nanValue()}
	r.emit(Event{Kind: EventTrialStart, Trial: ft.Number})

	stopBeat := r.heartbeat(id)
	ev, evalErr := r.evaluate(ctx, &trial, ft, &out)
	stopBeat()

	switch {
	case evalErr == nil:
		out.state, out.value = goptuna.TrialStateComplete, ev
		if err := r.st.SetTrialValue(id, ev); err != nil {
			return out, fmt.Errorf("search: trial %d value: %w", ft.Number, err)
		}
	case errors.Is(evalErr, goptuna.ErrTrialPruned):
		out.state, out.value = goptuna.TrialStatePruned, ev
		if err := r.st.SetTrialValue(id, ev); err != nil {
			return out, fmt.Errorf("search: trial %d value: %w", ft.Number, err)
		}
	default:
		out.state = goptuna.TrialStateFail
		if errors.Is(evalErr, errInterrupted) || ctx.Err() != nil {
			out.retry = true
			if err := r.st.SetTrialSystemAttr(id, reports.SysRetry, "1"); err != nil {
				return out, fmt.Errorf("search: trial %d: %w", ft.Number, err)
			}
		}
		out.reason = evalErr.Error()
		if err := r.st.SetTrialUserAttr(id, reports.KeyError, evalErr.Error()); err != nil {
			return out, fmt.Errorf("search: trial %d: %w", ft.Number, err)
		}
	}
	if err := r.st.SetTrialState(id, out.state); err != nil {
		return out, fmt.Errorf("search: trial %d state: %w", ft.Number, err)
	}
	return out, nil
}

// heartbeat refreshes trial id's heartbeat until the returned stop is called.
func (r *runner) heartbeat(id int) (stop func()) {
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTicker(r.opts.HeartbeatEvery)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				if err := r.st.Heartbeat(id); err != nil {
					r.emit(Event{Kind: EventWarning, Message: fmt.Sprintf("heartbeat of trial id %d: %v", id, err)})
				}
			}
		}
	}()
	return func() { close(done); wg.Wait() }
}

// attrs collects user attributes and writes them to the trial.
type attrs struct {
	st Storage
	id int
}

// set stores one user attribute.
func (a attrs) set(key, value string) error {
	if err := a.st.SetTrialUserAttr(a.id, key, value); err != nil {
		return fmt.Errorf("search: set %s: %w", key, err)
	}
	return nil
}

// setAll stores the given key/value pairs in key order (deterministic write order).
func (a attrs) setAll(kv map[string]string) error {
	keys := make([]string, 0, len(kv))
	for k := range kv {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if err := a.set(k, kv[k]); err != nil {
			return err
		}
	}
	return nil
}

// costAttrs renders the cost figures of c.
func costAttrs(c objective.Cost) map[string]string {
	return map[string]string{
		reports.KeyParams:      strconv.FormatInt(c.Params, 10),
		reports.KeyParamsCore:  strconv.FormatInt(c.ParamsCore, 10),
		reports.KeyParamsEmbed: strconv.FormatInt(c.ParamsEmbed, 10),
		reports.KeyFlops:       reports.FormatFloat(c.FlopsPerToken),
		reports.KeyKVBytes:     strconv.FormatInt(c.KVCacheBytesPerToken, 10),
	}
}

// trainerThreads is the Threads option of trainer.Train: the trainer sets GOMAXPROCS, which is
// process-wide, so it is set only when one worker runs; parallel workers share the process's
// GOMAXPROCS (one worker per core by default).
func (r *runner) trainerThreads() int {
	if r.workers > 1 {
		return 0
	}
	return r.threads
}

// quality picks the objective's P on objective.Score's 0-100 scale from validation metrics.
func (r *runner) quality(bleu, acc float64) float64 {
	if r.spec.Objective.Metric == "accuracy" {
		return 100 * acc
	}
	return bleu
}

// evaluate runs one trial: seed, sample, analytic check, training with pruning, final score.
// It returns the score (the last intermediate score when pruned) and nil, ErrTrialPruned, or
// the trial's failure (wrapping errInterrupted when the study was interrupted).
func (r *runner) evaluate(ctx context.Context, trial *goptuna.Trial, ft goptuna.FrozenTrial, out *outcome) (float64, error) {
	a := attrs{st: r.st, id: trial.ID}
	seedText, ok := ft.SystemAttrs[reports.SysSeed]
	if !ok {
		ord, err := ordinalOf(r.study, ft)
		if err != nil {
			return 0, err
		}
		seedText = strconv.FormatInt(TrialSeed(r.spec.Study.Seed, ord), 10)
		if err := r.st.SetTrialSystemAttr(trial.ID, reports.SysOrdinal, strconv.Itoa(ord)); err != nil {
			return 0, fmt.Errorf("search: set ordinal: %w", err)
		}
		if err := r.st.SetTrialSystemAttr(trial.ID, reports.SysSeed, seedText); err != nil {
			return 0, fmt.Errorf("search: set seed: %w", err)
		}
	}
	seed, err := strconv.ParseInt(seedText, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("search: trial %d seed %q: %w", ft.Number, seedText, err)
	}
	if err := trial.CallRelativeSampler(); err != nil {
		return 0, fmt.Errorf("search: relative sampler: %w", err)
	}
	o, b := r.spec.Objective, r.spec.Budget

	cfg, err := r.spec.Sample(trial)
	if errors.Is(err, space.ErrStructural) {
		v := []objective.Violation{{Field: "structure", Value: 1, Limit: 0, Relative: 1}}
		score := objective.Score(0, r.refCost, r.refCost, o.Tradeoff, v)
		out.reason = "infeasible: " + err.Error()
		return score, a.setAll(map[string]string{reports.KeyFeasible: "false",
			reports.KeyInfeasible: err.Error(), reports.KeyScore: reports.FormatFloat(score)})
	}
	if err != nil {
		return 0, fmt.Errorf("sample: %w", err)
	}
	out.cfg = cfg
	cost := objective.Estimate(cfg, r.arch, o.SrcLen, o.TgtLen)
	kv := costAttrs(cost)
	kv[reports.KeyConfig] = cfg.SetString()
	kv[reports.KeySeed] = seedText
	kv[reports.KeyWorkerThreads] = strconv.Itoa(r.threads)
	if score, viol := objective.ScoreTrial(0, cost, nil, o, b); len(viol) > 0 {
		lines := objective.Strings(viol)
		kv[reports.KeyFeasible] = "false"
		kv[reports.KeyInfeasible] = strings.Join(lines, "\n")
		kv[reports.KeyScore] = reports.FormatFloat(score)
		out.reason = "infeasible: " + strings.Join(lines, "; ")
		return score, a.setAll(kv)
	}
	kv[reports.KeyFeasible] = "true"
	if err := a.setAll(kv); err != nil {
		return 0, err
	}
	r.emit(Event{Kind: EventTrialStart, Trial: ft.Number, Config: cfg, Epochs: r.spec.Training.Epochs})

	var history []reports.Epoch
	last := nanValue()
	onEpoch := func(ctx context.Context, e trainer.Epoch) error {
		p := r.quality(e.ValidBLEU, e.ValidAccuracy)
		s, _ := objective.ScoreTrial(p, cost, nil, o, b)
		last = s
		history = append(history, reports.Epoch{Epoch: e.Epoch, TrainLoss: e.TrainLoss, ValidLoss: e.ValidLoss,
			ValidBLEU: e.ValidBLEU, ValidAccuracy: e.ValidAccuracy, Score: s, Seconds: e.Seconds})
		hb, err := json.Marshal(history)
		if err != nil {
			return fmt.Errorf("search: encode history: %w", err)
		}
		// The latest validation figures, so that a pruned trial shows where it stopped.
		if err := a.setAll(map[string]string{reports.KeyHistory: string(hb), reports.KeyEpochs: strconv.Itoa(e.Epoch),
			reports.KeyBLEU: reports.FormatFloat(e.ValidBLEU), reports.KeyAccuracy: reports.FormatFloat(e.ValidAccuracy)}); err != nil {
			return err
		}
		r.emit(Event{Kind: EventEpoch, Trial: ft.Number, Epoch: e.Epoch, Epochs: r.spec.Training.Epochs, Value: s})
		if trial.Study.Pruner == nil {
			return r.st.SetTrialIntermediateValue(trial.ID, e.Epoch, s)
		}
		if err := trial.ShouldPrune(e.Epoch, s); err != nil {
			if err == goptuna.ErrTrialPruned {
				if err := a.set(reports.KeyPrunedEpoch, strconv.Itoa(e.Epoch)); err != nil {
					return err
				}
				out.reason = fmt.Sprintf("pruned at epoch %d", e.Epoch)
			}
			return err
		}
		return nil
	}
	res, err := trainer.Train(ctx, cfg, r.ds, trainer.Options{
		Training: r.spec.Training, MaxL2Norm: b.MaxL2Norm, Seed: seed, Threads: r.trainerThreads(),
		OnEpoch: onEpoch, EvalTest: true, MaxPositions: r.maxPositions,
	})
	if errors.Is(err, goptuna.ErrTrialPruned) {
		return last, goptuna.ErrTrialPruned
	}
	if err != nil {
		if ctx.Err() != nil {
			return 0, fmt.Errorf("%w: %v", errInterrupted, err)
		}
		return 0, fmt.Errorf("train: %w", err)
	}
	m := objective.Measured{LatencyMS: res.LatencyMS, L2Norm: res.L2Norm}
	score, viol := objective.ScoreTrial(r.quality(res.ValidBLEU, res.ValidAccuracy), cost, &m, o, b)
	kv = map[string]string{
		reports.KeyBLEU: reports.FormatFloat(res.ValidBLEU), reports.KeyTestBLEU: reports.FormatFloat(res.TestBLEU),
		reports.KeyAccuracy: reports.FormatFloat(res.ValidAccuracy), reports.KeyTestAccuracy: reports.FormatFloat(res.TestAccuracy),
		reports.KeyExact: reports.FormatFloat(res.ValidExact), reports.KeyLatency: reports.FormatFloat(res.LatencyMS),
		reports.KeyL2Norm: reports.FormatFloat(res.L2Norm), reports.KeyTrainSeconds: reports.FormatFloat(res.TrainSeconds),
		reports.KeyEpochs: strconv.Itoa(res.Epochs), reports.KeySteps: strconv.Itoa(res.Steps),
		reports.KeyPeakMem: strconv.FormatUint(res.PeakMemBytes, 10), reports.KeyScore: reports.FormatFloat(score),
	}
	if len(viol) > 0 {
		lines := objective.Strings(viol)
		kv[reports.KeyFeasible] = "false"
		kv[reports.KeyInfeasible] = strings.Join(lines, "\n")
		out.reason = "infeasible: " + strings.Join(lines, "; ")
	}
	return score, a.setAll(kv)
}
