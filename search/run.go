package search

import (
	"context"
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
	"github.com/attnsearch/attnsearch/record"
	"github.com/attnsearch/attnsearch/search/sampler"
	"github.com/attnsearch/attnsearch/space"
	"github.com/attnsearch/attnsearch/store"
	"github.com/c-bata/goptuna"
	"golang.org/x/sync/errgroup"
)

// Storage is what Run needs of a trial store: goptuna's storage plus heartbeats and the one retry
// mechanism (stale recovery, requeue, claiming waiting trials), each call atomic across processes
// and machines. It is store.TrialStorage, defined once beside the storages that implement it;
// every storage passes store/storetest.
type Storage = store.TrialStorage

// Prepared is a study ready to run: its trainer and architecture set, its space checked against
// its budget. Prepare touches no store, so its errors leave stored data alone.
type Prepared struct {
	spec     *space.Spec
	opts     Options
	arch     space.Arch
	trainer  Trainer
	samplers *sampler.Registry
	pruners  *Pruners
	kind     TaskKind // the task kind that evaluates the study's points
}

// Prepare loads the data the trainer and the cost model need (unless opts carries them), computes
// the study's architecture once, and rejects a budget that no point of the space can meet (the
// error is a *space.Error naming the budget field) and an unknown sampler kind.
func Prepare(ctx context.Context, spec *space.Spec, opts Options) (*Prepared, error) {
	p := &Prepared{spec: spec, opts: opts, trainer: opts.Trainer, samplers: opts.Samplers}
	if p.samplers == nil {
		p.samplers = sampler.Builtin()
	}
	if p.pruners = opts.Pruners; p.pruners == nil {
		p.pruners = BuiltinPruners()
	}
	if _, err := p.pruners.New(spec.Study.Pruner, spec.Objective); err != nil {
		return nil, err
	}
	if _, ok := p.samplers.Lookup(spec.Study.Sampler.Kind); !ok {
		return nil, fmt.Errorf("search: unknown sampler %q (known: %s)", spec.Study.Sampler.Kind, strings.Join(p.samplers.Names(), ", "))
	}
	if p.opts.HeartbeatEvery <= 0 {
		p.opts.HeartbeatEvery = 5 * time.Second
	}
	kinds := opts.Kinds
	if kinds == nil {
		kinds = BuiltinKinds()
	}
	k, err := kinds.For(spec)
	if err != nil {
		return nil, err
	}
	p.kind = k
	if err := k.Prepare(ctx, p); err != nil {
		return nil, err
	}
	return p, nil
}

// Arch is the architecture the study's cost model counts and its trainer builds.
func (p *Prepared) Arch() space.Arch { return p.arch }

// Run runs (or resumes) the study of spec on st until it has spec.Study.Trials finished trials,
// or ctx is cancelled: Prepare, then Prepared.Run.
func Run(ctx context.Context, spec *space.Spec, st Storage, opts Options) (*Result, error) {
	p, err := Prepare(ctx, spec, opts)
	if err != nil {
		return nil, err
	}
	return p.Run(ctx, st)
}

// runner holds one Run's shared, read-only setup and its serialised progress state.
type runner struct {
	*Prepared
	st      Storage
	reads   *cachedTrials // st's trials read incrementally: the study's storage for sampling, pruning and counting
	study   *goptuna.Study
	refCost float64
	threads int
	workers int
	// seedScheme is the study's record.StudyInfo.SeedScheme: how its seeds descend from its seed.
	seedScheme int
	ordinals   ordinals // new trials' ordinals, counted without reading every trial each time

	// A shared study (other processes run it too, see shared.go).
	shared      bool
	grace       time.Duration // heartbeat age after which a RUNNING trial is dead
	beat        time.Duration // heartbeat period
	recMu       sync.Mutex    // serialises recoverShared
	lastRecover time.Time

	mu       sync.Mutex // guards the fields below and OnEvent calls
	done     int        // finished trials that count towards spec.Study.Trials (see countsDone)
	rejected int        // finished trials rejected before training
	inflight int
	best     float64
	ran      int
}

// errInterrupted marks a trial stopped because the study was interrupted.
var errInterrupted = errors.New("interrupted")

// errNoTurn means a turn granted for a waiting trial found none left to claim: it starts no new
// point, since the study's count may already be reached.
var errNoTurn = errors.New("no waiting trial left for this turn")

// Run runs (or resumes) the prepared study on st until it has the requested number of finished
// trials, or ctx is cancelled. Sampler, pruner, workers and seed come from the space file.
func (p *Prepared) Run(ctx context.Context, st Storage) (*Result, error) {
	return p.withDigest(st, func(q *Prepared) (*Result, error) {
		if q.kind.Run != nil {
			return q.kind.Run(ctx, q, st) // a strategy of its own (supernetKind: supernet.go)
		}
		return q.run(ctx, st)
	})
}

// run is Run of a per-trial study.
func (p *Prepared) run(ctx context.Context, st Storage) (*Result, error) {
	start := time.Now()
	spec := p.spec
	r := &runner{Prepared: p, st: st, reads: newCachedTrials(st), best: math.NaN()}
	r.workers = spec.Study.Workers
	if r.workers <= 0 {
		r.workers = runtime.NumCPU()
	}
	r.threads = spec.Training.Threads
	if r.threads <= 0 {
		r.threads = max(1, runtime.NumCPU()/r.workers)
	}
	r.refCost = objective.RefCost(spec.Objective, spec.Budget)
	r.grace, r.beat = p.opts.StaleGrace, p.opts.HeartbeatEvery
	if isShared(st) {
		r.sharedSettings()
	}

	study, err := r.openStudy()
	if err != nil {
		return nil, err
	}
	r.study = study
	res := &Result{Study: spec.Study.Name, StudyID: study.ID, Total: spec.Study.Trials}

	r.lastRecover = time.Now()
	stale, err := st.RecoverStale(study.ID, r.grace)
	if err != nil {
		return nil, fmt.Errorf("search: recover stale trials of %s: %w", spec.Study.Name, err)
	}
	res.Recovered = len(stale)
	if r.kind.Sweep != nil {
		r.kind.Sweep(r, stale)
	}
	if _, err = st.Requeue(study.ID); err != nil {
		return nil, fmt.Errorf("search: requeue trials of %s: %w", spec.Study.Name, err)
	}
	if r.done, r.rejected, r.best, res.Requeued, err = r.count(); err != nil {
		return nil, err
	}
	note := ""
	if r.done > 0 || res.Requeued > 0 {
		note = fmt.Sprintf("resuming: %d of %s finished, %d stale recovered, %s to retry",
			r.done, nouns(res.Total, "trial", "trials"), res.Recovered, nouns(res.Requeued, "point", "points"))
	}
	r.emit(Event{Kind: EventStudy, Done: r.done, Total: res.Total, Message: note})

	g, gctx := errgroup.WithContext(ctx)
	for w := 0; w < r.workers; w++ {
		g.Go(func() error { return r.worker(gctx, w) })
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

// openStudy creates or loads the study, with the deterministic sampler and the pruner on the
// FAIL-free view, and records StudyInfo once.
func (r *runner) openStudy() (*goptuna.Study, error) {
	spec := r.spec
	algo, kind, err := r.samplers.New(spec.Study.Sampler.Kind, spec.Study.Seed, spec.Study.Sampler.Options)
	if err != nil {
		return nil, fmt.Errorf("search: %w", err)
	}
	ps := &pointSampler{algo: algo, seed: spec.Study.Seed}
	inner, err := r.pruners.New(spec.Study.Pruner, spec.Objective)
	if err != nil {
		return nil, err
	}
	logger := quietLogger{warn: func(m string) { r.emit(Event{Kind: EventWarning, Message: m}) }}
	sopts := []goptuna.StudyOption{
		goptuna.StudyOptionStorage(r.reads),
		goptuna.StudyOptionDirection(goptuna.StudyDirectionMaximize),
		goptuna.StudyOptionSampler(ps),
		goptuna.StudyOptionLogger(logger),
	}
	if kind.Relative {
		// goptuna's IntersectionSearchSpace compares distributions with != and panics on
		// categorical ones, so the relative samplers get the space's distributions up front.
		ss, err := searchSpace(spec)
		if err != nil {
			return nil, err
		}
		sopts = append(sopts, goptuna.StudyOptionRelativeSampler(ps), goptuna.StudyOptionDefineSearchSpace(ss))
	}
	// The study is created here rather than by goptuna.CreateStudy's load-or-create, so that the
	// one caller that creates it knows (in a shared store the others' creations fail on the name);
	// goptuna then only loads it.
	created := false
	if id, err := r.st.CreateNewStudy(spec.Study.Name); err == nil {
		created = true
		if err := r.st.SetStudyDirection(id, goptuna.StudyDirectionMaximize); err != nil {
			return nil, fmt.Errorf("search: study %s direction: %w", spec.Study.Name, err)
		}
	} else if !errors.Is(err, store.ErrStudyExists) {
		return nil, fmt.Errorf("search: create study %s: %w", spec.Study.Name, err)
	}
	study, err := goptuna.LoadStudy(spec.Study.Name, sopts...)
	if r.shared {
		study, err = openShared(spec.Study.Name, study, err, sopts)
	}
	if err != nil {
		return nil, fmt.Errorf("search: open study %s: %w", spec.Study.Name, err)
	}
	if d := study.Direction(); d != goptuna.StudyDirectionMaximize {
		return nil, fmt.Errorf("search: study %s exists with direction %s, want maximize", spec.Study.Name, d)
	}
	view, err := goptuna.LoadStudy(spec.Study.Name,
		goptuna.StudyOptionStorage(noFailStorage{r.reads}), goptuna.StudyOptionLogger(logger))
	if err != nil {
		return nil, fmt.Errorf("search: view of study %s: %w", spec.Study.Name, err)
	}
	ps.view = view
	if inner != nil {
		study.Pruner = &viewPruner{inner: inner, view: view}
	}
	if err := r.recordInfo(study.ID); err != nil {
		return nil, err
	}
	ps.scheme = r.seedScheme
	if spec.Study.EnqueueDefault {
		// In a shared store the creator enqueues the start point. A study of this process alone
		// enqueues it while it has no trial (also when its creator stopped before enqueueing).
		enqueue := created
		if !r.shared {
			trials, err := r.reads.GetAllTrials(study.ID)
			if err != nil {
				return nil, fmt.Errorf("search: study %s trials: %w", spec.Study.Name, err)
			}
			enqueue = len(trials) == 0
		}
		if enqueue {
			if err := enqueueStart(study, spec); err != nil {
				return nil, err
			}
		}
	}
	if r.kind.Open != nil {
		if err := r.kind.Open(r, study.ID); err != nil {
			return nil, err
		}
	}
	return study, nil
}

// recordInfo stores the study's StudyInfo, keeping a stored one's settings (only the requested
// count follows the latest run: --trials raises it) and warning when they differ.
func (r *runner) recordInfo(studyID int) error {
	name := r.spec.Study.Name
	attrs, err := r.st.GetStudySystemAttrs(studyID)
	if err != nil {
		return fmt.Errorf("search: study %s attributes: %w", name, err)
	}
	info := InfoOf(r.spec)
	info.Figures = r.kind.Figures
	if js, ok := attrs[record.SysStudyInfo]; ok {
		stored, err := record.ParseStudyInfo(js)
		if err != nil {
			return fmt.Errorf("search: study %s: %s: %w", name, record.SysStudyInfo, err)
		}
		if d := SpaceDiff(stored, info); d != "" {
			if !r.Prepared.opts.Force {
				return fmt.Errorf("%w: study %s was started from %s, and this space file's %s (run it as a new study with --study NAME, or add --force to mix its trials into this one)",
					ErrSpaceChanged, name, stored.SpaceFile, d)
			}
			r.emit(Event{Kind: EventWarning, Message: fmt.Sprintf("study %s: --force: this space file's %s; its trials join the stored ones", name, d)})
		}
		if d := infoDiff(stored, info); d != "" {
			r.emit(Event{Kind: EventWarning, Message: fmt.Sprintf(
				"study %s was started with other settings (%s); continuing with the new ones, reports keep the original objective and budget", name, d)})
		}
		stored.Trials = info.Trials
		if len(stored.Params) == 0 && SpaceDiff(stored, info) == "" {
			stored.Params = info.Params // a study from before domains were stored learns them
		}
		info = stored // its seed scheme too: a resumed study keeps its seeds
	}
	r.seedScheme = info.SeedScheme
	js, err := info.Encode()
	if err != nil {
		return fmt.Errorf("search: %w", err)
	}
	if attrs[record.SysStudyInfo] != js {
		if err := r.st.SetStudySystemAttr(studyID, record.SysStudyInfo, js); err != nil {
			return fmt.Errorf("search: store study info: %w", err)
		}
	}
	return nil
}

// ErrSpaceChanged means a space file's task or parameters differ from those its study was
// started with: its trials would not be comparable with the stored ones.
var ErrSpaceChanged = errors.New("the space file differs from the study's")

// SpaceDiff says how a new StudyInfo's task and parameters differ from a stored one's (task
// kind, searched names, declared domains where both store them), or returns "". Studies stored
// before a field was recorded are compared on the fields they have.
func SpaceDiff(stored, now record.StudyInfo) string {
	var d []string
	if stored.Task != "" && stored.Task != now.Task {
		d = append(d, fmt.Sprintf("task kind is %s, not %s", now.Task, stored.Task))
	}
	if a, b := strings.Join(stored.Searched, ", "), strings.Join(now.Searched, ", "); a != b {
		d = append(d, fmt.Sprintf("searched parameters are [%s], not [%s]", b, a))
	}
	if len(stored.Params) > 0 && len(now.Params) > 0 {
		names := make([]string, 0, len(now.Params))
		for n := range now.Params {
			names = append(names, n)
		}
		for n := range stored.Params {
			if _, ok := now.Params[n]; !ok {
				names = append(names, n)
			}
		}
		sort.Strings(names)
		for _, n := range names {
			a, okA := stored.Params[n]
			b, okB := now.Params[n]
			switch {
			case !okA:
				d = append(d, fmt.Sprintf("parameter %s is new (%s)", n, b))
			case !okB:
				d = append(d, fmt.Sprintf("parameter %s (%s) is missing", n, a))
			case a != b:
				d = append(d, fmt.Sprintf("parameter %s is %s, not %s", n, b, a))
			}
		}
	}
	return strings.Join(d, "; ")
}

// paramText is a parameter's declared domain as StudyInfo.Params stores it.
func paramText(p space.Param) string {
	switch p.Kind {
	case space.KindFixed:
		return "fixed " + p.Value
	case space.KindCategorical:
		return "categorical [" + strings.Join(p.Choices, ", ") + "]"
	}
	t := fmt.Sprintf("%s [%s, %s]", p.Kind, strconv.FormatFloat(p.Low, 'g', -1, 64), strconv.FormatFloat(p.High, 'g', -1, 64))
	if p.Step != 0 {
		t += " step " + strconv.FormatFloat(p.Step, 'g', -1, 64)
	}
	if p.Log {
		t += " log"
	}
	return t
}

// infoDiff names the settings that differ between a stored and a new StudyInfo (the target
// count and the space file's path aside), or returns "".
func infoDiff(a, b record.StudyInfo) string {
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
	if !a.Budget.Equal(b.Budget) {
		d = append(d, "budget")
	}
	if strings.Join(a.Searched, ",") != strings.Join(b.Searched, ",") {
		d = append(d, "searched parameters")
	}
	return strings.Join(d, "; ")
}

// searchSpace returns the distributions samplePoint suggests (it suggests every declared,
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
	if _, err := sampleParams(spec, &goptuna.Trial{Study: probe, ID: id}); err != nil {
		return nil, fmt.Errorf("search: probe the space: %w", err)
	}
	ft, err := probe.Storage.GetTrial(id)
	if err != nil {
		return nil, fmt.Errorf("search: probe trial: %w", err)
	}
	return ft.Distributions, nil
}

// InfoOf is the StudyInfo a study of spec created now stores (at the current seed scheme), but for
// Figures, which Run takes from the study's task kind.
func InfoOf(spec *space.Spec) record.StudyInfo {
	info := record.StudyInfo{
		Version: record.StudyInfoVersion, SpaceFile: spec.File, Trials: spec.Study.Trials, Seed: spec.Study.Seed,
		Sampler: spec.Study.Sampler.Kind, Pruner: spec.Study.Pruner.Kind,
		Objective: spec.Objective, Budget: spec.Budget, Task: spec.Task.Kind,
		SeedScheme: record.SeedSchemeCurrent,
	}
	info.Params = map[string]string{}
	for _, p := range spec.Params {
		if p.Kind != space.KindFixed {
			info.Searched = append(info.Searched, p.Name)
		}
		info.Params[p.Name] = paramText(p)
	}
	return info
}

// count returns the finished trials that count towards the target, those rejected before
// training, the best final score, and the waiting retries (points to retry: RecoverStale and
// Requeue enqueue them).
func (r *runner) count() (done, rejected int, best float64, waiting int, err error) {
	trials, err := r.reads.GetAllTrials(r.study.ID)
	if err != nil {
		return 0, 0, 0, 0, fmt.Errorf("search: list trials: %w", err)
	}
	done, rejected, best = countFinished(trials, r.spec.Study.Trials)
	for _, t := range trials {
		if _, retry, _ := record.RetryOf(t); retry && t.State == goptuna.TrialStateWaiting {
			waiting++
		}
	}
	return done, rejected, best, waiting, nil
}

// countFinished returns how many of trials count towards a target of trials (rejections free up
// to the target, freeRejections), how many were rejected before training, and the best final score.
func countFinished(trials []goptuna.FrozenTrial, target int) (done, rejected int, best float64) {
	best = math.NaN()
	for _, t := range trials {
		if counts(t) {
			if t.UserAttrs[record.KeyRejected] == "true" {
				rejected++
			} else {
				done++
			}
		}
		if t.State == goptuna.TrialStateComplete && (math.IsNaN(best) || t.Value > best) {
			best = t.Value
		}
	}
	return done + freeRejections(rejected, target), rejected, best
}

// freeRejections is how many of the rejected trials count towards a target of trials: trials
// rejected before training (by the cost model or the structural rules) cost no training, so the
// first target of them are free and every one beyond counts. A study therefore trains the
// requested number of trials unless the sampler keeps proposing infeasible points, and never
// creates more than twice the requested number.
func freeRejections(rejected, target int) int { return max(0, rejected-target) }

// counts reports whether a trial counts towards the requested number of finished trials.
func counts(t goptuna.FrozenTrial) bool {
	return t.State == goptuna.TrialStateComplete || t.State == goptuna.TrialStatePruned ||
		(t.State == goptuna.TrialStateFail && !record.Retried(t))
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

// worker runs trials until the study has enough, ctx is cancelled, or the store fails; w is its
// index among this process's workers (Job.Worker).
func (r *runner) worker(ctx context.Context, w int) error {
	for {
		if ctx.Err() != nil {
			return nil
		}
		more, fresh, err := r.takeTurn(ctx)
		if err != nil || !more {
			return err
		}

		out, err := r.runTrial(ctx, fresh, w)
		if errors.Is(err, errNoTurn) {
			// The waiting trial this turn was for was claimed by another worker first.
			r.mu.Lock()
			r.inflight--
			r.mu.Unlock()
			continue
		}
		if err != nil && r.shared && errors.Is(err, goptuna.ErrTrialCannotBeUpdated) {
			// Another worker failed this trial as stale (this one lost its heartbeats for longer
			// than the grace period, say behind a network partition) and retries its point.
			r.emit(Event{Kind: EventWarning, Message: fmt.Sprintf("trial %d was failed as stale by another worker, which retries its point: %v", out.number, err)})
			out, err = outcome{number: out.number, state: goptuna.TrialStateFail, value: math.NaN(), retry: true, reason: "taken over by another worker"}, nil
		}

		r.mu.Lock()
		r.inflight--
		if err == nil {
			r.ran++
			switch {
			case out.retry:
			case out.rejected:
				r.rejected++
				if r.rejected > r.spec.Study.Trials {
					r.done++
				}
			default:
				r.done++
			}
			if out.state == goptuna.TrialStateComplete && (math.IsNaN(r.best) || out.value > r.best) {
				r.best = out.value
			}
		}
		done, best := r.done, r.best
		r.mu.Unlock()
		if err != nil {
			return err
		}
		r.emit(Event{Kind: EventTrialEnd, Trial: out.number, Config: out.cfg, Point: out.point, State: out.state,
			Value: out.value, Best: best, Done: done, Total: r.spec.Study.Trials, Message: out.reason})
	}
}

// heartbeat refreshes trial id's heartbeat until the returned stop is called.
// In a shared study, a heartbeat refused because another worker failed the trial as stale
// calls takenOver, which stops the trial's training: its point is being retried elsewhere.
func (r *runner) heartbeat(id int, takenOver func()) (stop func()) {
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTicker(r.beat)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				err := r.st.Heartbeat(id)
				if r.shared && errors.Is(err, goptuna.ErrTrialCannotBeUpdated) {
					takenOver()
					return
				}
				if err != nil {
					r.emit(Event{Kind: EventWarning, Message: fmt.Sprintf("heartbeat of trial id %d: %v", id, err)})
				}
			}
		}
	}()
	return func() { close(done); wg.Wait() }
}

// nouns writes n with the singular or plural noun.
func nouns(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return strconv.Itoa(n) + " " + many
}
