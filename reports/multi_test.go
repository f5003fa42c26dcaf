package reports_test

import (
	"bytes"
	"encoding/json"
	"image/png"
	"math"
	"math/rand"
	"strconv"
	"testing"

	"github.com/attnsearch/attnsearch/objective/front"
	"github.com/attnsearch/attnsearch/record"
	"github.com/attnsearch/attnsearch/reports"
	"github.com/c-bata/goptuna"
)

// listedTrials are COMPLETE trials of a study declaring maximize [bleu], minimize [params,
// latency_ms], with small integer figures so that ties and duplicates occur; every fifth is
// infeasible and every seventh pruned.
func listedTrials(rng *rand.Rand, n int) []goptuna.FrozenTrial {
	var out []goptuna.FrozenTrial
	for i := 0; i < n; i++ {
		ft := goptuna.FrozenTrial{ID: i, Number: i, State: goptuna.TrialStateComplete, Value: 1,
			UserAttrs: map[string]string{
				record.KeyBLEU:     strconv.Itoa(rng.Intn(6) * 5),
				record.KeyParams:   strconv.Itoa(100 * (1 + rng.Intn(6))),
				record.KeyLatency:  strconv.Itoa(1 + rng.Intn(5)),
				record.KeyFeasible: "true",
			}}
		if i%5 == 4 {
			ft.UserAttrs[record.KeyFeasible] = "false"
		}
		if i%7 == 6 {
			ft.State = goptuna.TrialStatePruned
		}
		out = append(out, ft)
	}
	return out
}

func TestListedObjectiveFrontAndHypervolume(t *testing.T) {
	info := record.StudyInfo{Objective: record.Objective{Maximize: []string{"bleu"}, Minimize: []string{"params", "latency"},
		Reference: map[string]float64{"latency": 6}}, Budget: record.Budget{MaxParams: 650}}
	rng := rand.New(rand.NewSource(1))
	for iter := 0; iter < 30; iter++ {
		trials := listedTrials(rng, 5+rng.Intn(30))
		rep, err := reports.Build("mt", info, trials)
		if err != nil {
			t.Fatal(err)
		}
		if want := []string{"bleu", "params", "latency_ms"}; len(rep.Objectives) != 3 || rep.Objectives[2] != want[2] ||
			rep.Directions[0] != "maximize" || rep.Directions[2] != "minimize" {
			t.Fatalf("objectives %v directions %v", rep.Objectives, rep.Directions)
		}
		// Reference: bleu 0 (a quality), params its budget, latency as written.
		if rep.Reference[0] != 0 || rep.Reference[1] != 650 || rep.Reference[2] != 6 {
			t.Fatalf("reference %v", rep.Reference)
		}
		// Brute force: a COMPLETE feasible trial is on the front iff no other dominates it.
		vec := func(ft goptuna.FrozenTrial) []float64 {
			f := func(k string) float64 { v, _ := strconv.ParseFloat(ft.UserAttrs[k], 64); return v }
			return []float64{-f(record.KeyBLEU), f(record.KeyParams), f(record.KeyLatency)}
		}
		ok := func(ft goptuna.FrozenTrial) bool {
			return ft.State == goptuna.TrialStateComplete && ft.UserAttrs[record.KeyFeasible] == "true"
		}
		var frontVecs [][]float64
		for _, ft := range trials {
			want := ok(ft)
			for _, o := range trials {
				if want && ok(o) && front.DominatesMin(vec(o), vec(ft)) {
					want = false
				}
			}
			if got := rep.Trials[ft.Number].Pareto; got != want {
				t.Fatalf("iter %d trial %d %v: pareto %v, brute force %v", iter, ft.Number, vec(ft), got, want)
			}
			if want {
				frontVecs = append(frontVecs, vec(ft))
			}
		}
		if hv := front.HypervolumeMin(frontVecs, []float64{0, 650, 6}); math.Abs(hv-rep.Hypervolume) > 1e-9 {
			t.Fatalf("hypervolume %v, want %v", rep.Hypervolume, hv)
		}
	}
}

func TestListedObjectiveJSONAndPlot(t *testing.T) {
	info := record.StudyInfo{Objective: record.Objective{Maximize: []string{"bleu"}, Minimize: []string{"params", "latency"}}}
	rep, err := reports.Build("mt", info, listedTrials(rand.New(rand.NewSource(2)), 20))
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := rep.WriteJSON(&buf, true); err != nil {
		t.Fatal(err)
	}
	var out struct {
		Objectives []string  `json:"objectives"`
		Directions []string  `json:"directions"`
		Reference  []float64 `json:"reference"`
		Trials     []struct {
			Pareto bool `json:"pareto"`
		} `json:"trials"`
	}
	if err := json.Unmarshal(buf.Bytes(), &out); err != nil {
		t.Fatal(err)
	}
	if len(out.Objectives) != 3 || out.Directions[1] != "minimize" || len(out.Reference) != 3 {
		t.Fatalf("json head %+v", out)
	}
	// No budget and no reference for params or latency: the worst value among the candidates.
	if out.Reference[0] != 0 || out.Reference[1] <= 0 || out.Reference[2] <= 0 {
		t.Fatalf("reference %v", out.Reference)
	}
	pareto := 0
	for _, tr := range out.Trials {
		if tr.Pareto {
			pareto++
		}
	}
	if pareto != len(rep.Front) || pareto == 0 {
		t.Fatalf("%d pareto flags, front of %d", pareto, len(rep.Front))
	}
	buf.Reset()
	if err := rep.WritePlot(&buf, "png"); err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(&buf)
	if err != nil {
		t.Fatal(err)
	}
	// Three pairs and the best-score plot: two rows of two.
	if b := img.Bounds(); b.Dy() < b.Dx()/2 {
		t.Fatalf("plot %v: want two rows", b)
	}
	buf.Reset()
	if err := rep.Write(&buf, "table", false); err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(buf.Bytes(), []byte("front of bleu vs params vs latency_ms")) {
		t.Fatalf("table footer:\n%s", buf.String())
	}
}
