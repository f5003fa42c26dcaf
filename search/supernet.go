package search

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"math/rand/v2"
	"reflect"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/attnsearch/attnsearch/objective"
	"github.com/attnsearch/attnsearch/objective/front"
	"github.com/attnsearch/attnsearch/record"
	"github.com/attnsearch/attnsearch/search/internal/mohalving"
	"github.com/attnsearch/attnsearch/space"
	"github.com/attnsearch/attnsearch/trainer"
	"github.com/attnsearch/attnsearch/trainer/data"
	"github.com/c-bata/goptuna"
)

// The supernet strategy (study.strategy: supernet) runs three phases as one study in one store,
// each resuming where it stopped:
//
//  1. train: a SuperTransformer (trainer.SuperNet) of the space's largest architecture, one (or,
//     with sandwich sampling, three) sub-network(s) per update, checkpointed at least every
//     CheckpointEvery to its checkpoint (checkpoint.go: a blob of the study in its store, or
//     Options.SupernetCheckpoint); a restart loads the last checkpoint.
//  2. search: the study's sampler proposes architectures on an in-memory copy of the search
//     phase's trials (so that a draw costs no store round trip); each is scored with its inherited
//     weights and stored, finished, in one write (CloneTrial) with fidelity inherited.
//  3. retrain: the top_k feasible points of the inherited front (non-domination rank, then
//     crowding distance) are trained as ordinary trials for retrain.steps updates (fidelity
//     retrained), each recorded like a per-trial study's trial.

// DefaultCheckpointEvery is how often the SuperTransformer's training is checkpointed.
const DefaultCheckpointEvery = time.Minute

// supernetTrained is the study attribute record.SysSupernetTrained: the finished training.
type supernetTrained struct {
	Steps   int     `json:"steps"`
	Seconds float64 `json:"seconds"`
	Params  int64   `json:"params"`
}

// superRun is one run of a supernet study.
type superRun struct {
	*runner
	arch    *space.Spec      // spec with the non-elastic searched parameters fixed at their start values
	elastic map[string][]int // values of each searched elastic dimension
	ds      *data.Dataset
	sn      *trainer.SuperNet
	enqueue bool // study.enqueue_default: the search phase scores the start point first

	startPending bool           // the start point waits in the in-memory study
	box          []float64      // retrain.reference as a minimised vector (inBox), once needed
	tops         []space.Config // per d_model value with a sub-network inside the box, its largest there (boxTops), once needed

	ckpt    checkpoint // where the SuperTransformer is checkpointed (checkpoint.go)
	release func()     // lets the study go (a shared store's StudyLocker)
}

// archSpec returns spec with every searched parameter that is not an elastic dimension fixed at
// its start value (declared default, else central value), and no enqueued start point.
func archSpec(spec *space.Spec) *space.Spec {
	a := *spec
	a.Study.EnqueueDefault = false
	a.Study.Trials = spec.Supernet.Trials + spec.Supernet.TopK // what the study info records as wanted
	a.Params = make([]space.Param, len(spec.Params))
	for i, p := range spec.Params {
		if p.Kind != space.KindFixed && !contains(space.ElasticNames, p.Name) {
			v, _ := p.Start()
			p = space.Param{Name: p.Name, Kind: space.KindFixed, Value: strconv.FormatFloat(v, 'g', -1, 64), Line: p.Line, Column: p.Column}
		}
		a.Params[i] = p
	}
	return &a
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// checkSupernet validates what the supernet strategy needs beyond the space file.
func (p *Prepared) checkSupernet() error {
	for _, g := range p.spec.Objective.Goals() {
		if g.Maximize && g.Name != "bleu" {
			return fmt.Errorf("search: study.strategy supernet scores sub-networks by BLEU; the objective maximises %s", g.Name)
		}
	}
	if p.spec.Objective.Metric != "" && p.spec.Objective.Metric != "bleu" && !p.spec.Objective.Listed() {
		return fmt.Errorf("search: study.strategy supernet scores sub-networks by BLEU, not %s", p.spec.Objective.Metric)
	}
	if _, ok := p.trainer.(*gorgoniaTrainer); !ok {
		return errors.New("search: study.strategy supernet needs the built-in trainer")
	}
	return nil
}

// runSupernet runs (or resumes) the three phases of a supernet study.
func (p *Prepared) runSupernet(ctx context.Context, st Storage) (*Result, error) {
	start := time.Now()
	sr, res, err := p.newSuperRun(st)
	if err != nil {
		return nil, err
	}
	defer sr.release()
	finish := func(err error) (*Result, error) {
		res.Elapsed = time.Since(start)
		res.Interrupted = ctx.Err() != nil && res.Done < res.Total
		if err != nil && !res.Interrupted {
			return res, err
		}
		return res, nil
	}
	if err := sr.train(ctx); err != nil {
		return finish(err)
	}
	defer sr.sn.Close()
	inherited, err := sr.search(ctx, res)
	if err != nil || ctx.Err() != nil {
		return finish(err)
	}
	return finish(sr.retrain(ctx, inherited, res))
}

// newSuperRun opens (or creates) the study of a supernet run on st and recovers its stale trials.
func (p *Prepared) newSuperRun(st Storage) (*superRun, *Result, error) {
	if err := p.checkSupernet(); err != nil {
		return nil, nil, err
	}
	spec := p.spec
	elastic, err := spec.Elastic()
	if err != nil {
		return nil, nil, err
	}
	sr := &superRun{arch: archSpec(spec), elastic: map[string][]int{}, ds: p.trainer.(*gorgoniaTrainer).ds, enqueue: spec.Study.EnqueueDefault}
	for _, name := range space.ElasticNames {
		if q, ok := spec.Param(name); ok && q.Kind != space.KindFixed {
			sr.elastic[name] = elastic[name]
		}
	}
	prep := *p
	prep.spec = sr.arch
	r := &runner{Prepared: &prep, st: st, reads: newCachedTrials(st), best: math.NaN(), workers: 1}
	r.threads = spec.Training.Threads
	if r.threads <= 0 {
		r.threads = runtime.NumCPU()
	}
	r.refCost = objective.RefCost(spec.Objective, spec.Budget)
	r.grace, r.beat = p.opts.StaleGrace, p.opts.HeartbeatEvery
	r.shared = isShared(st) // openStudy then waits for a process creating the study elsewhere
	sr.runner = r
	study, err := r.openStudy()
	if err != nil {
		return nil, nil, err
	}
	r.study = study
	if sr.ckpt, sr.release, err = sr.openCheckpoint(); err != nil {
		return nil, nil, err
	}
	total := spec.Supernet.Trials + spec.Supernet.TopK
	res := &Result{Study: spec.Study.Name, StudyID: study.ID, Total: total}
	stale, err := st.RecoverStale(study.ID, r.grace)
	if err != nil {
		sr.release()
		return nil, nil, fmt.Errorf("search: recover stale trials of %s: %w", spec.Study.Name, err)
	}
	res.Recovered = len(stale)
	return sr, res, nil
}

// archPoint resolves the elastic values vals (name → value; absent: the start value) into a
// point and Config of the architecture spec.
func (sr *superRun) archPoint(vals map[string]int) (space.Point, space.Config, error) {
	pt := space.Point{}
	for _, p := range sr.arch.Params {
		if v, ok := vals[p.Name]; ok {
			pt[p.Name] = int64(v)
			continue
		}
		pt[p.Name] = p.Fixed()
		if p.Kind != space.KindFixed {
			v, _ := p.Start()
			pt[p.Name] = int64(v)
		}
	}
	cfg, err := sr.arch.Resolve(pt)
	return pt, cfg, err
}

// corner returns the sub-network with every elastic dimension at its smallest (hi false) or
// largest value, repaired to the structural rules.
func (sr *superRun) corner(hi bool) (space.Config, error) {
	vals := map[string]int{}
	for name, vs := range sr.elastic {
		vals[name] = vs[0]
		if hi {
			vals[name] = vs[len(vs)-1]
		}
	}
	_, cfg, err := sr.archPoint(vals)
	return cfg, err
}

// sampleArchs returns the sub-networks of update n: one drawn (drawArch), after the largest and
// the smallest with sandwich sampling (with train.largest: rotate, update n's largest is the
// box's widths in turn, each width's sub-network with the most parameters inside the box).
func (sr *superRun) sampleArchs(n int, largest, smallest space.Config) []space.Config {
	rng := rand.New(rand.NewPCG(uint64(deriveSeed(sr.seedScheme, sr.spec.Study.Seed, 5, uint64(n))), 0))
	cfg := sr.drawArch(rng, smallest)
	if sr.spec.Supernet.Sampling == "sandwich" {
		if sr.spec.Supernet.Largest == space.LargestRotate {
			if tops := sr.boxTops(); len(tops) > 0 { // none without an elastic d_model: the one largest
				largest = tops[n%len(tops)]
			}
		}
		return []space.Config{largest, smallest, cfg}
	}
	return []space.Config{cfg}
}

// drawArch draws one sub-network: every elastic dimension independently over its values, then
// repaired, drawn again when the repair fails or, with retrain.reference, when a cost the cost
// model knows lies outside that box. With train.widths: even, d_model is drawn first, uniformly
// over the widths that have a sub-network inside the box, and only the other dimensions are
// drawn again (so that the box's narrow widths, which admit more sub-networks, do not take most
// updates). fallback is the draw when none is found.
func (sr *superRun) drawArch(rng *rand.Rand, fallback space.Config) space.Config {
	var tops []space.Config
	if sr.spec.Supernet.Widths == space.WidthsEven {
		tops = sr.boxTops()
	}
	tries, fix := 1001, 0 // draws 0..1001, as before train.widths
	var top space.Config  // with even widths: the drawn width's largest sub-network inside the box
	if len(tops) > 0 {
		tries = 100000 // a wide d_model may admit few sub-networks inside the box
		top = tops[rng.IntN(len(tops))]
		fix = top.DModel
	}
	for try := 0; try <= tries; try++ {
		vals := map[string]int{}
		for _, name := range space.ElasticNames {
			if vs, ok := sr.elastic[name]; ok {
				vals[name] = vs[rng.IntN(len(vs))]
			}
		}
		if fix > 0 {
			vals["d_model"] = fix
		}
		if _, c, err := sr.archPoint(vals); err == nil && sr.inBox(c) {
			return c
		}
	}
	if fix > 0 {
		return top
	}
	return fallback
}

// boxTops returns, computed once, for each d_model value (increasing) that has a sub-network
// inside retrain.reference's box (every value without one), the sub-network of that width with
// the most parameters inside the box: the widths train.widths: even draws from, and the
// sandwich's largest.
func (sr *superRun) boxTops() []space.Config {
	if sr.tops == nil {
		sr.tops = sr.widthTops(sr.inBox)
	}
	return sr.tops
}

// widthTops returns, for each d_model value (increasing) of which accept takes a sub-network,
// that width's sub-network with the most parameters that accept takes (mostParams); empty, not
// nil, when it takes none.
func (sr *superRun) widthTops(accept func(space.Config) bool) []space.Config {
	tops := []space.Config{}
	for _, d := range sr.elastic["d_model"] {
		if cfg, ok := sr.mostParams(map[string]int{"d_model": d}, accept); ok {
			tops = append(tops, cfg)
		}
	}
	return tops
}

// mostParams returns, among the sub-networks whose elastic values fix gives and whose other
// elastic dimensions take each of their values, the one with the most parameters (cost model)
// that accept takes (ties: the first in enumeration order); false when it takes none.
func (sr *superRun) mostParams(fix map[string]int, accept func(space.Config) bool) (space.Config, bool) {
	var names []string
	vals := map[string]int{}
	for _, name := range space.ElasticNames {
		if _, ok := sr.elastic[name]; !ok {
			continue
		}
		if v, ok := fix[name]; ok {
			vals[name] = v
			continue
		}
		names = append(names, name)
	}
	var best space.Config
	var bestParams int64 = -1
	arch := sr.arch2()
	var walk func(k int)
	walk = func(k int) {
		if k == len(names) {
			_, cfg, err := sr.archPoint(vals)
			if err != nil || !accept(cfg) {
				return
			}
			if p := objective.Estimate(cfg, arch, 1, 1).Params; p > bestParams {
				best, bestParams = cfg, p
			}
			return
		}
		for _, v := range sr.elastic[names[k]] {
			vals[names[k]] = v
			walk(k + 1)
		}
	}
	walk(0)
	return best, bestParams >= 0
}

// sandwichLargest is the largest sub-network of sandwich sampling: the container (every
// dimension at its largest value), or with retrain.reference the widest sub-network inside its
// box (the largest d_model any sub-network inside has) with the most parameters among those, so
// that every update trains the region the study retrains from, every embedding and projection
// column a sub-network there uses included.
func (sr *superRun) sandwichLargest(container space.Config) space.Config {
	if sr.spec.Supernet.RetrainReference == nil || sr.spec.Supernet.Sampling != "sandwich" {
		return container
	}
	if len(sr.elastic["d_model"]) > 0 {
		if tops := sr.boxTops(); len(tops) > 0 {
			return tops[len(tops)-1]
		}
		return container
	}
	if cfg, ok := sr.mostParams(nil, sr.inBox); ok { // one width: the largest inside the box
		return cfg
	}
	return container
}

// inBox reports whether sub-network cfg's cost-model figures lie inside retrain.reference's box
// (always true without one): the SuperTransformer then trains the region the retrain phase
// chooses from. Goals the cost model does not give (quality, measured latency) are not checked.
func (sr *superRun) inBox(cfg space.Config) bool {
	if sr.spec.Supernet.RetrainReference == nil {
		return true
	}
	if sr.box == nil {
		sr.box = retrainReference(sr.spec, nil)
	}
	o := sr.spec.Objective
	cost := objective.Estimate(cfg, sr.arch2(), o.SrcLen, o.TgtLen)
	v := objective.Minimized(o.Goals(), objective.GoalValues(o.Goals(), &cost, nil))
	for j, x := range v {
		if !math.IsNaN(x) && !(x < sr.box[j]) {
			return false
		}
	}
	return true
}

// train runs (or resumes, or skips when done) the SuperTransformer's training; sr.sn holds the
// trained weights afterwards.
func (sr *superRun) train(ctx context.Context) error {
	spec, sn := sr.spec, sr.spec.Supernet
	largest, err := sr.corner(true)
	if err != nil {
		return fmt.Errorf("search: supernet: the largest sub-network: %w", err)
	}
	smallest, err := sr.corner(false)
	if err != nil {
		return fmt.Errorf("search: supernet: the smallest sub-network: %w", err)
	}
	big := largest  // the container: every dimension at its largest value
	base := largest // lr, warmup, dropout, weight decay, label smoothing: the start values
	if sn.TrainLR > 0 {
		base.LR = sn.TrainLR // supernet.train.lr: the shared weights' own peak learning rate
	}
	top := sr.sandwichLargest(largest)
	horizon := sn.TrainSteps
	if horizon == 0 {
		horizon = 100000
	}
	arch := sr.arch2()
	s, err := trainer.NewSuperNet(big, base, sr.ds, trainer.Options{Training: spec.Training, MaxL2Norm: spec.Budget.MaxL2Norm,
		Seed: deriveSeed(sr.seedScheme, spec.Study.Seed, 4), Threads: sr.threads, Arch: &arch}, horizon)
	if err != nil {
		return fmt.Errorf("search: supernet: %w", err)
	}
	sr.sn = s
	s.Distill = sn.Distill
	seconds := 0.0
	done := false
	meta, err := sr.ckpt.load(s)
	switch {
	case err == nil:
		seconds, _ = strconv.ParseFloat(meta["seconds"], 64)
		done = meta["done"] == "true"
		sr.emit(Event{Kind: EventStudy, Total: sn.Trials + sn.TopK, Message: fmt.Sprintf(
			"supernet: resuming from checkpoint %s at update %d (%.0f s trained)", sr.ckpt.where(), s.Steps(), seconds)})
	case errors.Is(err, fs.ErrNotExist):
	default:
		s.Close()
		return fmt.Errorf("search: supernet: %w", err)
	}
	if done {
		return nil
	}
	every := sr.opts.CheckpointEvery
	if every <= 0 {
		every = DefaultCheckpointEvery
	}
	limit := time.Duration(sn.TrainMinutes * float64(time.Minute))
	began := time.Now()
	lastSave := began
	elapsed := func() float64 { return seconds + time.Since(began).Seconds() }
	save := func(fin bool) error {
		m := map[string]string{"seconds": strconv.FormatFloat(elapsed(), 'f', 3, 64)}
		if fin {
			m["done"] = "true"
		}
		if err := sr.ckpt.save(s, m); err != nil {
			return fmt.Errorf("search: supernet: %w", err)
		}
		lastSave = time.Now()
		return nil
	}
	sr.emit(Event{Kind: EventStudy, Total: sn.Trials + sn.TopK, Message: fmt.Sprintf(
		"supernet: training the SuperTransformer (%d parameters; d_model %d, d_ff %d, %d+%d layers), %s sampling, limit %s",
		s.Params(), big.DModel, big.DFF, big.EncLayers, big.DecLayers, sn.Sampling, limitText(sn))})
	var lossSum float64
	lossN := 0
	for {
		if (sn.TrainSteps > 0 && s.Steps() >= sn.TrainSteps) || (limit > 0 && elapsed() >= limit.Seconds()) {
			break
		}
		if ctx.Err() != nil {
			if err := save(false); err != nil {
				return err
			}
			return ctx.Err()
		}
		loss, err := s.Step(sr.sampleArchs(s.Steps(), top, smallest))
		if err != nil {
			return fmt.Errorf("search: supernet: %w", err)
		}
		lossSum += loss
		lossN++
		if time.Since(lastSave) >= every {
			if err := save(false); err != nil {
				return err
			}
			sr.emit(Event{Kind: EventStudy, Total: sn.Trials + sn.TopK, Message: fmt.Sprintf(
				"supernet: update %d, mean loss %.3f, %.0f s; checkpoint written", s.Steps(), lossSum/float64(max(lossN, 1)), elapsed())})
			lossSum, lossN = 0, 0
		}
	}
	if err := save(true); err != nil {
		return err
	}
	info, err := json.Marshal(supernetTrained{Steps: s.Steps(), Seconds: elapsed(), Params: s.Params()})
	if err != nil {
		return fmt.Errorf("search: supernet: %w", err)
	}
	if err := sr.st.SetStudySystemAttr(sr.study.ID, record.SysSupernetTrained, string(info)); err != nil {
		return fmt.Errorf("search: supernet: %w", err)
	}
	sr.emit(Event{Kind: EventStudy, Total: sn.Trials + sn.TopK, Message: fmt.Sprintf(
		"supernet: trained, %d updates in %.0f s", s.Steps(), elapsed())})
	return nil
}

// arch2 is the study's architecture facts.
func (sr *superRun) arch2() space.Arch { return sr.Prepared.arch }

// limitText describes the SuperTransformer's training limits.
func limitText(sn space.Supernet) string { return limitsText(sn.TrainSteps, sn.TrainMinutes) }

// retrainLimitText describes a retrained trial's limits.
func retrainLimitText(sn space.Supernet) string {
	return limitsText(sn.RetrainSteps, sn.RetrainMinutes)
}

// limitsText describes a step and a time limit (0 = none), whichever comes first.
func limitsText(steps int, minutes float64) string {
	var parts []string
	if steps > 0 {
		parts = append(parts, fmt.Sprintf("%d updates", steps))
	}
	if minutes > 0 {
		parts = append(parts, fmt.Sprintf("%g min", minutes))
	}
	return strings.Join(parts, " or ")
}

// isInherited reports whether a stored trial is one of the search phase's.
func isInherited(t goptuna.FrozenTrial) bool {
	return t.UserAttrs[record.KeyFidelity] == record.FidelityInherited
}

// search runs (or resumes) the search phase until the study holds spec.Supernet.Trials
// inherited trials, and returns them in number order.
func (sr *superRun) search(ctx context.Context, res *Result) ([]goptuna.FrozenTrial, error) {
	spec := sr.spec
	all, err := sr.st.GetAllTrials(sr.study.ID)
	if err != nil {
		return nil, fmt.Errorf("search: list trials: %w", err)
	}
	var inherited []goptuna.FrozenTrial
	for _, t := range all {
		if isInherited(t) && t.State == goptuna.TrialStateComplete {
			inherited = append(inherited, t)
		}
	}
	sort.Slice(inherited, func(i, j int) bool { return inherited[i].Number < inherited[j].Number })
	want := spec.Supernet.Trials
	if len(inherited) >= want {
		res.Done = want
		return inherited[:want], nil
	}
	// The sampler's study: in memory, holding the inherited trials (a draw reads the history
	// without a store round trip; each finished trial is written to the store once).
	algo, kind, err := sr.samplers.New(spec.Study.Sampler.Kind, spec.Study.Seed, spec.Study.Sampler.Options)
	if err != nil {
		return nil, fmt.Errorf("search: %w", err)
	}
	ps := &pointSampler{algo: algo, seed: spec.Study.Seed, scheme: sr.seedScheme}
	mem := goptuna.NewInMemoryStorage()
	sopts := []goptuna.StudyOption{goptuna.StudyOptionStorage(mem), goptuna.StudyOptionDirection(goptuna.StudyDirectionMaximize),
		goptuna.StudyOptionSampler(ps), goptuna.StudyOptionLogger(nil)}
	if kind.Relative {
		ss, err := searchSpace(sr.arch)
		if err != nil {
			return nil, err
		}
		sopts = append(sopts, goptuna.StudyOptionRelativeSampler(ps), goptuna.StudyOptionDefineSearchSpace(ss))
	}
	ms, err := goptuna.CreateStudy(spec.Study.Name, sopts...)
	if err != nil {
		return nil, fmt.Errorf("search: in-memory study: %w", err)
	}
	// The multi-objective samplers read the declared goals from the study's info.
	sys, err := sr.st.GetStudySystemAttrs(sr.study.ID)
	if err != nil {
		return nil, fmt.Errorf("search: study %s attributes: %w", spec.Study.Name, err)
	}
	if err := mem.SetStudySystemAttr(ms.ID, record.SysStudyInfo, sys[record.SysStudyInfo]); err != nil {
		return nil, fmt.Errorf("search: in-memory study: %w", err)
	}
	hist := &history{}
	for _, t := range inherited {
		id, err := mem.CloneTrial(ms.ID, t)
		if err != nil {
			return nil, fmt.Errorf("search: in-memory study: %w", err)
		}
		ft, err := mem.GetTrial(id)
		if err != nil {
			return nil, fmt.Errorf("search: in-memory study: %w", err)
		}
		hist.add(spec, ft)
	}
	// The sampler reads a bounded history (the feasible front and the latest trials), so that
	// its cost per trial stays flat however many sub-networks the study scores.
	view, err := goptuna.LoadStudy(spec.Study.Name, goptuna.StudyOptionStorage(historyView{Storage: mem, hist: hist}),
		goptuna.StudyOptionLogger(nil))
	if err != nil {
		return nil, fmt.Errorf("search: in-memory study view: %w", err)
	}
	ps.view = view
	if sr.enqueue && len(inherited) == 0 {
		if err := enqueueStart(ms, sr.arch); err != nil {
			return nil, err
		}
		sr.startPending = true
	}
	res.Done = len(inherited)
	sr.emit(Event{Kind: EventStudy, Done: res.Done, Total: want + spec.Supernet.TopK, Message: fmt.Sprintf(
		"supernet: search phase, %d of %d sub-networks scored with inherited weights", len(inherited), want)})
	// Finished trials go to the store in order on one goroutine, while the next are evaluated.
	writes := make(chan goptuna.FrozenTrial, 256)
	werr := make(chan error, 1)
	go func() {
		var first error
		for t := range writes {
			if first != nil {
				continue
			}
			if _, err := sr.st.CloneTrial(sr.study.ID, t); err != nil {
				first = fmt.Errorf("search: store trial %d: %w", t.Number, err)
			}
		}
		werr <- first
	}()
	var evalErr error
	// Throughput: wall time per window of 500 trials, and the part of it outside the
	// sub-networks' evaluation (sampler, bookkeeping, handing the trial to the writer).
	winStart, winEval, winN := time.Now(), time.Duration(0), 0
	report := func() {
		if winN == 0 {
			return
		}
		wall := time.Since(winStart)
		sr.emit(Event{Kind: EventStudy, Done: res.Done, Total: want + spec.Supernet.TopK, Message: fmt.Sprintf(
			"supernet: trials %d-%d: %.1f evaluated per second, %.1f ms per trial outside evaluation",
			res.Done-winN, res.Done-1, float64(winN)/wall.Seconds(), float64((wall-winEval).Microseconds())/1e3/float64(winN))})
		winStart, winEval, winN = time.Now(), 0, 0
	}
	for n := len(inherited); n < want && ctx.Err() == nil; n++ {
		ft, err := sr.scoreOne(ctx, ms, n, &winEval)
		if err != nil {
			evalErr = err
			break
		}
		if ctx.Err() != nil {
			break // an evaluation cut short by the interruption is not stored
		}
		select {
		case e := <-werr:
			werr <- e
			if e != nil {
				evalErr = e
			}
		default:
		}
		if evalErr != nil {
			break
		}
		writes <- ft
		hist.add(spec, ft)
		inherited = append(inherited, ft)
		res.Done++
		res.Ran++
		if ft.State == goptuna.TrialStateComplete && (math.IsNaN(sr.best) || ft.Value > sr.best) {
			sr.best = ft.Value
		}
		sr.emit(Event{Kind: EventTrialEnd, Trial: ft.Number, State: ft.State, Value: ft.Value, Best: sr.best,
			Done: res.Done, Total: want + spec.Supernet.TopK, Message: "inherited " + ft.UserAttrs[record.KeyConfig]})
		if winN++; winN == 500 {
			report()
		}
	}
	report()
	close(writes)
	if err := <-werr; err != nil && evalErr == nil {
		evalErr = err
	}
	if evalErr != nil {
		return nil, evalErr
	}
	return inherited, nil
}

// scoreOne draws and scores the search phase's trial with ordinal n on the in-memory study and
// returns it finished.
func (sr *superRun) scoreOne(ctx context.Context, ms *goptuna.Study, n int, evalTime *time.Duration) (goptuna.FrozenTrial, error) {
	mem := ms.Storage
	var id int
	ok := false
	if sr.startPending { // the enqueued start point (listing the trials costs O(n): only then)
		var err error
		if id, ok, err = popWaiting(ms); err != nil {
			return goptuna.FrozenTrial{}, err
		}
		sr.startPending = false
	}
	var err error
	if !ok {
		if id, err = mem.CreateNewTrial(ms.ID); err != nil {
			return goptuna.FrozenTrial{}, fmt.Errorf("search: in-memory trial: %w", err)
		}
	}
	set := func(k, v string) error { return mem.SetTrialUserAttr(id, k, v) }
	if err := mem.SetTrialSystemAttr(id, record.SysOrdinal, strconv.Itoa(n)); err != nil {
		return goptuna.FrozenTrial{}, err
	}
	trial := &goptuna.Trial{Study: ms, ID: id}
	if err := trial.CallRelativeSampler(); err != nil {
		return goptuna.FrozenTrial{}, fmt.Errorf("search: relative sampler: %w", err)
	}
	o, b := sr.spec.Objective, sr.spec.Budget
	kv := map[string]string{record.KeyFidelity: record.FidelityInherited}
	_, cfg, err := samplePoint(sr.arch, trial)
	var score float64
	switch {
	case errors.Is(err, space.ErrStructural):
		v := []objective.Violation{{Field: "structure", Value: 1, Limit: 0, Relative: 1}}
		score = objective.Score(0, sr.refCost, sr.refCost, o.Tradeoff, v)
		kv[record.KeyFeasible], kv[record.KeyInfeasible], kv[record.KeyRejected] = "false", err.Error(), "true"
		kv[record.KeyObjectives] = record.FormatVector(objective.GoalValues(o.Goals(), nil, nil))
		kv[record.KeyConstraints] = record.FormatVector(objective.ConstraintValues(o, b, nil, nil, nil))
	case err != nil:
		return goptuna.FrozenTrial{}, fmt.Errorf("search: sample: %w", err)
	default:
		cost := objective.Estimate(cfg, sr.arch2(), o.SrcLen, o.TgtLen)
		for k, v := range costAttrs(cost) {
			kv[k] = v
		}
		kv[record.KeyConfig] = cfg.SetString()
		var viol []objective.Violation
		if score, viol = objective.ScoreTrial(0, cost, nil, o, b); len(viol) > 0 {
			kv[record.KeyFeasible], kv[record.KeyRejected] = "false", "true"
			kv[record.KeyInfeasible] = strings.Join(objective.Strings(viol), "\n")
			kv[record.KeyObjectives] = record.FormatVector(objective.GoalValues(o.Goals(), &cost, nil))
			kv[record.KeyConstraints] = record.FormatVector(objective.ConstraintValues(o, b, &cost, nil, nil))
			break
		}
		t0 := time.Now()
		likelihood := sr.spec.Supernet.EvalRank == rankLikelihood
		evaluate := sr.sn.Evaluate
		if likelihood {
			evaluate = sr.sn.EvaluateForced
		}
		sub, err := evaluate(ctx, cfg, sr.spec.Supernet.EvalSentences)
		*evalTime += time.Since(t0)
		if err != nil {
			return goptuna.FrozenTrial{}, err
		}
		values := map[string]float64{record.KeyBLEU: sub.BLEU, record.KeyExact: sub.Exact, record.KeyLatency: sub.LatencyMS}
		if likelihood {
			values[record.KeyValidLoss], values[record.KeyAccuracy] = sub.Loss, sub.Accuracy
		}
		meas := objective.Measured{LatencyMS: sub.LatencyMS}
		score, viol = objective.ScoreTrial(objective.Quality(o.Metric, values), cost, &meas, o, b)
		for k, v := range values {
			kv[k] = record.FormatValue(v)
		}
		kv[record.KeyFeasible] = "true"
		if len(viol) > 0 {
			kv[record.KeyFeasible] = "false"
			kv[record.KeyInfeasible] = strings.Join(objective.Strings(viol), "\n")
		}
		kv[record.KeyObjectives] = record.FormatVector(objective.GoalValues(o.Goals(), &cost, values))
		kv[record.KeyConstraints] = record.FormatVector(objective.ConstraintValues(o, b, &cost, &meas, values))
	}
	kv[record.KeyScore] = record.FormatFloat(score)
	keys := make([]string, 0, len(kv))
	for k := range kv {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if err := set(k, kv[k]); err != nil {
			return goptuna.FrozenTrial{}, err
		}
	}
	if err := mem.SetTrialValue(id, score); err != nil {
		return goptuna.FrozenTrial{}, err
	}
	if err := mem.SetTrialState(id, goptuna.TrialStateComplete); err != nil {
		return goptuna.FrozenTrial{}, err
	}
	return mem.GetTrial(id)
}

// popWaiting claims the in-memory study's first WAITING trial (the enqueued start point).
func popWaiting(ms *goptuna.Study) (int, bool, error) {
	trials, err := ms.Storage.GetAllTrials(ms.ID)
	if err != nil {
		return 0, false, err
	}
	for _, t := range trials {
		if t.State == goptuna.TrialStateWaiting {
			if err := ms.Storage.SetTrialState(t.ID, goptuna.TrialStateRunning); err != nil {
				return 0, false, err
			}
			return t.ID, true, nil
		}
	}
	return 0, false, nil
}

// rankLikelihood is evaluate.rank's value that orders the inherited front by the log-likelihood
// of the validation references instead of BLEU.
const rankLikelihood = "likelihood"

// selectTop returns the top k feasible inherited trials: by non-domination rank of their
// objective vectors, then by crowding distance (larger first), then by number. With
// retrain.reference, the non-dominated points inside its box come first, as many as k, chosen
// greedily by the hypervolume they add inside the box (front.SelectByHypervolume); the order
// above fills the rest, points inside the box first. With evaluate.rank: likelihood, the quality
// goals' values are each trial's inherited log-likelihood (−valid_loss), bounded just beyond the
// worst, instead of its BLEU.
func selectTop(spec *space.Spec, trials []goptuna.FrozenTrial, k int) []goptuna.FrozenTrial {
	goals := spec.Objective.Goals()
	byLik := spec.Supernet.EvalRank == rankLikelihood
	var quality []int // the quality goals, scored by the log-likelihood with evaluate.rank: likelihood
	for j, g := range goals {
		if _, ok := objective.Metrics[g.Name]; ok {
			quality = append(quality, j)
		}
	}
	var cand []goptuna.FrozenTrial
	var vs [][]float64
	for _, t := range trials {
		if t.UserAttrs[record.KeyFeasible] != "true" {
			continue
		}
		v, err := record.ParseVector(t.UserAttrs[record.KeyObjectives])
		if err != nil || len(v) != len(goals) {
			continue
		}
		bad := false
		for _, x := range v {
			bad = bad || math.IsNaN(x)
		}
		if bad {
			continue
		}
		if byLik {
			loss, err := strconv.ParseFloat(t.UserAttrs[record.KeyValidLoss], 64)
			if err != nil || math.IsNaN(loss) {
				continue
			}
			for _, j := range quality {
				v[j] = -loss
			}
		}
		cand = append(cand, t)
		vs = append(vs, objective.Minimized(goals, v))
	}
	idx := mohalving.Order(vs, front.Ranks(vs), func(i, j int) bool { return cand[i].Number < cand[j].Number })
	var out []goptuna.FrozenTrial
	if spec.Supernet.RetrainReference == nil {
		for _, i := range idx[:min(k, len(idx))] {
			out = append(out, cand[i])
		}
		return out
	}
	ref := retrainReference(spec, vs)
	if byLik { // the box bounds the costs; the log-likelihood's bound lies just beyond the worst
		for _, j := range quality {
			ref[j] = math.Inf(-1)
			for _, v := range vs {
				ref[j] = math.Max(ref[j], v[j]+1)
			}
		}
	}
	inside := make([]bool, len(vs))
	var boxed []int // the points inside the box
	for i, v := range vs {
		inside[i] = true
		for j, r := range ref {
			inside[i] = inside[i] && v[j] < r
		}
		if inside[i] {
			boxed = append(boxed, i)
		}
	}
	var fv [][]float64
	var fi []int // the non-dominated points inside the box
	bv := make([][]float64, len(boxed))
	for j, i := range boxed {
		bv[j] = vs[i]
	}
	for j, r := range front.Ranks(bv) {
		if r == 0 {
			fv, fi = append(fv, bv[j]), append(fi, boxed[j])
		}
	}
	chosen := make([]bool, len(cand))
	for _, j := range front.SelectByHypervolume(fv, k, ref) {
		chosen[fi[j]] = true
		out = append(out, cand[fi[j]])
	}
	for _, wantInside := range []bool{true, false} {
		for _, i := range idx {
			if len(out) < k && !chosen[i] && inside[i] == wantInside {
				chosen[i] = true
				out = append(out, cand[i])
			}
		}
	}
	return out
}

// retrainReference is the box of the retrain selection as a minimised vector (goal order):
// retrain.reference's value of each goal, else the goal's hypervolume reference, else just
// beyond the worst of vs (unbounded without vs).
func retrainReference(spec *space.Spec, vs [][]float64) []float64 {
	goals := spec.Objective.Goals()
	raw := make([]float64, len(goals))
	known := make([]bool, len(goals))
	for j, g := range goals {
		if v, ok := spec.Supernet.RetrainReference[g.Name]; ok {
			raw[j], known[j] = v, true
		} else {
			raw[j], known[j] = spec.GoalReference(g.Name)
		}
	}
	ref := objective.Minimized(goals, raw)
	for j := range ref {
		if known[j] {
			continue
		}
		ref[j] = math.Inf(1) // no vectors: unbounded
		for i, v := range vs {
			if i == 0 {
				ref[j] = v[j] + 1
			}
			ref[j] = math.Max(ref[j], v[j]+1)
		}
	}
	return ref
}

// retrainer trains a retrained point for retrain.steps updates, from new weights or from the
// SuperTransformer's slices.
type retrainer struct {
	spec *space.Spec
	ds   *data.Dataset
	sn   *trainer.SuperNet
}

var _ Trainer = (*retrainer)(nil)

// Train trains job.Config for the retrain phase's limits (updates, minutes) and measures it as
// the built-in trainer does.
func (rt *retrainer) Train(ctx context.Context, job Job) (Metrics, error) {
	spec := *rt.spec
	spec.Training = retrainTraining(rt.spec, len(rt.ds.Train))
	g := &gorgoniaTrainer{spec: &spec, ds: rt.ds}
	if spec.Supernet.RetrainFrom == "inherited" {
		w, err := rt.sn.SubWeights(job.Config)
		if err != nil {
			return Metrics{}, err
		}
		g.init = w
	}
	return g.Train(ctx, job)
}

// retrainTraining is the training section of a retrained trial: the study's, stopped by
// retrain.steps and retrain.minutes (whichever comes first), its epochs those the step limit
// needs (the study's epochs with a time limit alone); nTrain is the training pairs.
func retrainTraining(spec *space.Spec, nTrain int) space.Training {
	tr := spec.Training
	sn := spec.Supernet
	tr.MaxSteps, tr.MaxMinutes = sn.RetrainSteps, sn.RetrainMinutes
	if sn.RetrainSteps > 0 {
		per := (nTrain + tr.BatchSize - 1) / tr.BatchSize
		tr.Epochs = max(1, (sn.RetrainSteps+per-1)/per)
	}
	return tr
}

// retrain runs (or resumes) the retrain phase: each selected point without a finished retrained
// trial is trained now, in selection order.
func (sr *superRun) retrain(ctx context.Context, inherited []goptuna.FrozenTrial, res *Result) error {
	spec := sr.spec
	top := selectTop(spec, inherited, spec.Supernet.TopK)
	all, err := sr.st.GetAllTrials(sr.study.ID)
	if err != nil {
		return fmt.Errorf("search: list trials: %w", err)
	}
	finished := map[string]bool{}
	waiting := map[string]int{} // source → a WAITING retry of a retrained trial whose worker died
	for _, t := range all {
		src, ok := t.SystemAttrs[record.SysSupernetSource]
		switch {
		case ok && (t.State == goptuna.TrialStateComplete || t.State == goptuna.TrialStatePruned):
			finished[src] = true
		case ok && t.State == goptuna.TrialStateWaiting:
			waiting[src] = t.ID
		}
	}
	for _, t := range top {
		if finished[strconv.Itoa(t.Number)] {
			res.Done++
		}
	}
	res.Total = spec.Supernet.Trials + len(top)
	sr.emit(Event{Kind: EventStudy, Done: res.Done, Total: res.Total, Message: fmt.Sprintf(
		"supernet: retrain phase, %d points of the inherited front, each from %s for %s", len(top), spec.Supernet.RetrainFrom, retrainLimitText(spec.Supernet))})
	// The retrained trials' study: the fixed parameters decide every value, no pruner.
	rs, err := goptuna.LoadStudy(spec.Study.Name, goptuna.StudyOptionStorage(sr.st), goptuna.StudyOptionLogger(nil),
		goptuna.StudyOptionSampler(fixedSampler{}))
	if err != nil {
		return fmt.Errorf("search: open study %s: %w", spec.Study.Name, err)
	}
	prep := *sr.Prepared
	prep.trainer = &retrainer{spec: spec, ds: sr.ds, sn: sr.sn}
	rspec := *spec // the retrained trials' epochs, as the retrainer runs them (progress events)
	rspec.Training = retrainTraining(spec, len(sr.ds.Train))
	prep.spec = &rspec
	rr := runner{Prepared: &prep, st: sr.st, reads: newCachedTrials(sr.st), study: rs, refCost: sr.refCost, threads: sr.threads, workers: 1,
		grace: sr.grace, beat: sr.beat, best: math.NaN(), seedScheme: sr.seedScheme}
	for i, src := range top {
		if ctx.Err() != nil {
			return nil
		}
		if finished[strconv.Itoa(src.Number)] {
			continue
		}
		fixed, err := json.Marshal(src.InternalParams)
		if err != nil {
			return fmt.Errorf("search: retrain trial %d: %w", src.Number, err)
		}
		ord := spec.Supernet.Trials + i
		ft := goptuna.FrozenTrial{State: goptuna.TrialStateRunning, DatetimeStart: time.Now(), Value: math.NaN(),
			SystemAttrs: map[string]string{record.SysFixedParams: string(fixed), record.SysOrdinal: strconv.Itoa(ord),
				record.SysSeed: strconv.FormatInt(trialSeed(sr.seedScheme, spec.Study.Seed, ord), 10), record.SysSupernetSource: strconv.Itoa(src.Number)},
			UserAttrs: map[string]string{record.KeyFidelity: record.FidelityRetrained, record.KeyInheritedTrial: strconv.Itoa(src.Number)},
		}
		id, err := sr.claimRetry(waiting[strconv.Itoa(src.Number)], ft.UserAttrs)
		if err != nil {
			return fmt.Errorf("search: retrain trial of %d: %w", src.Number, err)
		}
		if id < 0 {
			if id, err = sr.st.CloneTrial(rs.ID, ft); err != nil {
				return fmt.Errorf("search: retrain trial of %d: %w", src.Number, err)
			}
		}
		stored, err := sr.st.GetTrial(id)
		if err != nil {
			return fmt.Errorf("search: read trial %d: %w", id, err)
		}
		t := &trialRun{runner: &rr, trial: &goptuna.Trial{Study: rs, ID: id}, ft: stored,
			attrs: attrs{st: sr.st, id: id}, out: outcome{number: stored.Number, value: math.NaN()}}
		tctx, stopTrial := context.WithCancel(ctx)
		stopBeat := rr.heartbeat(id, stopTrial)
		value, evalErr := t.evaluate(tctx)
		stopBeat()
		stopTrial()
		out, err := t.finish(ctx, value, evalErr)
		if err != nil {
			return err
		}
		if !out.retry {
			res.Done++
			res.Ran++
		}
		if out.state == goptuna.TrialStateComplete && (math.IsNaN(sr.best) || out.value > sr.best) {
			sr.best = out.value
		}
		sr.emit(Event{Kind: EventTrialEnd, Trial: out.number, Config: out.cfg, Point: out.point, State: out.state,
			Value: out.value, Best: sr.best, Done: res.Done, Total: res.Total, Message: fmt.Sprintf("retrained from inherited trial %d", src.Number)})
	}
	return nil
}

// claimRetry claims trial id, the WAITING retry the store enqueued when a retrained trial's
// process died (it carries the point, seed, ordinal and source), and gives it the user
// attributes of a retrained trial; it returns -1 when id is 0 or another claim won.
func (sr *superRun) claimRetry(id int, user map[string]string) (int, error) {
	if id == 0 {
		return -1, nil
	}
	if err := sr.st.SetTrialState(id, goptuna.TrialStateRunning); errors.Is(err, goptuna.ErrTrialCannotBeUpdated) {
		return -1, nil
	} else if err != nil {
		return -1, err
	}
	for k, v := range user {
		if err := sr.st.SetTrialUserAttr(id, k, v); err != nil {
			return -1, err
		}
	}
	return id, nil
}

// fixedSampler draws every parameter from the trial's fixed parameters (record.SysFixedParams).
// goptuna v0.9.0 takes a fixed parameter itself only when its distribution contains it, and its
// StepIntUniformDistribution.Contains excludes the upper bound; this sampler is what it falls
// back to, so that a retrained point keeps its largest values.
type fixedSampler struct{}

var _ goptuna.Sampler = fixedSampler{}

// Sample returns the trial's fixed value of name.
func (fixedSampler) Sample(_ *goptuna.Study, trial goptuna.FrozenTrial, name string, _ interface{}) (float64, error) {
	var fixed map[string]float64
	if err := json.Unmarshal([]byte(trial.SystemAttrs[record.SysFixedParams]), &fixed); err != nil {
		return 0, fmt.Errorf("search: trial %d fixed parameters: %w", trial.Number, err)
	}
	v, ok := fixed[name]
	if !ok {
		return 0, fmt.Errorf("search: trial %d has no fixed value of %s", trial.Number, name)
	}
	return v, nil
}

// historyWindow is how many of the latest trials the search phase's sampler sees besides the
// front, and frontCap how many front points at most (the most crowded go first): motpe's cost per
// draw grows with the history it reads (BenchmarkSupernetDraw).
const (
	historyWindow = 150
	frontCap      = 100
)

// history is the search phase's bounded view of its trials: the latest historyWindow ones and
// up to frontCap non-dominated feasible ones (kept incrementally: O(front) per trial).
type history struct {
	recent []goptuna.FrozenTrial // the latest, oldest first
	front  []goptuna.FrozenTrial
	vecs   [][]float64 // the front's minimised objective vectors
}

// add records a finished trial.
func (h *history) add(spec *space.Spec, t goptuna.FrozenTrial) {
	h.recent = append(h.recent, t)
	if len(h.recent) > 2*historyWindow {
		h.recent = append([]goptuna.FrozenTrial(nil), h.recent[len(h.recent)-historyWindow:]...)
	}
	if t.UserAttrs[record.KeyFeasible] != "true" {
		return
	}
	v, err := record.ParseVector(t.UserAttrs[record.KeyObjectives])
	goals := spec.Objective.Goals()
	if err != nil || len(v) != len(goals) {
		return
	}
	for _, x := range v {
		if math.IsNaN(x) {
			return
		}
	}
	m := objective.Minimized(goals, v)
	keepF, keepV := h.front[:0:0], h.vecs[:0:0]
	for i, f := range h.vecs {
		if front.DominatesMin(f, m) || reflect.DeepEqual(f, m) {
			return // dominated (or equalled) by a front member: the front is unchanged
		}
		if !front.DominatesMin(m, f) {
			keepF, keepV = append(keepF, h.front[i]), append(keepV, f)
		}
	}
	h.front, h.vecs = append(keepF, t), append(keepV, m)
	if len(h.front) > frontCap { // drop the most crowded point (the extremes never go)
		d := front.Crowding(h.vecs)
		worst := 0
		for i := range d {
			if d[i] < d[worst] {
				worst = i
			}
		}
		h.front = append(h.front[:worst], h.front[worst+1:]...)
		h.vecs = append(h.vecs[:worst], h.vecs[worst+1:]...)
	}
}

// trials is the view: the front and the latest historyWindow trials, by number, each once.
func (h *history) trials() []goptuna.FrozenTrial {
	recent := h.recent
	if len(recent) > historyWindow {
		recent = recent[len(recent)-historyWindow:]
	}
	seen := map[int]bool{}
	out := make([]goptuna.FrozenTrial, 0, len(recent)+len(h.front))
	for _, list := range [][]goptuna.FrozenTrial{h.front, recent} {
		for _, t := range list {
			if !seen[t.Number] {
				seen[t.Number] = true
				out = append(out, t)
			}
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Number < out[j].Number })
	return out
}

// historyView is the in-memory storage with GetAllTrials answering the bounded history.
type historyView struct {
	goptuna.Storage
	hist *history
}

// GetAllTrials returns the bounded history of the search phase.
func (v historyView) GetAllTrials(int) ([]goptuna.FrozenTrial, error) { return v.hist.trials(), nil }
