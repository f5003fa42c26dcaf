package search

import (
	"context"
	"fmt"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/attnsearch/attnsearch/objective"
	"github.com/attnsearch/attnsearch/space"
)

// TestSpreadArchs checks the ranking benchmark's architecture sets on the main job's space (a
// shrunken data set): both corners (the largest within the budget), d_model evenly over its
// values, every point within the budget, the same set from the same seed and another from
// another seed.
func TestSpreadArchs(t *testing.T) {
	spec, err := space.Load(filepath.Join("..", "spaces", "mt-supernet.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	spec.Task.Synthetic.Train, spec.Task.Synthetic.Valid, spec.Task.Synthetic.Test = 64, 8, 8
	sr := openSuperRun(t, spec, filepath.Join(t.TempDir(), "ck"))
	o, b := sr.spec.Objective, sr.spec.Budget
	sets := map[uint64][]space.Config{}
	for _, seed := range []uint64{1, 2} {
		archs, err := spreadArchs(sr, 16, seed, false)
		if err != nil {
			t.Fatal(err)
		}
		again, _ := spreadArchs(sr, 16, seed, false)
		if rankKeyList(archs) != rankKeyList(again) {
			t.Fatalf("seed %d: two draws differ:\n%s\n%s", seed, rankKeyList(archs), rankKeyList(again))
		}
		if len(archs) != 16 {
			t.Fatalf("seed %d: %d architectures, want 16", seed, len(archs))
		}
		if archs[0].DModel != 16 || archs[0].EncLayers != 1 || archs[0].DFF != 32 || archs[1].DModel != 256 {
			t.Fatalf("seed %d: corners %s, %s", seed, archKey(archs[0]), archKey(archs[1]))
		}
		for i, cfg := range archs {
			cost := objective.Estimate(cfg, sr.arch2(), o.SrcLen, o.TgtLen)
			if _, viol := objective.ScoreTrial(0, cost, nil, o, b); len(viol) > 0 {
				t.Fatalf("seed %d: %s over the budget: %v", seed, archKey(cfg), viol)
			}
			if i >= 2 && cfg.DModel != 32+16*(i-2) {
				t.Fatalf("seed %d: draw %d has d_model %d, want %d", seed, i-2, cfg.DModel, 32+16*(i-2))
			}
		}
		largest := objective.Estimate(archs[1], sr.arch2(), 1, 1).Params
		for _, ff := range []int{archs[1].DFF + 32} {
			bigger := archs[1]
			bigger.DFF = ff
			cost := objective.Estimate(bigger, sr.arch2(), o.SrcLen, o.TgtLen)
			if _, viol := objective.ScoreTrial(0, cost, nil, o, b); ff <= 1024 && len(viol) == 0 && cost.Params > largest {
				t.Fatalf("seed %d: %s is within the budget and larger than the largest corner %s", seed, archKey(bigger), archKey(archs[1]))
			}
		}
		sets[seed] = archs
	}
	if rankKeyList(sets[1][2:]) == rankKeyList(sets[2][2:]) {
		t.Fatalf("seeds 1 and 2 draw the same set: %s", rankKeyList(sets[1]))
	}
	// Inside retrain.reference's box: every point in it, d_model spread over the values it allows.
	boxed, err := spreadArchs(sr, 16, 3, true)
	if err != nil {
		t.Fatal(err)
	}
	dms := map[int]bool{}
	for _, cfg := range boxed {
		if !sr.inBox(cfg) {
			t.Fatalf("box set: %s lies outside the box", archKey(cfg))
		}
		dms[cfg.DModel] = true
	}
	if len(boxed) != 16 || len(dms) < 5 {
		t.Fatalf("box set: %d architectures over %d d_model values: %s", len(boxed), len(dms), rankKeyList(boxed))
	}
}

// TestRankVariantApply checks that a ranking variant changes only what it names.
func TestRankVariantApply(t *testing.T) {
	spec, err := space.Load(filepath.Join("..", "spaces", "mt-supernet.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		v              rankVariant
		lr, warmup     float64
		box            bool
		sampling       string
		steps, minutes int
		distill        bool
		widths         string
		largest        string
	}{
		{rankVariant{sampling: "uniform", steps: 1400}, 5e-3, 200, true, "uniform", 1400, 0, false, space.WidthsJoint, space.LargestWidest},
		{rankVariant{sampling: "sandwich", steps: 700, noBox: true}, 5e-3, 200, false, "sandwich", 700, 0, false, space.WidthsJoint, space.LargestWidest},
		{rankVariant{sampling: "uniform", steps: 10, lr: "1.0e-2", warmup: "600"}, 1e-2, 600, true, "uniform", 10, 0, false, space.WidthsJoint, space.LargestWidest},
		{rankVariant{sampling: "sandwich", steps: 500, distill: true}, 5e-3, 200, true, "sandwich", 500, 0, true, space.WidthsJoint, space.LargestWidest},
		{rankVariant{sampling: "sandwich", steps: 500, widths: space.WidthsEven, largest: space.LargestRotate}, 5e-3, 200, true, "sandwich", 500, 0, false, space.WidthsEven, space.LargestRotate},
	} {
		s := c.v.apply(spec)
		lr, _ := paramOf(t, s, "lr").Start()
		warm, _ := paramOf(t, s, "warmup_steps").Start()
		if lr != c.lr || warm != c.warmup || (s.Supernet.RetrainReference != nil) != c.box || s.Supernet.Sampling != c.sampling ||
			s.Supernet.TrainSteps != c.steps || s.Supernet.TrainMinutes != float64(c.minutes) || s.Supernet.Distill != c.distill ||
			s.Supernet.Widths != c.widths || s.Supernet.Largest != c.largest || s.Supernet.TrainLR != 0 {
			t.Fatalf("%+v: lr %g warmup %g box %v sampling %s steps %d minutes %g", c.v, lr, warm, s.Supernet.RetrainReference != nil,
				s.Supernet.Sampling, s.Supernet.TrainSteps, s.Supernet.TrainMinutes)
		}
	}
	if lr, _ := paramOf(t, spec, "lr").Start(); lr != 5e-3 || spec.Supernet.TrainMinutes != 3 || spec.Supernet.RetrainReference == nil || spec.Supernet.Distill ||
		spec.Supernet.Widths != space.WidthsEven || spec.Supernet.Largest != space.LargestWidest || spec.Supernet.TrainLR != 1.25e-3 {
		t.Fatalf("apply changed the space it was given: lr %g, minutes %g", lr, spec.Supernet.TrainMinutes)
	}
}

// TestContinueFrom checks that a ranking variant continuing another one from its checkpoint
// trains to the same weights as one uninterrupted run (one thread, the tiny ranking space).
func TestContinueFrom(t *testing.T) {
	dir := t.TempDir()
	spec, err := space.Parse(filepath.Join(dir, "rank.yaml"), []byte(fmt.Sprintf(rankSpace, 6, "uniform")))
	if err != nil {
		t.Fatal(err)
	}
	vs := []rankVariant{{name: "short", sampling: "uniform", steps: 3}, {name: "long", sampling: "uniform", steps: 6, from: "short"},
		{name: "direct", sampling: "uniform", steps: 6}}
	weights := map[string]map[string][]float32{}
	for _, v := range vs {
		ckpt := filepath.Join(dir, v.name+".ckpt")
		if err := continueFrom(t, spec, dir, vs, v, ckpt); err != nil {
			t.Fatal(err)
		}
		sr := openSuperRun(t, v.apply(spec), ckpt)
		if err := sr.train(context.Background()); err != nil {
			t.Fatal(err)
		}
		if sr.sn.Steps() != v.steps {
			t.Fatalf("%s: %d updates, want %d", v.name, sr.sn.Steps(), v.steps)
		}
		largest, _ := sr.corner(true)
		if weights[v.name], err = sr.sn.SubWeights(largest); err != nil {
			t.Fatal(err)
		}
		sr.sn.Close()
	}
	if !reflect.DeepEqual(weights["long"], weights["direct"]) {
		t.Fatal("continuing 3 updates by 3 more gives other weights than 6 updates in one run")
	}
	if reflect.DeepEqual(weights["short"], weights["direct"]) {
		t.Fatal("3 and 6 updates give the same weights: the comparison tells nothing")
	}
	if err := continueFrom(t, spec, dir, vs, rankVariant{name: "x", from: "none"}, filepath.Join(dir, "x.ckpt")); err == nil {
		t.Fatal("continuing an unknown variant: no error")
	}
}

// TestScratchCache checks that the from-scratch figures survive a reopen.
func TestScratchCache(t *testing.T) {
	path := filepath.Join(t.TempDir(), "scratch.json")
	c, err := openScratchCache(path)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := c.get("a"); ok {
		t.Fatal("a new cache holds a figure")
	}
	want := scratchFigure{BLEU: 12.5, Steps: 1000, Seconds: 3, Params: 4}
	if err := c.put("a", want); err != nil {
		t.Fatal(err)
	}
	c2, err := openScratchCache(path)
	if err != nil {
		t.Fatal(err)
	}
	if got, ok := c2.get("a"); !ok || got != want {
		t.Fatalf("reopened: %+v %v, want %+v", got, ok, want)
	}
}

func paramOf(t *testing.T, s *space.Spec, name string) space.Param {
	t.Helper()
	p, ok := s.Param(name)
	if !ok {
		t.Fatalf("no parameter %s", name)
	}
	return p
}

// TestRankSets checks the sets ATTNSEARCH_RANK_SETS names: their seeds and boxes, the default,
// and an unknown name's error, which lists the known ones.
func TestRankSets(t *testing.T) {
	for _, c := range []struct{ env, want string }{
		{"", "[{tune 1 false}]"},
		{"box,box-heldout3,heldout,box-heldout5", "[{box 3 true} {box-heldout3 6 true} {heldout 2 false} {box-heldout5 8 true}]"},
	} {
		t.Setenv(rankSetsEnv, c.env)
		if got, err := rankSets(); err != nil || fmt.Sprint(got) != c.want {
			t.Errorf("%q: %v, %v; want %s", c.env, got, err, c.want)
		}
	}
	t.Setenv(rankSetsEnv, "box,boxx")
	want := `ATTNSEARCH_RANK_SETS: unknown set "boxx" (tune, heldout, box, box-heldout, box-heldout2, box-heldout3, box-heldout4, box-heldout5, box-heldout6, box-heldout7)`
	if _, err := rankSets(); err == nil || err.Error() != want {
		t.Errorf("unknown set: %v, want %s", err, want)
	}
}
