package reports

import (
	"cmp"
	"errors"
	"fmt"
	"github.com/attnsearch/attnsearch/record"
	"math"
	"slices"
	"sort"

	"github.com/attnsearch/attnsearch/objective"
	"github.com/c-bata/goptuna"
)

// Report is a study's trials with the Pareto front of quality against the declared cost.
type Report struct {
	Study       string           // study name
	Info        record.StudyInfo // the study's settings as stored
	Objectives  []string         // metric keys of the objective vector (metric/cost form: quality, then cost)
	Directions  []string         // "maximize" or "minimize" per objective, same order
	Reference   []float64        // hypervolume reference per objective (same order)
	Trials      []record.Trial   // every trial, by number
	Front       []int            // indices into Trials of the front, sorted by increasing cost
	RefCost     float64          // hypervolume reference cost: the budget of the cost, or the largest candidate cost when unset
	Hypervolume float64          // area dominated by the front above P = 0 and below RefCost

	part *partial // read from the study's digest: what it says of the trials not in Trials (nil: Trials are every trial)
}

// ErrNoStudyInfo means the study was not created by attnsearch (no record.StudyInfo attribute).
var ErrNoStudyInfo = errors.New("study has no attnsearch settings")

// Load reads study from st and builds its report.
func Load(st goptuna.Storage, study string) (*Report, error) {
	return LoadWith(st, study, LoadOptions{Fidelity: "all"})
}

// LoadOptions tunes LoadWith.
type LoadOptions struct {
	// Fidelity picks the trials as LoadFidelity's fidelity does ("" the study's own choice).
	Fidelity string
	// Scan hands the study's trials to fn one at a time, in number order (store.ScanTrials,
	// projected to what the caller renders: see Heavy); keep, when not nil, names the only user
	// attributes needed (and neither parameters nor intermediate values are). Nil reads the
	// trials with GetAllTrials.
	Scan func(studyID int, keep []string, fn func(goptuna.FrozenTrial) error) error
	// Tail and Get, when both are set, let LoadWith answer from the study's digest
	// (record.Digest) when it has one over the report's objective: Tail reads the trials numbered
	// from or above, whole, Get one trial by number. The report then holds the front, the trials
	// the digest does not cover, and those Locate and Best add; Trials is not every trial (for
	// --all, plots and the page, leave them unset).
	Tail func(studyID, from int) ([]goptuna.FrozenTrial, error)
	Get  func(studyID, number int) (goptuna.FrozenTrial, error)
	// Narrow asks Scan for what the front, the best trial, the counts and the attempts need
	// (the feasibility, fidelity and objective figures) and nothing else: the report then
	// prints no trial as stored, only Refill-ed ones (show, best).
	Narrow bool
}

// Heavy are the user attributes that only a trial's own page and the JSON report's histories
// render: a scan for a table, a front, a plot or a summary may leave them out (and Refill the
// trials that need them).
func Heavy() []string { return []string{record.KeyHistory, record.KeyLog, record.KeyStderr} }

// LoadWith reads study from st, one trial at a time through o.Scan (no trial is held twice:
// each is decoded as it comes), and builds the report of the trials of o.Fidelity.
func LoadWith(st goptuna.Storage, study string, o LoadOptions) (*Report, error) {
	id, info, sys, err := studyInfo(st, study)
	if err != nil {
		return nil, err
	}
	if d := digestOf(sys, info); d != nil && o.Tail != nil && o.Get != nil {
		return loadDigest(study, info, id, d, o)
	}
	scan := o.Scan
	if scan == nil {
		scan = func(id int, _ []string, fn func(goptuna.FrozenTrial) error) error {
			fts, err := st.GetAllTrials(id)
			if err != nil {
				return err
			}
			for _, ft := range fts {
				if err := fn(ft); err != nil {
					return err
				}
			}
			return nil
		}
	}
	var keep []string
	if o.Narrow {
		if keep, err = narrowAttrs(info); err != nil {
			return nil, err
		}
	}
	var trials []record.Trial
	var decodeErr error
	err = scan(id, keep, func(ft goptuna.FrozenTrial) error {
		t, err := record.Decode(ft)
		if err != nil {
			decodeErr = err
			return err
		}
		trials = append(trials, t)
		return nil
	})
	if decodeErr != nil {
		return nil, decodeErr
	}
	if err != nil {
		return nil, fmt.Errorf("reports: study %q trials: %w", study, err)
	}
	return buildTrials(nil, study, info, ofFidelity(trials, o.Fidelity), nil)
}

// digestOf returns the study's digest when it has one over the report's objective, else nil (the
// report then reads every trial).
func digestOf(sys map[string]string, info record.StudyInfo) *record.Digest {
	js, ok := sys[record.SysDigest]
	if !ok {
		return nil
	}
	keys, dirs, err := objective.FrontKeys(info.Objective)
	if err != nil {
		return nil
	}
	d, ok, err := record.ParseDigest(js)
	if err != nil || !ok || !d.Over(keys, dirs) {
		return nil
	}
	return d
}

// narrowAttrs are the user attributes a narrow LoadWith needs: feasibility, fidelity and the
// objective's figures.
func narrowAttrs(info record.StudyInfo) ([]string, error) {
	keys, _, err := objective.FrontKeys(info.Objective)
	if err != nil {
		return nil, fmt.Errorf("reports: %w", err)
	}
	return append([]string{record.KeyFeasible, record.KeyFidelity}, keys...), nil
}

// studyInfo returns the ID, the attnsearch settings and the system attributes of study.
func studyInfo(st goptuna.Storage, study string) (int, record.StudyInfo, map[string]string, error) {
	id, sys, err := studyAttrs(st, study)
	if err != nil {
		return 0, record.StudyInfo{}, nil, err
	}
	js, ok := sys[record.SysStudyInfo]
	if !ok {
		return 0, record.StudyInfo{}, nil, fmt.Errorf("reports: study %q: %w", study, ErrNoStudyInfo)
	}
	info, err := record.ParseStudyInfo(js)
	if err != nil {
		return 0, record.StudyInfo{}, nil, fmt.Errorf("reports: study %q: %s: %w", study, record.SysStudyInfo, err)
	}
	return id, info, sys, nil
}

// studyAttrs returns the ID and the system attributes of study.
func studyAttrs(st StudyReader, study string) (int, map[string]string, error) {
	id, err := st.GetStudyIDFromName(study)
	if err != nil {
		return 0, nil, fmt.Errorf("reports: study %q: %w", study, err)
	}
	sys, err := st.GetStudySystemAttrs(id)
	if err != nil {
		return 0, nil, fmt.Errorf("reports: study %q attributes: %w", study, err)
	}
	return id, sys, nil
}

// Refill replaces the trials at indices idx by the whole trials get returns (after a LoadWith
// whose scan left parts out), keeping what the report computed of them: front membership and
// attempt.
func (r *Report) Refill(get func(number int) (goptuna.FrozenTrial, error), idx ...int) error {
	for _, i := range idx {
		ft, err := get(r.Trials[i].Number)
		if err != nil {
			return fmt.Errorf("reports: study %q trial %d: %w", r.Study, r.Trials[i].Number, err)
		}
		t, err := record.Decode(ft)
		if err != nil {
			return err
		}
		t.Pareto, t.Attempt = r.Trials[i].Pareto, r.Trials[i].Attempt
		r.Trials[i] = t
	}
	return nil
}

// decodeAll decodes trials.
func decodeAll(trials []goptuna.FrozenTrial) ([]record.Trial, error) {
	out := make([]record.Trial, 0, len(trials))
	for _, ft := range trials {
		t, err := record.Decode(ft)
		if err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, nil
}

// setTrials orders trials by number, numbers their attempts and makes them r.Trials.
func (r *Report) setTrials(trials []record.Trial) error {
	byNumber := func(a, b record.Trial) int { return cmp.Compare(a.Number, b.Number) }
	if !slices.IsSortedFunc(trials, byNumber) { // as read, they are
		slices.SortStableFunc(trials, byNumber)
	}
	r.Trials = trials
	return r.setAttempts()
}

// Build decodes trials and computes the front and its hypervolume.
func Build(study string, info record.StudyInfo, trials []goptuna.FrozenTrial) (*Report, error) {
	ts, err := decodeAll(trials)
	if err != nil {
		return nil, err
	}
	return BuildTrials(study, info, ts)
}

// BuildTrials is Build of decoded trials, which it owns from then on: it orders them and sets
// their Pareto marks and attempts (so each trial given must have neither set).
func BuildTrials(study string, info record.StudyInfo, trials []record.Trial) (*Report, error) {
	return BuildTrialsAfter(nil, study, info, trials)
}

// BuildTrialsAfter is BuildTrials of a study read again after prev, a report that BuildTrials or
// BuildTrialsAfter built of the same study with the same settings (nil: none): a COMPLETE trial
// never changes, so each of prev's is among trials as it was, and the front is found among
// prev's front and the trials that were not COMPLETE in prev — the same front, without
// checking every trial again.
func BuildTrialsAfter(prev *Report, study string, info record.StudyInfo, trials []record.Trial) (*Report, error) {
	return buildTrials(prev, study, info, trials, nil)
}

// buildTrials is BuildTrialsAfter; p, when not nil, is what the study's digest says of the
// trials it does not hold.
func buildTrials(prev *Report, study string, info record.StudyInfo, trials []record.Trial, p *partial) (*Report, error) {
	keys, dirs, err := objective.FrontKeys(info.Objective)
	if err != nil {
		return nil, fmt.Errorf("reports: %w", err)
	}
	r := &Report{Study: study, Info: info, Objectives: keys, Directions: dirs, part: p}
	if err := r.setTrials(trials); err != nil {
		return nil, err
	}
	if info.Objective.Listed() {
		return r.buildListed(prev)
	}

	var cand []int
	var points [][]float64 // (−quality, cost): both minimised
	maxCost := 0.0
	for i, t := range r.Trials {
		q, c, ok := r.qualityCost(t)
		if !ok || t.State != goptuna.TrialStateComplete || !t.Feasible {
			continue
		}
		cand = append(cand, i)
		points = append(points, []float64{-q, c})
		maxCost = math.Max(maxCost, c)
	}
	for _, k := range frontAfter(prev, r.Trials, cand, points) {
		r.Front = append(r.Front, cand[k])
		r.Trials[cand[k]].Pareto = true
	}
	sort.SliceStable(r.Front, func(a, b int) bool {
		_, ca, _ := r.qualityCost(r.Trials[r.Front[a]])
		_, cb, _ := r.qualityCost(r.Trials[r.Front[b]])
		return ca < cb
	})
	if p != nil && p.worst != nil {
		maxCost = math.Max(maxCost, p.worst[1])
	}
	r.RefCost = objective.RefCost(info.Objective, info.Budget)
	if r.RefCost <= 0 {
		r.RefCost = maxCost
	}
	front2 := make([]objective.Point2, 0, len(r.Front))
	for _, i := range r.Front {
		q, c, _ := r.qualityCost(r.Trials[i])
		front2 = append(front2, objective.Point2{Quality: q, Cost: c})
	}
	r.Hypervolume = objective.Hypervolume(front2, objective.Point2{Quality: 0, Cost: r.RefCost})
	r.Reference = []float64{0, r.RefCost}
	return r, nil
}

// qualityCost returns a trial's P and E by the report's objective keys; ok is false when either
// is missing or not finite.
func (r *Report) qualityCost(t record.Trial) (q, c float64, ok bool) {
	q, okq := t.Metrics[r.Objectives[0]]
	c, okc := t.Metrics[r.Objectives[1]]
	return q, c, okq && okc && finite(q) && finite(c)
}

// Best returns the index into Trials of the COMPLETE feasible trial with the highest score, or -1.
func (r *Report) Best() int {
	best := -1
	for i, t := range r.Trials {
		if t.State != goptuna.TrialStateComplete || !t.Feasible || !finite(t.Value) || r.covered(t.Number) {
			continue
		}
		if best < 0 || t.Value > r.Trials[best].Value {
			best = i
		}
	}
	p := r.part
	if p == nil || p.best == nil || (best >= 0 && (r.Trials[best].Value > p.best.Score || (r.Trials[best].Value == p.best.Score && r.Trials[best].Number < p.best.Number))) {
		return best
	}
	return r.Find(p.best.Number) // holdBest included it
}

// holdBest includes in Trials, when the report is read from a digest, the best trial the digest
// names (holding its score), so that Best can return its index.
func (r *Report) holdBest() error {
	p := r.part
	if p == nil || p.best == nil {
		return nil
	}
	i := r.Find(p.best.Number)
	if i < 0 {
		t := record.Trial{Number: p.best.Number, State: goptuna.TrialStateComplete, Feasible: true, Fidelity: p.bestFid, RetryOf: -1, Metrics: map[string]float64{}}
		if l, ok := p.d.Links[t.Number]; ok {
			t.RetryOf, t.Retry = l.RetryOf, l.Retry
		}
		var err error
		if i, err = r.include(t); err != nil {
			return err
		}
	}
	r.Trials[i].Value, r.Trials[i].HasValue = p.best.Score, true
	return nil
}

// Find returns the index into Trials of trial number n, or -1 (see Locate for a report read from
// a digest).
func (r *Report) Find(n int) int {
	i := sort.Search(len(r.Trials), func(i int) bool { return r.Trials[i].Number >= n }) // Trials are in number order
	if i < len(r.Trials) && r.Trials[i].Number == n {
		return i
	}
	return -1
}

// Counts returns the number of trials in each state name.
func (r *Report) Counts() map[string]int {
	out := map[string]int{}
	if r.part != nil {
		for s, k := range r.part.counts {
			out[s] += k
		}
	}
	for _, t := range r.Trials {
		if !r.covered(t.Number) {
			out[record.StateName(t.State)]++
		}
	}
	return out
}

// StudyReader is what Read needs of a store (a goptuna.Storage, or a read-only view of one).
type StudyReader interface {
	GetStudyIDFromName(name string) (int, error)
	GetStudySystemAttrs(id int) (map[string]string, error)
	GetAllTrials(id int) ([]goptuna.FrozenTrial, error)
}

// Read returns a study's ID, system attributes and trials, as stored.
func Read(st StudyReader, study string) (id int, sys map[string]string, trials []goptuna.FrozenTrial, err error) {
	if id, sys, err = studyAttrs(st, study); err != nil {
		return 0, nil, nil, err
	}
	if trials, err = st.GetAllTrials(id); err != nil {
		return 0, nil, nil, fmt.Errorf("reports: study %q trials: %w", study, err)
	}
	return id, sys, trials, nil
}
