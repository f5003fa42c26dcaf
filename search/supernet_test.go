package search

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/attnsearch/attnsearch/objective"
	"github.com/attnsearch/attnsearch/record"
	"github.com/attnsearch/attnsearch/space"
	"github.com/attnsearch/attnsearch/space/spacetest"
	"github.com/attnsearch/attnsearch/store/storetest"
	"github.com/c-bata/goptuna"
)

// superSpace is a supernet study whose phases take a few seconds together (spacetest's
// supernet.yaml); %s is where the retrained trials start from.
var superSpace = spacetest.Space("supernet.yaml", "  enqueue_default: true\n  sampler: tpe",
	"{type: float, low: 1.0e-3, high: 1.0e-2, log: true, default: 5.0e-3}") + `objective:
  metric: bleu
  cost: params
  tradeoff: 2
supernet:
  train: {steps: 24, sampling: sandwich}
  evaluate: {sentences: 16}
  trials: 24
  retrain: {top_k: 2, steps: 8, from: %s}
`

func superSpec(t *testing.T, from string) *space.Spec {
	t.Helper()
	spec, err := space.Parse(filepath.Join(t.TempDir(), "super.yaml"), []byte(fmt.Sprintf(superSpace, from)))
	if err != nil {
		t.Fatal(err)
	}
	return spec
}

// superTrials is what must agree between an uninterrupted and a resumed supernet study.
type superTrial struct {
	Fidelity, Config, Source string
	Value                    float64
	Rejected                 bool
}

func superTrialsOf(t *testing.T, st Storage, name string) []superTrial {
	t.Helper()
	trials := storetest.StudyTrials(t, st, name)
	var out []superTrial
	for _, ft := range trials {
		if ft.State != goptuna.TrialStateComplete {
			continue // an interrupted retrained trial (FAIL) is retried by a new one
		}
		out = append(out, superTrial{Fidelity: ft.UserAttrs[record.KeyFidelity], Config: ft.UserAttrs[record.KeyConfig],
			Source: ft.UserAttrs[record.KeyInheritedTrial], Value: ft.Value, Rejected: ft.UserAttrs[record.KeyRejected] == "true"})
	}
	return out
}

// TestSupernetStudy runs a supernet study uninterrupted and again interrupted in each phase and
// resumed: the SuperTransformer resumes from its checkpoint (one thread: the same weights, so the
// same inherited scores), the search phase from its stored trials, and both runs store the same
// trials; the inherited ones say fidelity inherited, the retrained ones fidelity retrained and
// retrain the top of the inherited front.
func TestSupernetStudy(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: runs a supernet study five times")
	}
	for _, from := range []string{"scratch", "inherited"} {
		t.Run(from, func(t *testing.T) {
			spec := superSpec(t, from)
			dir := t.TempDir()
			stA := openStore(t, filepath.Join(dir, "a.db"))
			resA, err := Run(context.Background(), spec, stA, Options{SupernetCheckpoint: filepath.Join(dir, "a.ckpt")})
			if err != nil {
				t.Fatal(err)
			}
			if resA.Done != 26 || resA.Total != 26 || resA.Interrupted {
				t.Fatalf("result %+v", resA)
			}
			a := superTrialsOf(t, stA, "super")
			inherited, retrained, rejected := 0, 0, 0
			for _, tr := range a {
				switch tr.Fidelity {
				case record.FidelityInherited:
					inherited++
					if tr.Rejected {
						rejected++
					}
				case record.FidelityRetrained:
					retrained++
				}
			}
			if inherited != 24 || retrained != 2 || rejected == 0 || rejected == inherited {
				t.Fatalf("%d inherited (%d rejected), %d retrained: %+v", inherited, rejected, retrained, a)
			}
			// enqueue_default: the search phase scores the start point first (central values, repaired).
			if want := "d_model=8,heads=1,kv_heads=1,enc_layers=2,dec_layers=2,d_ff=32,"; !strings.HasPrefix(a[0].Config, want) {
				t.Errorf("first inherited trial %s, want the start point %s…", a[0].Config, want)
			}
			// The retrained points are the top 2 of the inherited front.
			id, _ := stA.GetStudyIDFromName("super")
			all, _ := stA.GetAllTrials(id)
			var inh []goptuna.FrozenTrial
			for _, ft := range all {
				if ft.UserAttrs[record.KeyFidelity] == record.FidelityInherited {
					inh = append(inh, ft)
				}
			}
			top := selectTop(spec, inh, 2)
			for i, tr := range a[24:] {
				if tr.Source != strconv.Itoa(top[i].Number) || tr.Config != top[i].UserAttrs[record.KeyConfig] {
					t.Errorf("retrained trial %d: source %s config %s; want %d %s", i, tr.Source, tr.Config, top[i].Number, top[i].UserAttrs[record.KeyConfig])
				}
			}
			sys, _ := stA.GetStudySystemAttrs(id)
			var trained supernetTrained
			if err := json.Unmarshal([]byte(sys[record.SysSupernetTrained]), &trained); err != nil || trained.Steps != 24 {
				t.Fatalf("%s = %q (%v)", record.SysSupernetTrained, sys[record.SysSupernetTrained], err)
			}
			// Once done, a run does nothing.
			again, err := Run(context.Background(), spec, stA, Options{SupernetCheckpoint: filepath.Join(dir, "a.ckpt")})
			if err != nil || again.Ran != 0 || again.Done != 26 {
				t.Fatalf("rerun: %+v, %v", again, err)
			}

			// Interrupted in the training (after the 5th checkpoint), the search (after 7 trials)
			// and the retrain phase (after its first trial), each resumed.
			stB := openStore(t, filepath.Join(dir, "b.db"))
			ckpt := filepath.Join(dir, "b.ckpt")
			saved := 0
			for _, stop := range []func(Event) bool{
				func(e Event) bool {
					if e.Kind == EventStudy && strings.Contains(e.Message, "checkpoint written") {
						saved++
					}
					return saved == 5
				},
				func(e Event) bool { return e.Kind == EventTrialEnd && e.Done == 7 },
				func(e Event) bool { return e.Kind == EventTrialEnd && e.Done == 25 },
				nil,
			} {
				ctx, cancel := context.WithCancel(context.Background())
				opts := Options{SupernetCheckpoint: ckpt, CheckpointEvery: time.Nanosecond, OnEvent: func(e Event) {
					if stop != nil && stop(e) {
						cancel()
					}
				}}
				res, err := Run(ctx, spec, stB, opts)
				cancel()
				if err != nil {
					t.Fatal(err)
				}
				if stop != nil && !res.Interrupted {
					t.Fatalf("not interrupted: %+v", res)
				}
			}
			if _, err := os.Stat(ckpt); err != nil {
				t.Fatal(err)
			}
			b := superTrialsOf(t, stB, "super")
			if !reflect.DeepEqual(a, b) {
				t.Fatalf("resumed study differs:\n%+v\nuninterrupted:\n%+v", b, a)
			}
		})
	}
}

// TestSelectTop checks the retrain phase's choice: feasible points only, by non-domination rank,
// then crowding distance (the extremes first), then number.
func TestSelectTop(t *testing.T) {
	spec := &space.Spec{Objective: space.Objective{Maximize: []string{"bleu"}, Minimize: []string{"params"}}}
	mk := func(n int, feasible bool, bleu, params float64) goptuna.FrozenTrial {
		return goptuna.FrozenTrial{Number: n, UserAttrs: map[string]string{record.KeyFeasible: strconv.FormatBool(feasible),
			record.KeyObjectives: record.FormatVector([]float64{bleu, params})}}
	}
	trials := []goptuna.FrozenTrial{
		mk(0, true, 10, 100), mk(1, true, 20, 200), mk(2, true, 30, 300), mk(3, true, 15, 250),
		mk(4, false, 99, 1), mk(5, true, 40, 400), mk(6, true, math.NaN(), 50),
	}
	cases := []struct {
		k    int
		want []int
	}{
		{1, []int{0}}, {2, []int{0, 5}}, {4, []int{0, 5, 1, 2}}, {5, []int{0, 5, 1, 2, 3}}, {9, []int{0, 5, 1, 2, 3}},
	}
	for _, c := range cases {
		var got []int
		for _, t := range selectTop(spec, trials, c.k) {
			got = append(got, t.Number)
		}
		if !reflect.DeepEqual(got, c.want) {
			t.Errorf("top %d = %v, want %v", c.k, got, c.want)
		}
	}
	// With retrain.reference (BLEU > 0, params < 260): the box's front (0, 1; 3 is dominated by
	// 1) by hypervolume added — 0 adds 10×160, 1 20×60 — then the box's rest, then the order above.
	spec.Supernet.RetrainReference = map[string]float64{"bleu": 0, "params": 260}
	for _, c := range []struct {
		k    int
		want []int
	}{{1, []int{0}}, {2, []int{0, 1}}, {3, []int{0, 1, 3}}, {4, []int{0, 1, 3, 5}}, {9, []int{0, 1, 3, 5, 2}}} {
		var got []int
		for _, t := range selectTop(spec, trials, c.k) {
			got = append(got, t.Number)
		}
		if !reflect.DeepEqual(got, c.want) {
			t.Errorf("reference: top %d = %v, want %v", c.k, got, c.want)
		}
	}
	// The point that adds the most volume first: against (BLEU 0, params 400), 1 (20 × 200)
	// beats 0 (10 × 300), 2 (30 × 100) and 3 (15 × 150); against (0, 150) only 0 is inside. A
	// goal left out of retrain.reference, without a reference of its own, is bounded just beyond
	// the worst candidate (BLEU 9 here): against (9, 300), 1 (11 × 100) beats 0 (1 × 200).
	for _, c := range []struct {
		ref  map[string]float64
		want int
	}{{map[string]float64{"bleu": 0, "params": 400}, 1}, {map[string]float64{"bleu": 0, "params": 150}, 0}, {map[string]float64{"params": 300}, 1}} {
		spec.Supernet.RetrainReference = c.ref
		if got := selectTop(spec, trials, 1); len(got) != 1 || got[0].Number != c.want {
			t.Errorf("reference %v: top 1 = %v, want trial %d", c.ref, got, c.want)
		}
	}

	// evaluate.rank: likelihood orders by the inherited log-likelihood instead of BLEU: with
	// losses that reverse the BLEU order of 0..3, 2 (loss 1, params 300) and 0 (loss 4, params
	// 100) are the front; inside (params < 260) only 0, 1 and 3 lie, and 1 (loss 2) dominates 3
	// (loss 3, more params), 0 having the fewest params: the box's front is 0, 1. A trial
	// without a valid_loss (5) is left out, and so is one whose stored BLEU is NaN (6).
	losses := map[int]string{0: "4", 1: "2", 2: "1", 3: "3", 4: "0.5", 6: "0.1"}
	for i := range trials {
		if l, ok := losses[trials[i].Number]; ok {
			trials[i].UserAttrs[record.KeyValidLoss] = l
		}
	}
	spec.Supernet.EvalRank = rankLikelihood
	for _, c := range []struct {
		ref  map[string]float64
		k    int
		want []int
	}{{nil, 2, []int{0, 2}}, {nil, 9, []int{0, 2, 1, 3}}, {map[string]float64{"params": 260}, 2, []int{0, 1}}, {map[string]float64{"params": 260}, 9, []int{0, 1, 3, 2}}} {
		spec.Supernet.RetrainReference = c.ref
		var got []int
		for _, t := range selectTop(spec, trials, c.k) {
			got = append(got, t.Number)
		}
		if !reflect.DeepEqual(got, c.want) {
			t.Errorf("likelihood, reference %v: top %d = %v, want %v", c.ref, c.k, got, c.want)
		}
	}
}

// TestHistoryView checks the search phase's bounded history: the latest historyWindow trials and
// every feasible non-dominated one, each once, by number.
func TestHistoryView(t *testing.T) {
	spec := &space.Spec{Objective: space.Objective{Maximize: []string{"bleu"}, Minimize: []string{"params"}}}
	mk := func(n int, feasible bool, bleu, params float64) goptuna.FrozenTrial {
		return goptuna.FrozenTrial{Number: n, UserAttrs: map[string]string{record.KeyFeasible: strconv.FormatBool(feasible),
			record.KeyObjectives: record.FormatVector([]float64{bleu, params})}}
	}
	h := &history{}
	h.add(spec, mk(0, true, 50, 10))           // front
	h.add(spec, mk(1, true, 10, 5))            // front
	h.add(spec, mk(2, false, 99, 1))           // infeasible: never on the front
	h.add(spec, mk(3, true, 40, 20))           // dominated by 0
	h.add(spec, mk(4, true, 60, 10))           // dominates 0
	h.add(spec, mk(5, true, 60, 10))           // equals 4: not added
	for n := 6; n < 6+2*historyWindow+7; n++ { // dominated filler
		h.add(spec, mk(n, true, 1, 1000))
	}
	got := h.trials()
	if len(got) != historyWindow+2 {
		t.Fatalf("%d trials in the view, want %d", len(got), historyWindow+2)
	}
	if got[0].Number != 1 || got[1].Number != 4 || got[2].Number != 6+2*historyWindow+7-historyWindow {
		t.Fatalf("view starts %d %d %d", got[0].Number, got[1].Number, got[2].Number)
	}
	for i := 1; i < len(got); i++ {
		if got[i].Number <= got[i-1].Number {
			t.Fatalf("view not in number order at %d", i)
		}
	}
}

// TestKendallTau checks the ranking benchmark's statistic on known samples.
func TestKendallTau(t *testing.T) {
	cases := []struct {
		x, y []float64
		want float64
	}{
		{[]float64{1, 2, 3, 4}, []float64{10, 20, 30, 40}, 1},
		{[]float64{1, 2, 3, 4}, []float64{4, 3, 2, 1}, -1},
		{[]float64{1, 2, 3}, []float64{1, 3, 2}, 1.0 / 3},
		{[]float64{1, 1, 2}, []float64{1, 2, 3}, 2 / math.Sqrt(6)},
	}
	for _, c := range cases {
		if got := kendallTau(c.x, c.y); math.Abs(got-c.want) > 1e-12 {
			t.Errorf("tau(%v, %v) = %g, want %g", c.x, c.y, got, c.want)
		}
	}
}

// TestSupernetSamplesInsideReference checks that with retrain.reference the SuperTransformer's
// updates draw only sub-networks whose cost-model parameters lie inside the box (sandwich
// sampling's drawn one; the corners stay), and without one draw larger ones too.
func TestSupernetSamplesInsideReference(t *testing.T) {
	for _, bound := range []float64{0, 3000} {
		spec := superSpec(t, "scratch")
		if bound > 0 {
			spec.Supernet.RetrainReference = map[string]float64{"params": bound}
		}
		sr := openSuperRun(t, spec, filepath.Join(t.TempDir(), "ck"))
		smallest, _ := sr.corner(false)
		largest, _ := sr.corner(true)
		most := int64(0)
		for n := 0; n < 200; n++ {
			cs := sr.sampleArchs(n, largest, smallest)
			cfg := cs[len(cs)-1]
			params := objective.Estimate(cfg, sr.arch2(), 0, 0).Params
			most = max(most, params)
			if bound > 0 && float64(params) >= bound {
				t.Fatalf("reference params %g: update %d draws %+v with %d parameters", bound, n, cfg, params)
			}
		}
		if bound == 0 && most < 3000 {
			t.Fatalf("without a reference the draws stay below 3000 parameters (at most %d): the check above tells nothing", most)
		}
	}
}

// TestSandwichLargestInsideReference checks sandwich sampling's largest sub-network: the
// container without retrain.reference; with one, inside the box, as wide as every sub-network
// drawn inside it, and with at least as many parameters as every one of its width.
func TestSandwichLargestInsideReference(t *testing.T) {
	for _, bound := range []float64{0, 3000} {
		spec := superSpec(t, "scratch")
		spec.Supernet.Sampling = "sandwich"
		if bound > 0 {
			spec.Supernet.RetrainReference = map[string]float64{"params": bound}
		}
		sr := openSuperRun(t, spec, filepath.Join(t.TempDir(), "ck"))
		smallest, _ := sr.corner(false)
		container, _ := sr.corner(true)
		top := sr.sandwichLargest(container)
		if bound == 0 {
			if top != container {
				t.Fatalf("without a reference the largest is %+v, not the container %+v", top, container)
			}
			continue
		}
		params := func(c space.Config) int64 { return objective.Estimate(c, sr.arch2(), 0, 0).Params }
		if top == container || !sr.inBox(top) {
			t.Fatalf("largest %+v (%d parameters) is not inside the box below %g", top, params(top), bound)
		}
		for n := 0; n < 300; n++ {
			cs := sr.sampleArchs(n, top, smallest)
			if cs[0] != top {
				t.Fatalf("update %d's sandwich starts with %+v, not the largest", n, cs[0])
			}
			if d := cs[2]; d.DModel > top.DModel || (d.DModel == top.DModel && params(d) > params(top)) {
				t.Fatalf("update %d draws %+v (%d parameters), wider or larger than the largest %+v (%d)", n, d, params(d), top, params(top))
			}
		}
	}
}

// TestSupernetDrawsWidthsEvenly checks train.widths: with even, the drawn sub-networks lie
// inside retrain.reference's box and take each width that has a sub-network there about equally
// often; with joint (the default), the same box's widest widths are drawn less often than evenly.
func TestSupernetDrawsWidthsEvenly(t *testing.T) {
	const draws = 3000
	var all []int // every d_model value of the space
	counts := func(widths string) (map[int]int, []int) {
		spec := superSpec(t, "scratch")
		spec.Supernet.RetrainReference = map[string]float64{"params": 6000}
		spec.Supernet.Widths = widths
		sr := openSuperRun(t, spec, filepath.Join(t.TempDir(), "ck"))
		smallest, _ := sr.corner(false)
		largest, _ := sr.corner(true)
		got := map[int]int{}
		for n := 0; n < draws; n++ {
			cs := sr.sampleArchs(n, largest, smallest)
			cfg := cs[len(cs)-1]
			if !sr.inBox(cfg) {
				t.Fatalf("%s: update %d draws %+v, outside the box", widths, n, cfg)
			}
			got[cfg.DModel]++
		}
		all = sr.elastic["d_model"]
		var box []int
		for _, top := range sr.boxTops() {
			box = append(box, top.DModel)
		}
		return got, box
	}
	even, widths := counts(space.WidthsEven)
	if len(widths) < 2 {
		t.Fatalf("box widths %v: too few for the test to tell anything", widths)
	}
	if len(all) <= len(widths) {
		t.Fatalf("every d_model value %v has a sub-network inside the box: the box does not bound the widths", all)
	}
	mean := float64(draws) / float64(len(widths))
	for _, d := range widths {
		if c := float64(even[d]); c < 0.8*mean || c > 1.2*mean {
			t.Errorf("even: width %d drawn %v times of %d, want about %.0f (%v)", d, c, draws, mean, even)
		}
	}
	if len(even) != len(widths) {
		t.Errorf("even: widths drawn %v, want exactly %v", even, widths)
	}
	joint, _ := counts(space.WidthsJoint)
	t.Logf("widths %v of %v; even %v, joint %v", widths, all, even, joint)
	widest := widths[len(widths)-1]
	if joint[widest] >= even[widest]/2 {
		t.Errorf("joint draws the widest width %d %d times, even %d: the box does not skew joint draws and the test tells nothing", widest, joint[widest], even[widest])
	}
}

// TestSupernetLargestInTurn checks train.largest: rotate: the sandwich's largest of update n is
// the box's widths in turn, each width's sub-network with the most parameters inside the box (so
// every box width's largest trains equally often), where widest takes the widest's every time;
// the smallest and the drawn sub-network are the same either way.
func TestSupernetLargestInTurn(t *testing.T) {
	sample := func(largest string) ([][]space.Config, []space.Config) {
		spec := superSpec(t, "scratch")
		spec.Supernet.RetrainReference = map[string]float64{"params": 6000}
		spec.Supernet.Widths, spec.Supernet.Largest = space.WidthsEven, largest
		sr := openSuperRun(t, spec, filepath.Join(t.TempDir(), "ck"))
		smallest, _ := sr.corner(false)
		container, _ := sr.corner(true)
		top := sr.sandwichLargest(container)
		var got [][]space.Config
		for n := 0; n < 40; n++ {
			got = append(got, sr.sampleArchs(n, top, smallest))
		}
		return got, sr.boxTops()
	}
	rot, tops := sample(space.LargestRotate)
	wid, _ := sample(space.LargestWidest)
	if len(tops) < 2 {
		t.Fatalf("box tops %v: too few widths for the test to tell anything", tops)
	}
	for n := range rot {
		if want := tops[n%len(tops)]; rot[n][0] != want {
			t.Errorf("rotate, update %d: largest %s, want %s", n, archKey(rot[n][0]), archKey(want))
		}
		if want := tops[len(tops)-1]; wid[n][0] != want {
			t.Errorf("widest, update %d: largest %s, want %s", n, archKey(wid[n][0]), archKey(want))
		}
		if rot[n][1] != wid[n][1] || rot[n][2] != wid[n][2] {
			t.Errorf("update %d: smallest/drawn %s %s with rotate, %s %s with widest", n,
				archKey(rot[n][1]), archKey(rot[n][2]), archKey(wid[n][1]), archKey(wid[n][2]))
		}
	}
}

// TestSupernetTrainsDistilled checks that train.distill reaches the SuperTransformer: the same
// sandwich training with and without it ends with different weights of the smallest
// sub-network (its targets differ from the first update on), and the same when repeated.
func TestSupernetTrainsDistilled(t *testing.T) {
	weights := func(distill bool) map[string][]float32 {
		spec := superSpec(t, "scratch")
		spec.Supernet.Sampling, spec.Supernet.Distill, spec.Supernet.TrainSteps, spec.Supernet.TrainMinutes = "sandwich", distill, 3, 0
		sr := openSuperRun(t, spec, filepath.Join(t.TempDir(), "ck"))
		if err := sr.train(context.Background()); err != nil {
			t.Fatal(err)
		}
		defer sr.sn.Close()
		if !sr.sn.Distill == distill {
			t.Fatalf("SuperNet.Distill %v, space %v", sr.sn.Distill, distill)
		}
		smallest, _ := sr.corner(false)
		w, err := sr.sn.SubWeights(smallest)
		if err != nil {
			t.Fatal(err)
		}
		return w
	}
	plain, taught, again := weights(false), weights(true), weights(true)
	if reflect.DeepEqual(plain, taught) {
		t.Fatal("distillation changed none of the smallest sub-network's weights")
	}
	if !reflect.DeepEqual(taught, again) {
		t.Fatal("two distilled trainings with the same seed differ")
	}
}

// TestSupernetTrainLR checks that supernet.train.lr is the SuperTransformer's peak learning rate:
// set to the space's lr start value it trains the same weights as leaving it out, and a lower
// one trains different weights.
func TestSupernetTrainLR(t *testing.T) {
	weights := func(lr float64) (map[string][]float32, float64) {
		spec := superSpec(t, "scratch")
		spec.Supernet.TrainSteps, spec.Supernet.TrainMinutes, spec.Supernet.TrainLR = 3, 0, lr
		sr := openSuperRun(t, spec, filepath.Join(t.TempDir(), "ck"))
		if err := sr.train(context.Background()); err != nil {
			t.Fatal(err)
		}
		defer sr.sn.Close()
		largest, _ := sr.corner(true)
		w, err := sr.sn.SubWeights(largest)
		if err != nil {
			t.Fatal(err)
		}
		return w, largest.LR
	}
	plain, start := weights(0)
	if start <= 0 {
		t.Fatalf("the space's lr start value is %g", start)
	}
	same, _ := weights(start)
	lower, _ := weights(start / 4)
	if !reflect.DeepEqual(plain, same) {
		t.Fatal("train.lr equal to the space's lr start value trained other weights than leaving it out")
	}
	if reflect.DeepEqual(plain, lower) {
		t.Fatal("train.lr at a quarter of the start value trained the same weights")
	}
}
