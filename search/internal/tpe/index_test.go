package tpe

import (
	"math"
	"math/rand"
	"testing"

	"github.com/attnsearch/attnsearch/search/internal/observe"
	"github.com/c-bata/goptuna"
)

// study simulates n points of a study on space drawn by s: the objective is a smooth function
// of the point; every fifth trial is pruned at a step, every seventh infeasible, and a trial
// finishes three points after it starts (so trials finish out of ordinal order). visit sees
// the history before each point and the point drawn.
func study(t *testing.T, s *PointSampler, space map[string]interface{}, n int, visit func(i int, past []observe.Trial, pt map[string]float64)) {
	t.Helper()
	names := observe.Names(space)
	var past []observe.Trial
	for i := 0; i < n; i++ {
		pt, err := s.SamplePoint(space, past, i, observe.Seed(3, uint64(i)))
		if err != nil {
			t.Fatal(err)
		}
		visit(i, past, pt)
		past = append(past, observe.Trial{Ordinal: i, State: observe.Running, Params: pt})
		if k := i - 3; k >= 0 { // trial k finishes
			v := 0.0
			for j, name := range names {
				v += math.Sin(float64(j+1) * toKernel(space[name], past[k].Params[name]))
			}
			tr := &past[k]
			tr.State, tr.Values = observe.Complete, []float64{v}
			if k%5 == 4 {
				tr.State, tr.Step = observe.Pruned, k%3
			}
			tr.Constraints = []float64{-1}
			if k%7 == 6 {
				tr.Constraints = []float64{float64(k % 4)}
			}
		}
	}
}

// TestIncrementalEqualsRebuilt pins that the index carried from point to point proposes the
// points an index built afresh from the same history proposes, and those a sampler fitting
// every estimator from the whole history proposes; a sampler whose index starts halfway (a
// resumed study) proposes them too.
func TestIncrementalEqualsRebuilt(t *testing.T) {
	for _, tc := range []struct {
		name  string
		space map[string]interface{}
		mv    bool
		sw    bool // SigmaWeighted
	}{
		{"mixed", archSpace(), false, false},
		{"continuous", map[string]interface{}{"a": goptuna.UniformDistribution{Low: -3, High: 2}, "b": goptuna.LogUniformDistribution{Low: 1e-3, High: 10}}, false, false},
		{"grid", map[string]interface{}{"k": goptuna.DiscreteUniformDistribution{Low: 0, High: 1, Q: 0.1}, "c": goptuna.CategoricalDistribution{Choices: []string{"x"}}}, false, false},
		{"mixed multivariate", archSpace(), true, false},
		{"mixed sigma-weighted", archSpace(), false, true},
		{"mixed multivariate sigma-weighted", archSpace(), true, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			params := DefaultMixtureParams(tc.mv)
			params.SigmaWeighted = tc.sw
			incremental := &PointSampler{Params: params, Index: &Index{}}
			rebuilt := &PointSampler{Params: params}
			resumed := &PointSampler{Params: params, Index: &Index{}}
			names := observe.Names(tc.space)
			differ := 0
			n := 160
			if testing.Short() {
				n = 70
			}
			study(t, incremental, tc.space, n, func(i int, past []observe.Trial, pt map[string]float64) {
				b, err := rebuilt.SamplePoint(tc.space, past, i, observe.Seed(3, uint64(i)))
				if err != nil {
					t.Fatal(err)
				}
				for _, n := range names {
					if b[n] != pt[n] {
						t.Fatalf("point %d: incremental %v, rebuilt %v", i, pt, b)
					}
				}
				if i >= n/2 {
					r, _ := resumed.SamplePoint(tc.space, past, i, observe.Seed(3, uint64(i)))
					for _, n := range names {
						if r[n] != pt[n] {
							t.Fatalf("point %d: incremental %v, resumed halfway %v", i, pt, r)
						}
					}
				}
				// The estimators fitted from scratch (NewMixture) agree up to rounding: their
				// points may differ only where two candidates tie to 1e-9.
				if tc.mv {
					trials := observe.Finished(past, names, 1)
					if len(trials) < 10 {
						return
					}
					rng := rand.New(rand.NewSource(observe.Seed(observe.Seed(3, uint64(i)), observe.NameHash("tpe/joint"))))
					x, err := rebuilt.sampleGroup(tc.space, names, trials, rng)
					if err != nil {
						t.Fatal(err)
					}
					for j, n := range names {
						if x[j] != pt[n] {
							differ++
							t.Logf("point %d: refitted %v, indexed %v", i, x, pt)
							break
						}
					}
					return
				}
				e, err := rebuilt.sampleEach(tc.space, names, past, observe.Seed(3, uint64(i)))
				if err != nil {
					t.Fatal(err)
				}
				for _, n := range names {
					if e[n] != pt[n] {
						// Only a tie may differ: both values score the same l/g.
						if a, b := refScore(past, tc.space, n, e[n], params), refScore(past, tc.space, n, pt[n], params); math.Abs(a-b) > 1e-9 {
							differ++
							t.Logf("point %d %s: refitted %v (score %v), indexed %v (score %v)", i, n, e[n], a, pt[n], b)
						}
					}
				}
			})
			if differ > 0 {
				t.Errorf("%d parameter draws differ from the refitted estimators", differ)
			}
		})
	}
}

// refScore is log l(x) − log g(x) of parameter name as sampleGroup fits them from past.
func refScore(past []observe.Trial, space map[string]interface{}, name string, x float64, p MixtureParams) float64 {
	trials := observe.Finished(past, []string{name}, 1)
	below, above, _ := SplitSingle(trials, DefaultGamma(len(trials)))
	obs := func(idx []int) [][]float64 {
		out := make([][]float64, len(idx))
		for i, k := range idx {
			out[i] = []float64{trials[k].Params[name]}
		}
		return out
	}
	p.Multivariate = false
	l := NewMixture(space, []string{name}, obs(below), DefaultWeights(len(below)), p)
	g := NewMixture(space, []string{name}, obs(above), DefaultWeights(len(above)), p)
	return l.LogPDF([][]float64{{x}})[0] - g.LogPDF([][]float64{{x}})[0]
}

// TestBadDensityMatchesMixture compares the index's g with NewMixture over the same bad trials.
func TestBadDensityMatchesMixture(t *testing.T) {
	space := archSpace()
	names := observe.Names(space)
	past := history(space, 400, false, true, 5)
	past[10].State, past[10].Step = observe.Pruned, 2
	ix := &Index{}
	if !ix.update(past, names, space, 1) {
		t.Fatal("history judged incomplete")
	}
	p := DefaultMixtureParams(false)
	for _, r := range ix.recs {
		r.below = false
	}
	for _, r := range ix.byKey[:25] {
		r.below = true
	}
	var above []*rec
	for _, r := range ix.recs {
		if r.below {
			ix.apos[r.id] = -1
		} else {
			ix.apos[r.id] = int32(len(above))
			above = append(above, r)
		}
	}
	w := DefaultWeights(len(above))
	bw := newBadWeights(w, p)
	rng := rand.New(rand.NewSource(1))
	for _, sw := range []bool{false, true} {
		p.SigmaWeighted = sw
		for j, name := range names {
			obs := make([][]float64, len(above))
			for i, r := range above {
				obs[i] = []float64{r.t.Params[name]}
			}
			ref := NewMixture(space, []string{name}, obs, w, p)
			pts := ref.Sample(rng, 200)
			xs := make([]float64, len(pts))
			for i, x := range pts {
				xs[i] = x[0]
			}
			want, got := ref.LogPDF(pts), ix.newBadDensity(j, bw, p).logPDF(xs)
			for i := range xs {
				if math.Abs(want[i]-got[i]) > 1e-9 {
					t.Fatalf("%s (sigma-weighted %v) at %v: log g = %v, NewMixture says %v", name, sw, xs[i], got[i], want[i])
				}
			}
		}
	}
}

// TestIndexRebuildsWhenHistoryChanges checks that a trial leaving the history, or changing
// state, is noticed.
func TestIndexRebuildsWhenHistoryChanges(t *testing.T) {
	space := archSpace()
	names := observe.Names(space)
	past := history(space, 50, false, false, 2)
	ix := &Index{}
	ix.update(past, names, space, 1)
	if len(ix.recs) != 50 {
		t.Fatalf("%d trials indexed", len(ix.recs))
	}
	short := append(append([]observe.Trial(nil), past[:20]...), past[21:]...)
	ix.update(short, names, space, 1)
	if len(ix.recs) != 49 || len(ix.byKey) != 49 || len(ix.byParam[0]) != 49 {
		t.Fatalf("after a trial left: %d/%d/%d indexed", len(ix.recs), len(ix.byKey), len(ix.byParam[0]))
	}
	short[5].State, short[5].Step = observe.Pruned, 1
	ix.update(short, names, space, 1)
	if ix.recs[5].t.State != observe.Pruned {
		t.Fatal("a trial's new state was not seen")
	}
}

// TestJointBadMatchesMixture compares the multivariate g with NewMixture's over the same trials.
func TestJointBadMatchesMixture(t *testing.T) {
	space := archSpace()
	space["k"] = goptuna.DiscreteUniformDistribution{Low: 0, High: 1, Q: 0.1}
	names := observe.Names(space)
	past := history(space, 300, false, false, 6)
	ix := &Index{}
	ix.update(past, names, space, 1)
	var above []*rec
	for _, r := range ix.recs {
		ix.apos[r.id] = int32(len(above))
		above = append(above, r)
	}
	for _, p := range []MixtureParams{DefaultMixtureParams(true), {ConsiderPrior: true, PriorWeight: 1, ConsiderMagicClip: true, Multivariate: true},
		{ConsiderPrior: true, PriorWeight: 1, ConsiderMagicClip: true, Multivariate: true, SigmaWeighted: true}} {
		w := DefaultWeights(len(above))
		obs := make([][]float64, len(above))
		for i, r := range above {
			obs[i] = make([]float64, len(names))
			for j, n := range names {
				obs[i][j] = r.t.Params[n]
			}
		}
		ref := NewMixture(space, names, obs, w, p)
		pts := ref.Sample(rand.New(rand.NewSource(2)), 100)
		want, got := ref.LogPDF(pts), ix.newJointBad(newBadWeights(w, p), p, above).logPDF(pts, nil)
		for i := range pts {
			if math.Abs(want[i]-got[i]) > 1e-9 {
				t.Fatalf("%+v at %v: log g = %v, NewMixture says %v", p, pts[i], got[i], want[i])
			}
		}
	}
}
