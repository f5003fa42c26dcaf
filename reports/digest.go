package reports

import (
	"fmt"
	"maps"
	"slices"
	"sort"
	"time"

	"github.com/attnsearch/attnsearch/record"
	"github.com/c-bata/goptuna"
)

// A report read from a study's digest (record.Digest, LoadOptions.Tail) holds the front, the
// trials the digest does not cover and those a caller asks for (Locate, Best); partial is what it
// knows of the rest. Every method of Report answers as it would over every trial.
type partial struct {
	d       *record.Digest
	fid     string              // the fidelity the report is over ("all", or one class)
	counts  map[string]int      // covered trials of that fidelity by state name
	total   int                 // their number
	best    *record.DigestPoint // the best covered trial
	bestFid string              // its fidelity
	worst   []float64           // per objective, the worst figure among covered candidates (nil: none)
	params  []string            // parameter names of covered trials
	started *time.Time
	get     func(number int) (goptuna.FrozenTrial, error)
}

// selects reports whether a trial of fidelity f belongs to the report.
func (p *partial) selects(f string) bool { return p.fid == "all" || p.fid == f }

// loadDigest builds the report of o.Fidelity from digest d and the trials it does not cover.
func loadDigest(study string, info record.StudyInfo, id int, d *record.Digest, o LoadOptions) (*Report, error) {
	fts, err := o.Tail(id, d.Below)
	if err != nil {
		return nil, fmt.Errorf("reports: study %q trials from %d: %w", study, d.Below, err)
	}
	for _, n := range d.Open {
		ft, err := o.Get(id, n)
		if err != nil {
			return nil, fmt.Errorf("reports: study %q trial %d: %w", study, n, err)
		}
		fts = append(fts, ft)
	}
	tail, err := decodeAll(fts)
	if err != nil {
		return nil, err
	}
	fid := o.Fidelity
	if fid == "" {
		fid = "all"
		supernet := d.Classes[record.FidelityInherited] != nil
		for _, t := range tail {
			supernet = supernet || t.Fidelity == record.FidelityInherited
		}
		if supernet {
			fid = record.FidelityRetrained
		}
	}
	p := &partial{d: d, fid: fid, counts: map[string]int{}, get: func(n int) (goptuna.FrozenTrial, error) { return o.Get(id, n) }}
	var trials []record.Trial
	for _, class := range slices.Sorted(maps.Keys(d.Classes)) {
		c := d.Classes[class]
		if !p.selects(class) {
			continue
		}
		for s, k := range c.Counts {
			p.counts[s] += k
			p.total += k
		}
		if c.Best != nil && (p.best == nil || c.Best.Score > p.best.Score || (c.Best.Score == p.best.Score && c.Best.Number < p.best.Number)) {
			b := *c.Best
			p.best, p.bestFid = &b, class
		}
		if c.Started != nil && (p.started == nil || c.Started.Before(*p.started)) {
			p.started = c.Started
		}
		p.params = append(p.params, c.Params...)
		if c.Worst != nil {
			if p.worst == nil {
				p.worst = slices.Clone(c.Worst)
			}
			for j, x := range c.Worst {
				if d.Minimise[j] == (x > p.worst[j]) && x != p.worst[j] {
					p.worst[j] = x
				}
			}
		}
		for _, fp := range c.Front {
			t := record.Trial{Number: fp.Number, State: goptuna.TrialStateComplete, Feasible: true, Fidelity: class,
				Metrics: map[string]float64{}, RetryOf: -1}
			for j, k := range d.Keys {
				t.Metrics[k] = fp.Values[j]
			}
			if l, ok := d.Links[fp.Number]; ok {
				t.RetryOf, t.Retry = l.RetryOf, l.Retry
			}
			trials = append(trials, t)
		}
	}
	for _, t := range tail {
		if p.selects(t.Fidelity) {
			trials = append(trials, t)
		}
	}
	r, err := buildTrials(nil, study, info, trials, p)
	if err != nil {
		return nil, err
	}
	if err := r.holdBest(); err != nil {
		return nil, err
	}
	return r, nil
}

// covered reports whether trial t of the report is counted by its digest (not by itself).
func (r *Report) covered(n int) bool { return r.part != nil && r.part.d.Covers(n) }

// setAttempts numbers the attempts of r.Trials: a trial that retries another of the report is
// that one's attempt plus one, a retry whose first attempt the report lacks is attempt 2.
func (r *Report) setAttempts() error {
	if r.part == nil {
		record.SetAttempts(r.Trials)
		return nil
	}
	for i := range r.Trials {
		a, err := r.attempt(r.Trials[i].Number)
		if err != nil {
			return err
		}
		r.Trials[i].Attempt = a
	}
	return nil
}

// chainLink returns what the report knows of trial n's retry chain: the trial it retries (-1:
// none) and whether n belongs to the report; an error when the trial had to be read and could
// not be.
func (r *Report) chainLink(n int) (retryOf int, in bool, err error) {
	if i := r.Find(n); i >= 0 {
		return r.Trials[i].RetryOf, true, nil
	}
	p := r.part
	if p == nil || !p.d.Covers(n) {
		return -1, false, nil
	}
	if l, ok := p.d.Links[n]; ok {
		return l.RetryOf, p.selects(l.Fidelity), nil
	}
	if p.fid == "all" {
		return -1, true, nil
	}
	ft, err := p.get(n) // a covered first attempt of another class is rare: read it
	if err != nil {
		return -1, false, fmt.Errorf("reports: study %q trial %d: %w", r.Study, n, err)
	}
	return -1, p.selects(ft.UserAttrs[record.KeyFidelity]), nil
}

// attempt is trial n's attempt at its point (record.SetAttempts over the report's trials).
func (r *Report) attempt(n int) (int, error) {
	a := 1
	for depth := 0; ; depth++ {
		of, _, err := r.chainLink(n)
		if err != nil || of < 0 {
			return a, err
		}
		_, in, err := r.chainLink(of)
		if err != nil {
			return a, err
		}
		if !in || depth > r.Total() {
			return a + 1, nil
		}
		n, a = of, a+1
	}
}

// include adds trial t (covered by the digest, off the front) to Trials, in number order, and
// returns its index.
func (r *Report) include(t record.Trial) (int, error) {
	i := sort.Search(len(r.Trials), func(i int) bool { return r.Trials[i].Number >= t.Number })
	r.Trials = slices.Insert(r.Trials, i, t)
	for k, f := range r.Front {
		if f >= i {
			r.Front[k] = f + 1
		}
	}
	a, err := r.attempt(t.Number)
	if err != nil {
		return -1, err
	}
	r.Trials[i].Attempt = a
	return i, nil
}

// Locate returns the index into Trials of trial number n, or -1 when the report has no such
// trial; a report read from a digest reads it with get first when it does not hold it.
func (r *Report) Locate(n int) (int, error) {
	if i := r.Find(n); i >= 0 || !r.covered(n) {
		return i, nil
	}
	ft, err := r.part.get(n)
	if err != nil {
		return -1, fmt.Errorf("reports: study %q trial %d: %w", r.Study, n, err)
	}
	t, err := record.Decode(ft)
	if err != nil {
		return -1, err
	}
	if !r.part.selects(t.Fidelity) {
		return -1, nil
	}
	return r.include(t)
}

// Total returns the number of trials the report is over.
func (r *Report) Total() int {
	if r.part == nil {
		return len(r.Trials)
	}
	n := r.part.total
	for _, t := range r.Trials {
		if !r.covered(t.Number) {
			n++
		}
	}
	return n
}

// Points returns the number of points the report's trials tried (first attempts).
func (r *Report) Points() int {
	n := r.Total()
	for _, t := range r.Trials {
		if t.RetryOf >= 0 && !r.covered(t.Number) {
			n--
		}
	}
	if r.part != nil {
		for _, l := range r.part.d.Links {
			if l.RetryOf >= 0 && r.part.selects(l.Fidelity) {
				n--
			}
		}
	}
	return n
}

// Retried returns, by number, the last attempt of every point tried more than once (a trial
// that retries a point and is not retried itself) with its attempt; an error when a trial the
// report does not hold had to be read and could not be.
func (r *Report) Retried() ([]RetriedPoint, error) {
	retries := map[int]bool{} // trials that retry a point
	for _, t := range r.Trials {
		if t.RetryOf >= 0 {
			retries[t.Number] = true
		}
	}
	if r.part != nil {
		for n, l := range r.part.d.Links {
			if l.RetryOf >= 0 && r.part.selects(l.Fidelity) {
				retries[n] = true
			}
		}
	}
	retried := map[int]bool{}
	for n := range retries {
		of, _, err := r.chainLink(n)
		if err != nil {
			return nil, err
		}
		retried[of] = true
	}
	var out []RetriedPoint
	for _, n := range slices.Sorted(maps.Keys(retries)) {
		a, err := r.attempt(n)
		if err != nil {
			return nil, err
		}
		if !retried[n] && a > 1 {
			out = append(out, RetriedPoint{Trial: n, Attempts: a})
		}
	}
	return out, nil
}

// RetriedPoint is a point tried more than once: its last attempt's trial number and attempts.
type RetriedPoint struct {
	Trial    int `json:"trial"`
	Attempts int `json:"attempts"`
}

// Recovered returns, in order, the numbers of the report's trials the store failed because their
// worker died (record.Trial.Stale).
func (r *Report) Recovered() []int {
	var out []int
	for _, t := range r.Trials {
		if t.Stale && !r.covered(t.Number) {
			out = append(out, t.Number)
		}
	}
	if r.part != nil {
		for n, l := range r.part.d.Links {
			if l.Stale && r.part.selects(l.Fidelity) {
				out = append(out, n)
			}
		}
	}
	slices.Sort(out)
	return out
}

// Started returns the earliest start among the report's trials (zero: none started).
func (r *Report) Started() time.Time {
	var s time.Time
	if r.part != nil && r.part.started != nil {
		s = *r.part.started
	}
	for _, t := range r.Trials {
		if !t.Start.IsZero() && (s.IsZero() || t.Start.Before(s)) {
			s = t.Start
		}
	}
	return s
}
