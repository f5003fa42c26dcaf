package reports

import (
	"errors"
	"fmt"
	"github.com/attnsearch/attnsearch/record"
	"math"
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
}

// ErrNoStudyInfo means the study was not created by attnsearch (no record.StudyInfo attribute).
var ErrNoStudyInfo = errors.New("study has no attnsearch settings")

// Load reads study from st and builds its report.
func Load(st goptuna.Storage, study string) (*Report, error) {
	info, trials, err := read(st, study)
	if err != nil {
		return nil, err
	}
	return Build(study, info, trials)
}

// StudyReader is what Read needs of a store (a goptuna.Storage, or a read-only view of one).
type StudyReader interface {
	GetStudyIDFromName(name string) (int, error)
	GetStudySystemAttrs(id int) (map[string]string, error)
	GetAllTrials(id int) ([]goptuna.FrozenTrial, error)
}

// Read returns a study's ID, system attributes and trials, as stored.
func Read(st StudyReader, study string) (id int, sys map[string]string, trials []goptuna.FrozenTrial, err error) {
	if id, err = st.GetStudyIDFromName(study); err != nil {
		return 0, nil, nil, fmt.Errorf("reports: study %q: %w", study, err)
	}
	if sys, err = st.GetStudySystemAttrs(id); err != nil {
		return 0, nil, nil, fmt.Errorf("reports: study %q attributes: %w", study, err)
	}
	if trials, err = st.GetAllTrials(id); err != nil {
		return 0, nil, nil, fmt.Errorf("reports: study %q trials: %w", study, err)
	}
	return id, sys, trials, nil
}

// read returns an attnsearch study's settings and trials; ErrNoStudyInfo for another program's study.
func read(st StudyReader, study string) (record.StudyInfo, []goptuna.FrozenTrial, error) {
	_, sys, trials, err := Read(st, study)
	if err != nil {
		return record.StudyInfo{}, nil, err
	}
	js, ok := sys[record.SysStudyInfo]
	if !ok {
		return record.StudyInfo{}, nil, fmt.Errorf("reports: study %q: %w", study, ErrNoStudyInfo)
	}
	info, err := record.ParseStudyInfo(js)
	if err != nil {
		return record.StudyInfo{}, nil, fmt.Errorf("reports: study %q: %s: %w", study, record.SysStudyInfo, err)
	}
	return info, trials, nil
}

// decode appends trials, decoded, to r.Trials and orders them by number.
func (r *Report) decode(trials []goptuna.FrozenTrial) error {
	for _, ft := range trials {
		t, err := record.Decode(ft)
		if err != nil {
			return err
		}
		r.Trials = append(r.Trials, t)
	}
	sort.SliceStable(r.Trials, func(i, j int) bool { return r.Trials[i].Number < r.Trials[j].Number })
	record.SetAttempts(r.Trials)
	return nil
}

// Build decodes trials and computes the front and its hypervolume.
func Build(study string, info record.StudyInfo, trials []goptuna.FrozenTrial) (*Report, error) {
	if info.Objective.Listed() {
		return buildListed(study, info, trials)
	}
	mk, err := MetricKey(info.Objective.Metric)
	if err != nil {
		return nil, err
	}
	ck, err := CostKey(info.Objective.Cost)
	if err != nil {
		return nil, err
	}
	r := &Report{Study: study, Info: info, Objectives: []string{mk, ck}, Directions: []string{"maximize", "minimize"}}
	if err := r.decode(trials); err != nil {
		return nil, err
	}

	var cand []int
	var points []objective.Point
	maxCost := 0.0
	for i, t := range r.Trials {
		q, c, ok := r.qualityCost(t)
		if !ok || t.State != goptuna.TrialStateComplete || !t.Feasible {
			continue
		}
		cand = append(cand, i)
		points = append(points, objective.Point{Quality: q, Costs: []float64{c}})
		maxCost = math.Max(maxCost, c)
	}
	for _, k := range objective.Pareto(points) {
		r.Front = append(r.Front, cand[k])
		r.Trials[cand[k]].Pareto = true
	}
	sort.SliceStable(r.Front, func(a, b int) bool {
		_, ca, _ := r.qualityCost(r.Trials[r.Front[a]])
		_, cb, _ := r.qualityCost(r.Trials[r.Front[b]])
		return ca < cb
	})
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
		if t.State != goptuna.TrialStateComplete || !t.Feasible || !finite(t.Value) {
			continue
		}
		if best < 0 || t.Value > r.Trials[best].Value {
			best = i
		}
	}
	return best
}

// Find returns the index into Trials of trial number n, or -1.
func (r *Report) Find(n int) int {
	for i, t := range r.Trials {
		if t.Number == n {
			return i
		}
	}
	return -1
}

// Counts returns the number of trials in each state name.
func (r *Report) Counts() map[string]int {
	out := map[string]int{}
	for _, t := range r.Trials {
		out[record.StateName(t.State)]++
	}
	return out
}
