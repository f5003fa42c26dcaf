package reports_test

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"github.com/attnsearch/attnsearch/record"
	"image/png"
	"math/rand"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/attnsearch/attnsearch/reports"
	"github.com/attnsearch/attnsearch/store/bolt"
	"github.com/c-bata/goptuna"
)

// fake is one stored trial of the test study.
type fake struct {
	state    goptuna.TrialState
	bleu     float64 // < 0: not trained
	params   int64
	feasible bool
	extra    map[string]string
}

// seedStudy writes trials into a real store file and returns the store.
func seedStudy(t *testing.T, trials []fake) *bolt.Store {
	t.Helper()
	st, err := bolt.Open(filepath.Join(t.TempDir(), "r.db"), bolt.Options{NoSnapshot: true, NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	sid, err := st.CreateNewStudy("mt")
	if err != nil {
		t.Fatal(err)
	}
	if err := st.SetStudyDirection(sid, goptuna.StudyDirectionMaximize); err != nil {
		t.Fatal(err)
	}
	info := record.StudyInfo{Trials: len(trials), Objective: record.Objective{Metric: "bleu", Cost: "params", Tradeoff: 1},
		Budget: record.Budget{MaxParams: 1000}, Searched: []string{"d_model", "heads"}}
	js, _ := json.Marshal(info)
	if err := st.SetStudySystemAttr(sid, record.SysStudyInfo, string(js)); err != nil {
		t.Fatal(err)
	}
	for i, f := range trials {
		id, err := st.CreateNewTrial(sid)
		if err != nil {
			t.Fatal(err)
		}
		set := func(k, v string) {
			if err := st.SetTrialUserAttr(id, k, v); err != nil {
				t.Fatal(err)
			}
		}
		set(record.KeyParams, strconv.FormatInt(f.params, 10))
		set(record.KeyConfig, "d_model="+strconv.Itoa(16*(i%3+1))+",heads=2")
		set(record.KeyFeasible, strconv.FormatBool(f.feasible))
		if !f.feasible {
			set(record.KeyInfeasible, "params 2000 > max_params 1000 (+100.0%)")
		}
		if f.bleu >= 0 {
			set(record.KeyBLEU, record.FormatFloat(f.bleu))
			hist, _ := json.Marshal([]record.Epoch{{Epoch: 1, ValidBLEU: f.bleu / 2}, {Epoch: 2, ValidBLEU: f.bleu}})
			set(record.KeyHistory, string(hist))
		}
		for k, v := range f.extra {
			set(k, v)
		}
		if f.state == goptuna.TrialStateRunning {
			continue
		}
		if f.state == goptuna.TrialStatePruned {
			if err := st.SetTrialIntermediateValue(id, 1, f.bleu); err != nil {
				t.Fatal(err)
			}
		}
		if f.state == goptuna.TrialStateComplete || f.state == goptuna.TrialStatePruned {
			v := f.bleu
			if !f.feasible {
				v = -101
			}
			if err := st.SetTrialValue(id, v); err != nil {
				t.Fatal(err)
			}
		}
		if err := st.SetTrialState(id, f.state); err != nil {
			t.Fatal(err)
		}
	}
	return st
}

// randomTrials makes n trials with few distinct figures, so ties and duplicates occur.
func randomTrials(rng *rand.Rand, n int) []fake {
	states := []goptuna.TrialState{goptuna.TrialStateComplete, goptuna.TrialStateComplete, goptuna.TrialStateComplete,
		goptuna.TrialStatePruned, goptuna.TrialStateFail}
	out := make([]fake, n)
	for i := range out {
		out[i] = fake{state: states[rng.Intn(len(states))], bleu: float64(rng.Intn(8) * 10),
			params: int64(100 * (1 + rng.Intn(8))), feasible: rng.Intn(5) > 0}
		if out[i].state == goptuna.TrialStateFail {
			out[i].extra = map[string]string{record.KeyError: "train: training diverged"}
		}
	}
	return out
}

// bruteFront marks the feasible COMPLETE trials that no other such trial dominates.
func bruteFront(trials []fake) map[int]bool {
	front := map[int]bool{}
	ok := func(f fake) bool { return f.state == goptuna.TrialStateComplete && f.feasible }
	for i, a := range trials {
		if !ok(a) {
			continue
		}
		dominated := false
		for j, b := range trials {
			if j != i && ok(b) && b.bleu >= a.bleu && b.params <= a.params && (b.bleu > a.bleu || b.params < a.params) {
				dominated = true
			}
		}
		if !dominated {
			front[i] = true
		}
	}
	return front
}

func TestParetoFlagsMatchBruteForce(t *testing.T) {
	rng := rand.New(rand.NewSource(5))
	for round := 0; round < 5; round++ {
		trials := randomTrials(rng, 25)
		st := seedStudy(t, trials)
		rep, err := reports.Load(st, "mt")
		if err != nil {
			t.Fatal(err)
		}
		want := bruteFront(trials)
		for i, tr := range rep.Trials {
			if tr.Pareto != want[i] {
				t.Errorf("round %d trial %d: pareto %v, brute force %v", round, i, tr.Pareto, want[i])
			}
		}
		if len(rep.Front) != len(want) {
			t.Errorf("round %d: front of %d, brute force %d", round, len(rep.Front), len(want))
		}
		for k := 1; k < len(rep.Front); k++ {
			if rep.Trials[rep.Front[k-1]].Metrics[record.KeyParams] > rep.Trials[rep.Front[k]].Metrics[record.KeyParams] {
				t.Errorf("round %d: front not sorted by cost", round)
			}
		}
	}
}

func TestWriteFormats(t *testing.T) {
	trials := []fake{
		{state: goptuna.TrialStateComplete, bleu: 30, params: 500, feasible: true},
		{state: goptuna.TrialStateComplete, bleu: 20, params: 300, feasible: true},
		{state: goptuna.TrialStateComplete, bleu: 10, params: 400, feasible: true},
		{state: goptuna.TrialStateComplete, bleu: -1, params: 2000, feasible: false},
		{state: goptuna.TrialStatePruned, bleu: 5, params: 200, feasible: true, extra: map[string]string{record.KeyPrunedEpoch: "1"}},
		{state: goptuna.TrialStateFail, bleu: -1, params: 600, feasible: true, extra: map[string]string{record.KeyError: "train: training diverged"}},
		{state: goptuna.TrialStateRunning, bleu: -1, params: 700, feasible: true},
	}
	rep, err := reports.Load(seedStudy(t, trials), "mt")
	if err != nil {
		t.Fatal(err)
	}
	// Hypervolume against (0, 1000): 20·(500−300) + 30·(1000−500) = 19000.
	if rep.Hypervolume != 19000 {
		t.Errorf("hypervolume %g, want 19000", rep.Hypervolume)
	}
	var buf bytes.Buffer
	if err := rep.Write(&buf, "table", false); err != nil {
		t.Fatal(err)
	}
	tbl := buf.String()
	for _, want := range []string{"d_model", "bleu", "params", "hypervolume 19000", "300", "500"} {
		if !strings.Contains(tbl, want) {
			t.Errorf("table lacks %q:\n%s", want, tbl)
		}
	}
	buf.Reset()
	if err := rep.Write(&buf, "table", true); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"pruned at epoch 1", "infeasible: params 2000 > max_params 1000", "failed: train: training diverged", "RUNNING", "1*"} {
		if !strings.Contains(buf.String(), want) {
			t.Errorf("--all table lacks %q:\n%s", want, buf.String())
		}
	}
	buf.Reset()
	if err := rep.Write(&buf, "md", false); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(buf.String(), "| trial") || !strings.Contains(buf.String(), "|---") && !strings.Contains(buf.String(), "|:--") {
		t.Errorf("markdown table malformed:\n%s", buf.String())
	}
	buf.Reset()
	if err := rep.Write(&buf, "csv", true); err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(&buf).ReadAll()
	if err != nil {
		t.Fatalf("csv does not parse: %v", err)
	}
	if len(rows) != 1+len(trials) || rows[0][0] != "number" || rows[0][3] != "pareto" {
		t.Errorf("csv: %d rows, header %v", len(rows), rows[0])
	}
	buf.Reset()
	if err := rep.Write(&buf, "json", true); err != nil {
		t.Fatal(err)
	}
	var js struct {
		Study      string   `json:"study"`
		Objectives []string `json:"objectives"`
		Trials     []struct {
			Number  int                    `json:"number"`
			State   string                 `json:"state"`
			Params  map[string]interface{} `json:"params"`
			Metrics map[string]float64     `json:"metrics"`
			Value   *float64               `json:"value"`
			Pareto  *bool                  `json:"pareto"`
		} `json:"trials"`
		Hypervolume *float64 `json:"hypervolume"`
	}
	dec := json.NewDecoder(&buf)
	if err := dec.Decode(&js); err != nil {
		t.Fatalf("json: %v", err)
	}
	if js.Study != "mt" || strings.Join(js.Objectives, ",") != "bleu,params" || js.Hypervolume == nil || len(js.Trials) != len(trials) {
		t.Fatalf("json header: %+v", js)
	}
	wantStates := []string{"COMPLETE", "COMPLETE", "COMPLETE", "COMPLETE", "PRUNED", "FAIL", "RUNNING"}
	for i, tr := range js.Trials {
		if tr.State != wantStates[i] || tr.Pareto == nil || tr.Params["d_model"] == nil {
			t.Errorf("json trial %d: %+v", i, tr)
		}
		if (tr.Value == nil) != (i >= 5) {
			t.Errorf("json trial %d: value %v", i, tr.Value)
		}
		if *tr.Pareto != (i == 0 || i == 1) {
			t.Errorf("json trial %d: pareto %v", i, *tr.Pareto)
		}
	}
	if err := rep.Write(&buf, "xml", false); err == nil {
		t.Error("unknown format accepted")
	}
}

func TestSavePlot(t *testing.T) {
	rep, err := reports.Load(seedStudy(t, randomTrials(rand.New(rand.NewSource(2)), 30)), "mt")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	pngPath, svgPath := filepath.Join(dir, "front.png"), filepath.Join(dir, "front.svg")
	for _, p := range []string{pngPath, svgPath} {
		if err := rep.SavePlot(p); err != nil {
			t.Fatalf("SavePlot(%s): %v", p, err)
		}
	}
	f, err := os.Open(pngPath)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatalf("png: %v", err)
	}
	if b := img.Bounds(); b.Dx() < 800 || b.Dy() < 300 {
		t.Errorf("png is %v, want two side-by-side plots", b)
	}
	svg, err := os.ReadFile(svgPath)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(svg, []byte("<svg")) || !bytes.Contains(svg, []byte("Pareto front")) {
		t.Error("svg lacks the plot or its legend")
	}
	if err := rep.SavePlot(filepath.Join(dir, "front.gif")); err == nil {
		t.Error("gif accepted")
	}
}

// TestLoadFidelity checks which trials each fidelity lists: a supernet study's own choice is
// its retrained trials, a study without inherited trials lists every trial, "all" lists every
// trial of either.
func TestLoadFidelity(t *testing.T) {
	trials := randomTrials(rand.New(rand.NewSource(4)), 9)
	for i := range trials {
		trials[i].extra = map[string]string{record.KeyFidelity: []string{record.FidelityInherited, record.FidelityInherited, record.FidelityRetrained}[i%3]}
	}
	supernet, plain := seedStudy(t, trials), seedStudy(t, randomTrials(rand.New(rand.NewSource(4)), 5))
	for _, tc := range []struct {
		name     string
		st       *bolt.Store
		fidelity string
		want     int    // trials listed
		each     string // the fidelity of each ("" = any)
	}{
		{"supernet, its choice", supernet, "", 3, record.FidelityRetrained},
		{"supernet, retrained", supernet, record.FidelityRetrained, 3, record.FidelityRetrained},
		{"supernet, inherited", supernet, record.FidelityInherited, 6, record.FidelityInherited},
		{"supernet, all", supernet, "all", 9, ""},
		{"plain, its choice", plain, "", 5, ""},
		{"plain, all", plain, "all", 5, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rep, err := reports.LoadFidelity(tc.st, "mt", tc.fidelity)
			if err != nil {
				t.Fatal(err)
			}
			if len(rep.Trials) != tc.want {
				t.Errorf("%d trials, want %d", len(rep.Trials), tc.want)
			}
			for _, tr := range rep.Trials {
				if tc.each != "" && tr.Fidelity != tc.each {
					t.Errorf("trial %d of fidelity %q listed", tr.Number, tr.Fidelity)
				}
			}
		})
	}
}
