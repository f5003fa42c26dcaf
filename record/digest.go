package record

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/c-bata/goptuna"
)

// SysDigest is the study system attribute holding the study's Digest (JSON).
const SysDigest = "attnsearch:digest"

// DigestVersion is the version of the Digest layout written now; a reader ignores any other.
const DigestVersion = 1

// A Digest is what a study's finished trials numbered below Below (except those in Open) add up
// to, kept per fidelity: the counts by state, the Pareto front over Keys, the worst figure of
// each key among the front's candidates, the best score, the parameter names, the earliest
// start and the retry links. A finished trial never changes, so a digest stays true as the study
// grows: a reader adds the trials numbered Below or above and those in Open, read as they are
// now, and answers "show", "best", "studies" and the front without reading the other trials.
// Whoever writes trials refreshes it (Add, then store it under SysDigest).
type Digest struct {
	Version  int                     `json:"version"`  // DigestVersion
	Keys     []string                `json:"keys"`     // the figure keys the fronts are over, in goal order
	Minimise []bool                  `json:"minimise"` // per key: smaller is better
	Below    int                     `json:"below"`    // the digest covers the trials numbered below this…
	Open     []int                   `json:"open"`     // …except these, not finished when it was made (ascending)
	Classes  map[string]*DigestClass `json:"classes"`  // by fidelity (KeyFidelity; "" = trained from scratch)
	Links    DigestLinks             `json:"links"`    // every covered trial that retries a point, is retried or was failed as stale
}

// DigestClass is a Digest's part for the covered trials of one fidelity.
type DigestClass struct {
	Counts  map[string]int `json:"counts"`            // trials by state name (StateName)
	Front   []DigestPoint  `json:"front"`             // the non-dominated candidates (COMPLETE, feasible, every key's figure finite), by number
	Worst   []float64      `json:"worst,omitempty"`   // per key, the worst figure among all candidates (nil: no candidate)
	Best    *DigestPoint   `json:"best,omitempty"`    // the COMPLETE feasible trial with the highest finite score (lowest number among equals)
	Params  []string       `json:"params"`            // every parameter name a covered trial has, sorted
	Started *time.Time     `json:"started,omitempty"` // the earliest start among them (nil: none)
}

// DigestPoint is one trial in a Digest: its number, its figures of the digest's Keys (front
// members) or its score (Best).
type DigestPoint struct {
	Number int       `json:"number"`
	Values []float64 `json:"values,omitempty"`
	Score  float64   `json:"score,omitempty"`
}

// DigestLink is a covered trial's place in a retry chain.
type DigestLink struct {
	RetryOf  int    `json:"retry_of"` // the trial whose point it retries (-1: a first attempt)
	Fidelity string `json:"fidelity"` // its KeyFidelity
	Retry    bool   `json:"retry"`    // its point is tried again by a later trial (Trial.Retry)
	Stale    bool   `json:"stale"`    // the store failed it because its worker died (Trial.Stale)
}

// DigestLinks are a digest's retry links by trial number; stored as one JSON string
// ("number:retry_of:flags:fidelity;…", flags 1 = retry, 2 = stale, by number), which a reader
// parses in a fraction of the time a JSON object per link takes.
type DigestLinks map[int]DigestLink

// MarshalJSON writes the links as one string, by number.
func (ls DigestLinks) MarshalJSON() ([]byte, error) {
	var b strings.Builder
	for _, n := range slices.Sorted(maps.Keys(ls)) {
		l := ls[n]
		flags := 0
		if l.Retry {
			flags |= 1
		}
		if l.Stale {
			flags |= 2
		}
		if strings.ContainsAny(l.Fidelity, ":;") {
			return nil, fmt.Errorf("record: digest link of trial %d: fidelity %q", n, l.Fidelity)
		}
		fmt.Fprintf(&b, "%d:%d:%d:%s;", n, l.RetryOf, flags, l.Fidelity)
	}
	return json.Marshal(b.String())
}

// UnmarshalJSON reads MarshalJSON's string.
func (ls *DigestLinks) UnmarshalJSON(data []byte) error {
	var s string
	if err := json.Unmarshal(data, &s); err != nil {
		return err
	}
	out := DigestLinks{}
	for item := range strings.SplitSeq(s, ";") {
		if item == "" {
			continue
		}
		f := strings.SplitN(item, ":", 4)
		if len(f) != 4 {
			return fmt.Errorf("digest link %q: want number:retry_of:flags:fidelity", item)
		}
		n, err1 := strconv.Atoi(f[0])
		of, err2 := strconv.Atoi(f[1])
		flags, err3 := strconv.Atoi(f[2])
		if err := errors.Join(err1, err2, err3); err != nil {
			return fmt.Errorf("digest link %q: %w", item, err)
		}
		out[n] = DigestLink{RetryOf: of, Fidelity: f[3], Retry: flags&1 != 0, Stale: flags&2 != 0}
	}
	*ls = out
	return nil
}

// NewDigest returns the digest of no trial, over keys with directions dirs ("maximize" or
// "minimize" each).
func NewDigest(keys, dirs []string) *Digest {
	d := &Digest{Version: DigestVersion, Keys: slices.Clone(keys), Minimise: make([]bool, len(dirs)),
		Open: []int{}, Classes: map[string]*DigestClass{}, Links: DigestLinks{}}
	for i, dir := range dirs {
		d.Minimise[i] = dir != "maximize"
	}
	return d
}

// ParseDigest reads a digest stored under SysDigest; ok is false for another version.
func ParseDigest(s string) (d *Digest, ok bool, err error) {
	var v struct {
		Version int `json:"version"`
	}
	if err := json.Unmarshal([]byte(s), &v); err != nil {
		return nil, false, fmt.Errorf("record: %s: %w", SysDigest, err)
	}
	if v.Version != DigestVersion {
		return nil, false, nil
	}
	d = &Digest{}
	if err := json.Unmarshal([]byte(s), d); err != nil {
		return nil, false, fmt.Errorf("record: %s: %w", SysDigest, err)
	}
	if len(d.Keys) != len(d.Minimise) {
		return nil, false, fmt.Errorf("record: %s: %d keys but %d directions", SysDigest, len(d.Keys), len(d.Minimise))
	}
	if d.Classes == nil {
		d.Classes = map[string]*DigestClass{}
	}
	if d.Links == nil {
		d.Links = DigestLinks{}
	}
	return d, true, nil
}

// Encode returns the digest as stored under SysDigest.
func (d *Digest) Encode() (string, error) {
	b, err := json.Marshal(d)
	if err != nil {
		return "", fmt.Errorf("record: encode digest: %w", err)
	}
	return string(b), nil
}

// Over reports whether the digest's fronts are over keys with directions dirs.
func (d *Digest) Over(keys, dirs []string) bool {
	if !slices.Equal(d.Keys, keys) || len(dirs) != len(d.Minimise) {
		return false
	}
	for i, dir := range dirs {
		if d.Minimise[i] != (dir != "maximize") {
			return false
		}
	}
	return true
}

// Covers reports whether the digest has counted trial number n.
func (d *Digest) Covers(n int) bool {
	_, open := slices.BinarySearch(d.Open, n)
	return n < d.Below && !open
}

// Advance brings the digest to below: tail holds, decoded, every trial numbered at least d.Below
// (up to below) and every trial in d.Open, as stored now; Advance adds the finished ones, keeps
// the others open and sets Below to below. A trial the digest already covers is an error (it
// would be counted twice).
func (d *Digest) Advance(below int, tail []Trial) error {
	if below < d.Below {
		return fmt.Errorf("record: digest below %d cannot go back to %d", d.Below, below)
	}
	seen := map[int]bool{}
	var open []int
	for _, t := range tail {
		if d.Covers(t.Number) {
			return fmt.Errorf("record: digest already covers trial %d", t.Number)
		}
		if t.Number >= below || seen[t.Number] {
			continue
		}
		seen[t.Number] = true
		if !t.State.IsFinished() {
			open = append(open, t.Number)
			continue
		}
		d.add(t)
	}
	// A number below `below` that tail lacks is one still being created: keep it open.
	for _, n := range d.Open {
		if !seen[n] {
			open = append(open, n)
		}
	}
	for n := d.Below; n < below; n++ {
		if !seen[n] {
			open = append(open, n)
		}
	}
	slices.Sort(open)
	d.Open, d.Below = slices.Compact(open), below
	return nil
}

// add counts one finished trial.
func (d *Digest) add(t Trial) {
	c := d.Classes[t.Fidelity]
	if c == nil {
		c = &DigestClass{Counts: map[string]int{}, Front: []DigestPoint{}, Params: []string{}}
		d.Classes[t.Fidelity] = c
	}
	c.Counts[StateName(t.State)]++
	for k := range t.Params {
		if i, found := slices.BinarySearch(c.Params, k); !found {
			c.Params = slices.Insert(c.Params, i, k)
		}
	}
	if !t.Start.IsZero() && (c.Started == nil || t.Start.Before(*c.Started)) {
		s := t.Start
		c.Started = &s
	}
	if t.RetryOf >= 0 || t.Retry || t.Stale {
		d.Links[t.Number] = DigestLink{RetryOf: t.RetryOf, Fidelity: t.Fidelity, Retry: t.Retry, Stale: t.Stale}
	}
	if t.State != goptuna.TrialStateComplete || !t.Feasible {
		return
	}
	if finiteFigure(t.Value) && (c.Best == nil || t.Value > c.Best.Score || (t.Value == c.Best.Score && t.Number < c.Best.Number)) {
		c.Best = &DigestPoint{Number: t.Number, Score: t.Value}
	}
	v, ok := FiguresOf(t, d.Keys)
	if !ok {
		return
	}
	m := d.minimised(v)
	if c.Worst == nil {
		c.Worst = slices.Clone(v)
	} else {
		for j := range v {
			if d.Minimise[j] == (v[j] > c.Worst[j]) && v[j] != c.Worst[j] {
				c.Worst[j] = v[j]
			}
		}
	}
	keep := c.Front[:0]
	for _, p := range c.Front {
		pm := d.minimised(p.Values)
		if DominatesMin(pm, m) {
			return // c.Front is unchanged: nothing was dropped yet
		}
		if !DominatesMin(m, pm) {
			keep = append(keep, p)
		}
	}
	i, _ := slices.BinarySearchFunc(keep, t.Number, func(p DigestPoint, n int) int { return p.Number - n })
	c.Front = slices.Insert(keep, i, DigestPoint{Number: t.Number, Values: v})
}

// minimised returns v with the maximised components negated.
func (d *Digest) minimised(v []float64) []float64 {
	out := make([]float64, len(v))
	for j, x := range v {
		out[j] = x
		if !d.Minimise[j] {
			out[j] = -x
		}
	}
	return out
}

// FiguresOf returns a trial's figures of keys, in order; ok is false when one is missing or not
// finite.
func FiguresOf(t Trial, keys []string) ([]float64, bool) {
	v := make([]float64, len(keys))
	for j, k := range keys {
		x, ok := t.Metrics[k]
		if !ok || !finiteFigure(x) {
			return nil, false
		}
		v[j] = x
	}
	return v, true
}

// DominatesMin reports whether a dominates b with every component minimised: no worse in any,
// better in at least one (NaN, and a component one vector lacks, count as +Inf).
func DominatesMin(a, b []float64) bool {
	strict := false
	for i := range max(len(a), len(b)) {
		x, y := math.Inf(1), math.Inf(1)
		if i < len(a) && !math.IsNaN(a[i]) {
			x = a[i]
		}
		if i < len(b) && !math.IsNaN(b[i]) {
			y = b[i]
		}
		if x > y {
			return false
		}
		strict = strict || x < y
	}
	return strict
}

// finiteFigure reports whether v is neither NaN nor infinite.
func finiteFigure(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }
