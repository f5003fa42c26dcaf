package search

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"

	"github.com/attnsearch/attnsearch/objective"
	"github.com/attnsearch/attnsearch/record"
	"github.com/attnsearch/attnsearch/space"
	"github.com/c-bata/goptuna"
)

// outcome is how one trial ended.
type outcome struct {
	number   int
	cfg      space.Config
	point    space.Point
	state    goptuna.TrialState
	value    float64
	retry    bool   // interrupted: its point is tried again
	rejected bool   // infeasible before training (does not count towards the target, up to a limit)
	reason   string // why it is not a plain COMPLETE
}

// runTrial claims a waiting trial (a retry) or, when fresh, creates one (errNoTurn when neither),
// evaluates it and records its end.
// An error is a store failure; the trial's own failures are outcomes.
func (r *runner) runTrial(ctx context.Context, fresh bool, worker int) (outcome, error) {
	id, ok, err := r.st.PopWaitingTrial(r.study.ID)
	if err != nil {
		return outcome{}, fmt.Errorf("search: claim a waiting trial: %w", err)
	}
	if !ok && !fresh {
		return outcome{}, errNoTurn
	}
	if !ok {
		if id, ok, err = r.createFresh(); err != nil {
			return outcome{}, fmt.Errorf("search: create trial: %w", err)
		}
		if !ok {
			return outcome{}, errNoTurn // the slot was filled by another process meanwhile
		}
	}
	ft, err := r.st.GetTrial(id)
	if err != nil {
		return outcome{}, fmt.Errorf("search: read trial %d: %w", id, err)
	}
	t := &trialRun{runner: r, worker: worker, trial: &goptuna.Trial{Study: r.study, ID: id}, ft: ft,
		attrs: attrs{st: r.st, id: id}, out: outcome{number: ft.Number, value: math.NaN()}}

	tctx, stopTrial := context.WithCancel(ctx)
	defer stopTrial()
	stopBeat := r.heartbeat(id, stopTrial)
	value, evalErr := t.evaluate(tctx)
	stopBeat()
	return t.finish(ctx, value, evalErr)
}

// trialRun is the evaluation and recording of one trial.
type trialRun struct {
	*runner
	worker int // index of the worker running it, 0 to workers−1
	trial  *goptuna.Trial
	ft     goptuna.FrozenTrial
	attrs  attrs
	out    outcome
	cost   objective.Cost
	last   float64        // the last intermediate score
	hist   []record.Epoch // the per-epoch curve so far
}

// finish records the trial's end state: its value (COMPLETE, PRUNED) or its failure.
func (t *trialRun) finish(ctx context.Context, value float64, evalErr error) (outcome, error) {
	id, num := t.trial.ID, t.ft.Number
	switch {
	case evalErr == nil:
		t.out.state, t.out.value = goptuna.TrialStateComplete, value
	case errors.Is(evalErr, goptuna.ErrTrialPruned):
		t.out.state, t.out.value = goptuna.TrialStatePruned, value
	default:
		t.out.state = goptuna.TrialStateFail
		if errors.Is(evalErr, errInterrupted) || ctx.Err() != nil {
			t.out.retry = true
			if err := t.st.SetTrialSystemAttr(id, record.SysRetry, "1"); err != nil {
				return t.out, fmt.Errorf("search: trial %d: %w", num, err)
			}
		}
		t.out.reason = evalErr.Error()
		if err := t.attrs.set(record.KeyError, evalErr.Error()); err != nil {
			return t.out, fmt.Errorf("search: trial %d: %w", num, err)
		}
	}
	if t.out.state != goptuna.TrialStateFail {
		if err := t.st.SetTrialValue(id, value); err != nil {
			return t.out, fmt.Errorf("search: trial %d value: %w", num, err)
		}
	}
	if err := t.st.SetTrialState(id, t.out.state); err != nil {
		return t.out, fmt.Errorf("search: trial %d state: %w", num, err)
	}
	return t.out, nil
}

// seed returns the trial's trainer seed, deriving and storing it (with the ordinal) on first use.
func (t *trialRun) seed() (int64, string, error) {
	text, ok := t.ft.SystemAttrs[record.SysSeed]
	if !ok {
		ord, err := t.ordinals.of(t.study, t.ft)
		if err != nil {
			return 0, "", err
		}
		text = strconv.FormatInt(trialSeed(t.seedScheme, t.spec.Study.Seed, ord), 10)
		// One transaction where the storage can; otherwise key order writes the ordinal first, as
		// before ("attnsearch:ordinal" < "attnsearch:seed"), so a seed is never stored without it.
		if err := setTrialAttrs(t.st, t.trial.ID, nil, map[string]string{record.SysOrdinal: strconv.Itoa(ord), record.SysSeed: text}); err != nil {
			return 0, "", fmt.Errorf("search: set ordinal and seed: %w", err)
		}
	}
	seed, err := strconv.ParseInt(text, 10, 64)
	if err != nil {
		return 0, "", fmt.Errorf("search: trial %d seed %q: %w", t.ft.Number, text, err)
	}
	return seed, text, nil
}

// evaluate runs one trial: seed, sample, analytic check, training with pruning, final score.
// It returns the score (the last intermediate score when pruned) and nil, ErrTrialPruned, or
// the trial's failure (wrapping errInterrupted when the study was interrupted).
func (t *trialRun) evaluate(ctx context.Context) (float64, error) {
	seed, seedText, err := t.seed()
	if err != nil {
		return 0, err
	}
	if err := t.trial.CallRelativeSampler(); err != nil {
		return 0, fmt.Errorf("search: relative sampler: %w", err)
	}
	return t.kind.Evaluate(ctx, t, seed, seedText)
}

// evaluateBuiltin evaluates one trial of a transformer point (builtinKind): sample and resolve
// the Config, the cost model's check (an infeasible point is finished at once), training with
// pruning, the final score.
func (t *trialRun) evaluateBuiltin(ctx context.Context, seed int64, seedText string) (float64, error) {
	o, b := t.spec.Objective, t.spec.Budget

	pt, cfg, err := samplePoint(t.spec, t.trial)
	if errors.Is(err, space.ErrStructural) {
		v := []objective.Violation{{Field: "structure", Value: 1, Limit: 0, Relative: 1}}
		score := objective.Score(0, t.refCost, t.refCost, o.Tradeoff, v)
		t.out.reason = "infeasible: " + err.Error()
		kv := t.vectors(nil, nil, nil)
		kv[record.KeyFeasible], kv[record.KeyInfeasible], kv[record.KeyScore] = "false", err.Error(), record.FormatFloat(score)
		kv[record.KeyRejected] = "true"
		t.out.rejected = true
		return score, t.attrs.setAll(kv)
	}
	if err != nil {
		return 0, fmt.Errorf("sample: %w", err)
	}
	t.out.cfg, t.out.point = cfg, pt
	t.cost = objective.EstimateSpec(t.spec, cfg, t.arch)
	kv := costAttrs(t.cost)
	kv[record.KeyConfig] = cfg.SetString()
	kv[record.KeySeed] = seedText
	kv[record.KeyWorkerThreads] = strconv.Itoa(t.threads)
	if score, viol := objective.ScoreTrial(0, t.cost, nil, o, b); len(viol) > 0 {
		lines := objective.Strings(viol)
		kv[record.KeyFeasible] = "false"
		kv[record.KeyInfeasible] = strings.Join(lines, "\n")
		kv[record.KeyScore] = record.FormatFloat(score)
		kv[record.KeyRejected] = "true"
		t.out.rejected = true
		for k, v := range t.vectors(&t.cost, nil, nil) {
			kv[k] = v
		}
		t.out.reason = "infeasible: " + strings.Join(lines, "; ")
		return score, t.attrs.setAll(kv)
	}
	kv[record.KeyFeasible] = "true"
	if err := t.attrs.setAll(kv); err != nil {
		return 0, err
	}
	t.emit(Event{Kind: EventTrialStart, Trial: t.ft.Number, Config: cfg, Point: pt, Epochs: t.spec.Training.Epochs})

	t.last = math.NaN()
	m, err := t.trainer.Train(ctx, Job{Trial: t.ft.Number, Seed: seed, Point: pt, Config: cfg, Arch: t.arch, Worker: t.worker,
		Threads: t.trainerThreads(), Report: t.report})
	if errors.Is(err, goptuna.ErrTrialPruned) {
		return t.last, goptuna.ErrTrialPruned
	}
	if err != nil {
		if ctx.Err() != nil {
			return 0, fmt.Errorf("%w: %v", errInterrupted, err)
		}
		return 0, fmt.Errorf("train: %w", err)
	}
	return t.record(m)
}

// report records one step's figures, its intermediate score and the pruner's verdict.
func (t *trialRun) report(ctx context.Context, step int, values map[string]float64) error {
	s, prune, values, cost := t.kind.Step(t, values)
	if prune {
		t.last = s
	}
	t.hist = append(t.hist, epochOf(step, values, s))
	hb, err := json.Marshal(t.hist)
	if err != nil {
		return fmt.Errorf("search: encode history: %w", err)
	}
	// The latest figures, so that a pruned trial shows where it stopped.
	kv := t.vectors(cost, nil, values)
	kv[record.KeyHistory], kv[record.KeyEpochs] = string(hb), strconv.Itoa(step)
	for k, v := range values {
		if k != record.StepTrainLoss && k != record.StepValidLoss && k != record.StepSeconds {
			kv[k] = record.FormatFloat(v)
		}
	}
	if err := t.attrs.setAll(kv); err != nil {
		return err
	}
	t.emit(Event{Kind: EventEpoch, Trial: t.ft.Number, Epoch: step, Epochs: t.kind.Epochs(t.spec), Value: s})
	if !prune {
		return nil
	}
	if t.trial.Study.Pruner == nil {
		return t.st.SetTrialIntermediateValue(t.trial.ID, step, s)
	}
	if err := t.trial.ShouldPrune(step, s); err != nil {
		if err == goptuna.ErrTrialPruned {
			if err := t.attrs.set(record.KeyPrunedEpoch, strconv.Itoa(step)); err != nil {
				return err
			}
			t.out.reason = fmt.Sprintf("pruned at %s %d", t.kind.Unit, step)
		}
		return err
	}
	return nil
}

// record stores the final figures and returns the final score.
func (t *trialRun) record(m Metrics) (float64, error) {
	o, b := t.spec.Objective, t.spec.Budget
	meas := objective.Measured{LatencyMS: figure(m.Values, record.KeyLatency), L2Norm: figure(m.Values, record.KeyL2Norm)}
	score, viol := objective.ScoreTrial(objective.Quality(o.Metric, m.Values), t.cost, &meas, o, b)
	kv := make(map[string]string, len(m.Values)+len(m.Attrs)+3)
	for k, v := range m.Values {
		kv[k] = record.FormatValue(v)
	}
	for k, v := range m.Attrs {
		kv[k] = v
	}
	kv[record.KeyScore] = record.FormatFloat(score)
	for k, v := range t.vectors(&t.cost, &meas, m.Values) {
		kv[k] = v
	}
	if len(viol) > 0 {
		lines := objective.Strings(viol)
		kv[record.KeyFeasible] = "false"
		kv[record.KeyInfeasible] = strings.Join(lines, "\n")
		t.out.reason = "infeasible: " + strings.Join(lines, "; ")
	}
	return score, t.attrs.setAll(kv)
}

// vectors renders the trial's objective vector (goal order) and constraint values from what is
// known: the cost model's figures c, the measured figures m (nil before training ends) and the
// reported values.
func (t *trialRun) vectors(c *objective.Cost, m *objective.Measured, values map[string]float64) map[string]string {
	o, b := t.spec.Objective, t.spec.Budget
	return map[string]string{
		record.KeyObjectives:  record.FormatVector(objective.GoalValues(o.Goals(), c, values)),
		record.KeyConstraints: record.FormatVector(objective.ConstraintValues(o, b, c, m, values)),
	}
}

// trainerThreads is the Threads of a Job (the data-parallel shards of the gorgonia trainer): the
// study's threads when one worker runs; parallel workers share the process's GOMAXPROCS (one
// worker per core by default), which only the program sets (attnsearch run sets it to
// training.threads with one worker).
func (r *runner) trainerThreads() int {
	if r.workers > 1 {
		return 0
	}
	return r.threads
}

// attrs writes user attributes to one trial.
type attrs struct {
	st Storage
	id int
}

// attrBatcher is a storage that stores several attributes of an unfinished trial in one
// transaction (store/bolt, store/postgres): one commit, and one round trip, for a whole set.
type attrBatcher interface {
	SetTrialAttrs(trialID int, user, system map[string]string) error
}

// setTrialAttrs stores the trial's user and system attributes, in one transaction where st can
// (attrBatcher), else one by one in key order (user attributes first).
func setTrialAttrs(st goptuna.Storage, id int, user, system map[string]string) error {
	if b, ok := st.(attrBatcher); ok {
		return b.SetTrialAttrs(id, user, system)
	}
	for _, m := range []struct {
		set func(int, string, string) error
		kv  map[string]string
	}{{st.SetTrialUserAttr, user}, {st.SetTrialSystemAttr, system}} {
		keys := make([]string, 0, len(m.kv))
		for k := range m.kv {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			if err := m.set(id, k, m.kv[k]); err != nil {
				return fmt.Errorf("%s: %w", k, err)
			}
		}
	}
	return nil
}

// set stores one user attribute.
func (a attrs) set(key, value string) error {
	if err := a.st.SetTrialUserAttr(a.id, key, value); err != nil {
		return fmt.Errorf("search: set %s: %w", key, err)
	}
	return nil
}

// setAll stores the given key/value pairs: in one transaction where the storage can, else in
// key order (deterministic write order).
func (a attrs) setAll(kv map[string]string) error {
	if err := setTrialAttrs(a.st, a.id, kv, nil); err != nil {
		return fmt.Errorf("search: set attributes: %w", err)
	}
	return nil
}

// costAttrs renders the cost figures of c.
func costAttrs(c objective.Cost) map[string]string {
	kv := map[string]string{
		record.KeyParams:      strconv.FormatInt(c.Params, 10),
		record.KeyParamsCore:  strconv.FormatInt(c.ParamsCore, 10),
		record.KeyParamsEmbed: strconv.FormatInt(c.ParamsEmbed, 10),
		record.KeyFlops:       record.FormatFloat(c.FlopsPerToken),
		record.KeyKVBytes:     strconv.FormatInt(c.KVCacheBytesPerToken, 10),
	}
	for name, v := range c.Predicted { // predicted costs: stored under their names, like a reported figure
		kv[name] = record.FormatFloat(v)
	}
	return kv
}
