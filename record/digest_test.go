package record

import (
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/c-bata/goptuna"
)

// randomTrials draws n trials of every state and fidelity, with ties, missing and non-finite
// figures, retries and stale failures.
func randomTrials(seed uint64, n int) []Trial {
	rng := rand.New(rand.NewPCG(seed, 1))
	states := []goptuna.TrialState{goptuna.TrialStateComplete, goptuna.TrialStateComplete, goptuna.TrialStateComplete,
		goptuna.TrialStatePruned, goptuna.TrialStateFail, goptuna.TrialStateRunning, goptuna.TrialStateWaiting}
	fids := []string{"", FidelityInherited, FidelityRetrained}
	out := make([]Trial, n)
	for i := range out {
		t := Trial{Number: i, State: states[rng.IntN(len(states))], Feasible: rng.IntN(5) > 0, Fidelity: fids[rng.IntN(3)],
			RetryOf: -1, Metrics: map[string]float64{"q": float64(rng.IntN(20)), "c": float64(rng.IntN(20))},
			Params: map[string]any{[]string{"a", "b", "c"}[rng.IntN(3)]: 1.0}, Value: float64(rng.IntN(10)),
			Start: time.Unix(int64(1000+rng.IntN(500)), 0)}
		switch rng.IntN(10) {
		case 0:
			delete(t.Metrics, "c")
		case 1:
			t.Metrics["q"] = math.NaN()
		case 2:
			t.Metrics["c"] = math.Inf(1)
		case 3:
			t.Start = time.Time{}
		}
		if t.State == goptuna.TrialStateFail && rng.IntN(2) == 0 {
			t.Retry, t.Stale = true, rng.IntN(2) == 0
		}
		if i > 0 && rng.IntN(6) == 0 {
			t.RetryOf = rng.IntN(i)
		}
		out[i] = t
	}
	return out
}

// frontByDefinition is the numbers of the candidates no other candidate dominates.
func frontByDefinition(ts []Trial, keys []string, minimise []bool) []int {
	var cand []Trial
	for _, t := range ts {
		if _, ok := FiguresOf(t, keys); ok && t.State == goptuna.TrialStateComplete && t.Feasible && t.State.IsFinished() {
			cand = append(cand, t)
		}
	}
	min := func(t Trial) []float64 {
		v, _ := FiguresOf(t, keys)
		for j := range v {
			if !minimise[j] {
				v[j] = -v[j]
			}
		}
		return v
	}
	var out []int
	for _, a := range cand {
		dominated := false
		for _, b := range cand {
			dominated = dominated || DominatesMin(min(b), min(a))
		}
		if !dominated {
			out = append(out, a.Number)
		}
	}
	return out
}

// TestDigestInPiecesEqualsAtOnce advances digests over random trials in random pieces (trials
// still running in one piece finish in a later one) and requires the digest made at once from
// the final trials, with each class's front equal to the pairwise definition.
func TestDigestInPiecesEqualsAtOnce(t *testing.T) {
	keys, dirs := []string{"q", "c"}, []string{"maximize", "minimize"}
	for seed := uint64(1); seed <= 40; seed++ {
		final := randomTrials(seed, 60)
		rng := rand.New(rand.NewPCG(seed, 2))
		pieces := NewDigest(keys, dirs)
		for pieces.Below < len(final) {
			below := min(len(final), pieces.Below+1+rng.IntN(15))
			var tail []Trial
			for n := range below {
				if !pieces.Covers(n) {
					t := final[n]
					if rng.IntN(3) == 0 && below < len(final) { // not finished yet when this piece was read
						t.State = goptuna.TrialStateRunning
					}
					tail = append(tail, t)
				}
			}
			if err := pieces.Advance(below, tail); err != nil {
				t.Fatal(err)
			}
		}
		once := NewDigest(keys, dirs)
		if err := once.Advance(len(final), final); err != nil {
			t.Fatal(err)
		}
		a, err := pieces.Encode()
		if err != nil {
			t.Fatal(err)
		}
		b, _ := once.Encode()
		if a != b {
			t.Fatalf("seed %d: in pieces\n%s\nat once\n%s", seed, a, b)
		}
		parsed, ok, err := ParseDigest(b)
		if err != nil || !ok {
			t.Fatalf("seed %d: parse: %v %v", seed, ok, err)
		}
		if c, _ := parsed.Encode(); c != b {
			t.Fatalf("seed %d: a parsed digest encodes as\n%s", seed, c)
		}
		for class, c := range once.Classes {
			var ts []Trial
			for _, tr := range final {
				if tr.Fidelity == class && tr.State.IsFinished() {
					ts = append(ts, tr)
				}
			}
			var got []int
			for _, p := range c.Front {
				got = append(got, p.Number)
			}
			if want := frontByDefinition(ts, keys, once.Minimise); !slices.Equal(got, want) {
				t.Errorf("seed %d class %q: front %v, by definition %v", seed, class, got, want)
			}
		}
		var open []int
		for _, tr := range final {
			if !tr.State.IsFinished() {
				open = append(open, tr.Number)
			}
		}
		if !slices.Equal(once.Open, open) {
			t.Errorf("seed %d: open %v, want %v", seed, once.Open, open)
		}
	}
}

// TestDigestClassFigures checks counts, worst figures, best (ties to the lowest number),
// parameter names, start and links on a hand-made study.
func TestDigestClassFigures(t *testing.T) {
	c := goptuna.TrialStateComplete
	trials := []Trial{
		{Number: 0, State: c, Feasible: true, Value: 5, Metrics: map[string]float64{"q": 1, "c": 9}, Params: map[string]any{"x": 1}, RetryOf: -1, Start: time.Unix(50, 0)},
		{Number: 1, State: c, Feasible: true, Value: 7, Metrics: map[string]float64{"q": 3, "c": 2}, RetryOf: -1},
		{Number: 2, State: c, Feasible: false, Value: 99, Metrics: map[string]float64{"q": 50, "c": 1}, RetryOf: -1},
		{Number: 3, State: goptuna.TrialStateFail, Retry: true, Stale: true, RetryOf: -1, Start: time.Unix(40, 0)},
		{Number: 4, State: c, Feasible: true, Value: 7, Metrics: map[string]float64{"q": 2, "c": 5}, RetryOf: 3, Params: map[string]any{"y": 2}},
		{Number: 5, State: goptuna.TrialStatePruned, Value: 100, RetryOf: -1},
	}
	d := NewDigest([]string{"q", "c"}, []string{"maximize", "minimize"})
	if err := d.Advance(6, trials); err != nil {
		t.Fatal(err)
	}
	cl := d.Classes[""]
	if cl.Counts["COMPLETE"] != 4 || cl.Counts["FAIL"] != 1 || cl.Counts["PRUNED"] != 1 {
		t.Errorf("counts %v", cl.Counts)
	}
	if !slices.Equal(cl.Worst, []float64{1, 9}) {
		t.Errorf("worst %v, want the lowest quality 1 and the highest cost 9 among feasible complete trials", cl.Worst)
	}
	if cl.Best == nil || cl.Best.Number != 1 || cl.Best.Score != 7 {
		t.Errorf("best %+v, want trial 1 (score 7, before trial 4's equal score)", cl.Best)
	}
	if len(cl.Front) != 1 || cl.Front[0].Number != 1 || !slices.Equal(cl.Front[0].Values, []float64{3, 2}) {
		t.Errorf("front %+v, want trial 1 alone (it dominates 0 and 4; 2 is infeasible)", cl.Front)
	}
	if !slices.Equal(cl.Params, []string{"x", "y"}) || cl.Started == nil || !cl.Started.Equal(time.Unix(40, 0)) {
		t.Errorf("params %v started %v", cl.Params, cl.Started)
	}
	if l, ok := d.Links[3]; !ok || !l.Stale || !l.Retry || d.Links[4].RetryOf != 3 || len(d.Links) != 2 {
		t.Errorf("links %+v", d.Links)
	}
	// Trial 1 still running at the first refresh: its equal score wins when it finishes.
	d2 := NewDigest([]string{"q", "c"}, []string{"maximize", "minimize"})
	early := slices.Clone(trials)
	early[1].State = goptuna.TrialStateRunning
	if err := d2.Advance(6, early); err != nil {
		t.Fatal(err)
	}
	if err := d2.Advance(6, trials[1:2]); err != nil {
		t.Fatal(err)
	}
	if b := d2.Classes[""].Best; b == nil || b.Number != 1 {
		t.Errorf("best %+v when trial 1 finished after trial 4, want trial 1", b)
	}
	if !d.Covers(5) || d.Covers(6) {
		t.Errorf("covers 5: %v, 6: %v", d.Covers(5), d.Covers(6))
	}
}

// TestDigestRefusals: a trial counted twice, a digest going back, another version, a malformed one.
func TestDigestRefusals(t *testing.T) {
	d := NewDigest([]string{"q"}, []string{"maximize"})
	if err := d.Advance(2, []Trial{{Number: 0, State: goptuna.TrialStateFail, RetryOf: -1}, {Number: 1, State: goptuna.TrialStateRunning, RetryOf: -1}}); err != nil {
		t.Fatal(err)
	}
	if err := d.Advance(2, []Trial{{Number: 0, State: goptuna.TrialStateFail}}); err == nil || !strings.Contains(err.Error(), "already covers trial 0") {
		t.Errorf("a covered trial again: %v", err)
	}
	if err := d.Advance(1, nil); err == nil {
		t.Error("a digest went back")
	}
	if !slices.Equal(d.Open, []int{1}) {
		t.Errorf("open %v", d.Open)
	}
	if _, ok, err := ParseDigest(`{"version": 99}`); ok || err != nil {
		t.Errorf("another version: ok %v err %v", ok, err)
	}
	if _, _, err := ParseDigest(`{"version": 1, "keys": ["a"], "minimise": []}`); err == nil {
		t.Error("keys without directions parsed")
	}
	if _, _, err := ParseDigest(`{`); err == nil {
		t.Error("malformed JSON parsed")
	}
	if !d.Over([]string{"q"}, []string{"maximize"}) || d.Over([]string{"q"}, []string{"minimize"}) || d.Over([]string{"r"}, []string{"maximize"}) {
		t.Error("Over")
	}
}
