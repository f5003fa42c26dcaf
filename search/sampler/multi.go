package sampler

import (
	"fmt"
	"math"
	"sort"
	"strconv"
	"sync"

	"github.com/attnsearch/attnsearch/objective"
	"github.com/attnsearch/attnsearch/record"
	"github.com/attnsearch/attnsearch/search/internal/motpe"
	"github.com/attnsearch/attnsearch/search/internal/nsga2"
	"github.com/attnsearch/attnsearch/search/internal/observe"
	"github.com/c-bata/goptuna"
)

// MOTPE is multi-objective TPE (Ozaki et al. 2020/2022, as Optuna ≥ 3.0 runs it) over the
// study's objective vector (objective.maximize/minimize, or [metric, cost]) with the trials'
// constraint values in the sampler (search/internal/motpe).
var MOTPE = Kind{
	Name:     "motpe",
	Relative: true,
	Options: []Option{optStartup, optCandidates,
		{Name: "multivariate", Bool: true, Min: 0, Max: 1}, // joint product kernels instead of one estimator per parameter
		optSigmaWeighted},
	New: func(_ int64, opts map[string]float64) (Algorithm, error) {
		return observeAlgo{s: motpe.New(motpe.Options{Startup: int(opts["startup_trials"]),
			Candidates: int(opts["ei_candidates"]), Multivariate: opts["multivariate"] == 1,
			SigmaWeighted: opts["sigma_weighted"] == 1}), multi: true, cache: &historyCache{}}, nil
	},
}

// NSGA2 is NSGA-II with constrained domination over the study's objective vector, its
// generations recomputed from the stored history (search/internal/nsga2).
var NSGA2 = Kind{
	Name:     "nsga2",
	Relative: true,
	Options: []Option{
		{Name: "population", Int: true, Min: 2, Max: 1e6}, // points per generation (default 50)
		{Name: "crossover_prob", Min: 0, Max: 1},          // probability that a child crosses its parents (default 0.9)
		{Name: "mutation_prob", Min: 0, Max: 1},           // per-parameter mutation probability (default 1/parameters)
		{Name: "eta_c", Min: 0, MinOpen: true},            // SBX distribution index (default 20)
		{Name: "eta_m", Min: 0, MinOpen: true},            // polynomial mutation distribution index (default 20)
	},
	New: func(_ int64, opts map[string]float64) (Algorithm, error) {
		return observeAlgo{s: nsga2.New(nsga2.Options{Population: int(opts["population"]), CrossoverProb: opts["crossover_prob"],
			MutationProb: opts["mutation_prob"], EtaC: opts["eta_c"], EtaM: opts["eta_m"]}), multi: true, cache: &historyCache{}}, nil
	},
}

// observeAlgo runs one of search/internal's history samplers: every point is drawn jointly from
// the stored history; a parameter outside the joint space is drawn uniformly.
type observeAlgo struct {
	independent
	s     observe.Sampler
	multi bool          // learn from the objective vectors (else from the scalar score)
	cache *historyCache // finished trials already read
}

var _ Algorithm = observeAlgo{}

// SampleRelative draws the point of the given ordinal.
func (a observeAlgo) SampleRelative(view *goptuna.Study, _ goptuna.FrozenTrial, space map[string]interface{}, ordinal int, seed int64) (map[string]float64, error) {
	return samplePoint(a.s, a.cache, view, space, ordinal, seed, a.multi)
}

// samplePoint reads the history (through cache when not nil) and asks s for the point.
func samplePoint(s observe.Sampler, cache *historyCache, view *goptuna.Study, space map[string]interface{}, ordinal int, seed int64, multi bool) (map[string]float64, error) {
	if len(space) == 0 {
		return nil, nil
	}
	past, err := cache.history(view, multi)
	if err != nil {
		return nil, err
	}
	return s.SamplePoint(space, past, ordinal, seed)
}

// historyCache keeps the finished trials History has read, so that a point converts only the
// trials that finished since the last one (a finished trial never changes). Where the view's
// storage reads trials from a number on (AllTrialsFrom: search's view of a study), it also reads
// only those: it keeps the history of the trials numbered below next, every one of which was
// finished when read, and reads the rest; else it reads every trial and converts the new ones
// (done, by trial number).
type historyCache struct {
	mu    sync.Mutex
	multi bool
	done  map[int]observe.Trial
	study int
	next  int             // every trial numbered below next was finished when read
	head  []observe.Trial // the history of those trials (FAIL ones and those without an ordinal left out), by increasing ordinal
}

// AllTrialsFrom is a study storage that reads the trials numbered from some number on, FAIL ones
// included (search's view of a study): a reader that keeps what it read must see every number
// taken, while the history leaves FAIL trials out.
type AllTrialsFrom interface {
	AllTrialsFrom(studyID, number int) ([]goptuna.FrozenTrial, error)
}

// history is History(view, multi) through the cache (History itself when c is nil).
func (c *historyCache) history(view *goptuna.Study, multi bool) ([]observe.Trial, error) {
	if c == nil {
		return History(view, multi)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.done == nil || c.multi != multi || c.study != view.ID {
		c.done, c.multi, c.study, c.next, c.head = map[int]observe.Trial{}, multi, view.ID, 0, nil
	}
	tr, ok := view.Storage.(AllTrialsFrom)
	if !ok {
		return readHistory(view, multi, c.done)
	}
	goals, err := studyGoals(view, multi)
	if err != nil {
		return nil, err
	}
	tail, err := tr.AllTrialsFrom(view.ID, c.next)
	if err != nil {
		return nil, fmt.Errorf("sampler: trials: %w", err)
	}
	var rest []observe.Trial
	leading := true // the trials so far continue the kept ones, all finished
	for _, ft := range tail {
		leading = leading && ft.Number == c.next && ft.State.IsFinished()
		if ft.State == goptuna.TrialStateFail {
			if leading {
				c.next++
			}
			continue
		}
		t, ok, err := convert(ft, multi, goals)
		if err != nil {
			return nil, err // c.next stays at ft: the next call converts it again
		}
		if leading {
			c.next++
		}
		switch {
		case !ok:
		case leading:
			// After the kept ones of the same ordinal, as History's stable sort orders them.
			k := sort.Search(len(c.head), func(i int) bool { return c.head[i].Ordinal > t.Ordinal })
			c.head = append(c.head, observe.Trial{})
			copy(c.head[k+1:], c.head[k:])
			c.head[k] = t
		default:
			rest = append(rest, t)
		}
	}
	out := make([]observe.Trial, 0, len(c.head)+len(rest))
	out = append(append(out, c.head...), rest...)
	sortByOrdinal(out)
	return out, nil
}

// History reads the view's trials as the history samplers see them, in increasing ordinal. With
// multi, a trial's values are its stored objective vector (record.KeyObjectives) with maximised
// goals negated (the goals come from the study's record.StudyInfo) and its constraints its stored
// constraint values (record.KeyConstraints); without, its value is the negated scalar score
// (goptuna's Value; the last intermediate one when pruned). Trials without an ordinal (not yet
// sampled) are left out.
func History(view *goptuna.Study, multi bool) ([]observe.Trial, error) {
	return readHistory(view, multi, nil)
}

// readHistory is History, taking finished trials from done (by trial number) when there and
// adding those it converts.
func readHistory(view *goptuna.Study, multi bool, done map[int]observe.Trial) ([]observe.Trial, error) {
	goals, err := studyGoals(view, multi)
	if err != nil {
		return nil, err
	}
	trials, err := view.GetTrials()
	if err != nil {
		return nil, fmt.Errorf("sampler: trials: %w", err)
	}
	out := make([]observe.Trial, 0, len(trials))
	for _, ft := range trials {
		if t, ok := done[ft.Number]; ok && ft.State.IsFinished() {
			out = append(out, t)
			continue
		}
		t, ok, err := convert(ft, multi, goals)
		if err != nil {
			return nil, err
		}
		if !ok {
			continue
		}
		if done != nil && ft.State.IsFinished() {
			done[ft.Number] = t
		}
		out = append(out, t)
	}
	sortByOrdinal(out)
	return out, nil
}

// studyGoals returns the goals of the study behind view (its stored record.StudyInfo) when multi,
// else nil.
func studyGoals(view *goptuna.Study, multi bool) ([]record.Goal, error) {
	if !multi {
		return nil, nil
	}
	attrs, err := view.Storage.GetStudySystemAttrs(view.ID)
	if err != nil {
		return nil, fmt.Errorf("sampler: study attributes: %w", err)
	}
	js, ok := attrs[record.SysStudyInfo]
	if !ok {
		return nil, fmt.Errorf("sampler: study has no %s: a multi-objective sampler needs the declared goals", record.SysStudyInfo)
	}
	info, err := record.ParseStudyInfo(js)
	if err != nil {
		return nil, fmt.Errorf("sampler: %w", err)
	}
	return info.Objective.Goals(), nil
}

// convert is one trial as History sees it; ok is false for a trial without an ordinal (not yet
// sampled).
func convert(ft goptuna.FrozenTrial, multi bool, goals []record.Goal) (t observe.Trial, ok bool, err error) {
	s, ok := ft.SystemAttrs[record.SysOrdinal]
	if !ok {
		return t, false, nil
	}
	ord, err := strconv.Atoi(s)
	if err != nil {
		return t, false, fmt.Errorf("sampler: trial %d %s: %w", ft.Number, record.SysOrdinal, err)
	}
	t = observe.Trial{Ordinal: ord, Params: ft.InternalParams, State: observe.Running}
	switch ft.State {
	case goptuna.TrialStateComplete:
		t.State = observe.Complete
	case goptuna.TrialStatePruned:
		t.State = observe.Pruned
		t.Step, _ = ft.GetLatestStep()
	}
	if t.State == observe.Running {
		return t, true, nil
	}
	if multi {
		if t.Values, err = vectorAttr(ft, record.KeyObjectives); err != nil {
			return t, false, err
		}
		t.Values = objective.Minimized(goals, t.Values)
		if t.Constraints, err = vectorAttr(ft, record.KeyConstraints); err != nil {
			return t, false, err
		}
		return t, true, nil
	}
	v := ft.Value
	if t.State == observe.Pruned {
		v = math.NaN()
		if iv, ok := ft.IntermediateValues[t.Step]; ok {
			v = iv
		}
	}
	t.Values = []float64{-v}
	return t, true, nil
}

// vectorAttr parses a vector user attribute (nil when absent).
func vectorAttr(ft goptuna.FrozenTrial, key string) ([]float64, error) {
	s, ok := ft.UserAttrs[key]
	if !ok {
		return nil, nil
	}
	v, err := record.ParseVector(s)
	if err != nil {
		return nil, fmt.Errorf("sampler: trial %d %s: %w", ft.Number, key, err)
	}
	return v, nil
}

// sortByOrdinal orders trials by ordinal (insertion sort: the store mostly returns them in order).
func sortByOrdinal(ts []observe.Trial) {
	for i := 1; i < len(ts); i++ {
		for j := i; j > 0 && ts[j].Ordinal < ts[j-1].Ordinal; j-- {
			ts[j], ts[j-1] = ts[j-1], ts[j]
		}
	}
}
