package search

import (
	"context"
	"fmt"
	"math"
	"path/filepath"
	"strings"
	"testing"

	"github.com/attnsearch/attnsearch/record"
	"github.com/attnsearch/attnsearch/search/internal/mohalving"
	"github.com/attnsearch/attnsearch/space"
	"github.com/c-bata/goptuna"
)

// moSpec is tinySpace with the objective declared as two goals and successive halving (η = 2).
func moSpec(t *testing.T, trials int, sampler string) *space.Spec {
	t.Helper()
	src := fmt.Sprintf(tinySpace, trials, sampler, "{kind: successive_halving, min_resource: 1, reduction_factor: 2}", 4000)
	src = src[:strings.Index(src, "objective:")] + "objective:\n  maximize: [accuracy]\n  minimize: [params]\n  src_len: 6\n  tgt_len: 6\n"
	spec, err := space.Parse(filepath.Join(t.TempDir(), "mo.yaml"), []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	return spec
}

// TestParetoHalvingDecisions runs a two-goal study with the fake trainer and checks every
// pruning decision against mohalving's rule recomputed from the stored rung vectors, and the
// objective vectors and constraint values every trial stores.
func TestParetoHalvingDecisions(t *testing.T) {
	spec := moSpec(t, 12, "random")
	st := openStore(t, filepath.Join(t.TempDir(), "mo.db"))
	arch := spec.Arch(12, 12)
	res, err := Run(context.Background(), spec, st, Options{Trainer: &fakeTrainer{}, Arch: &arch})
	if err != nil {
		t.Fatal(err)
	}
	trials, err := st.GetAllTrials(res.StudyID)
	if err != nil {
		t.Fatal(err)
	}
	minimised := func(v []float64) []float64 { return []float64{-v[0], v[1]} } // accuracy maximised
	rungs := map[int][]mohalving.Entry{}                                       // entries recorded so far, by rung
	pruned, trained := 0, 0
	for _, ft := range trials {
		obj, err := record.ParseVector(ft.UserAttrs[record.KeyObjectives])
		if err != nil || len(obj) != 2 {
			t.Fatalf("trial %d objectives %q: %v", ft.Number, ft.UserAttrs[record.KeyObjectives], err)
		}
		cons, err := record.ParseVector(ft.UserAttrs[record.KeyConstraints])
		if err != nil || len(cons) != 1 { // max_params only
			t.Fatalf("trial %d constraints %q: %v", ft.Number, ft.UserAttrs[record.KeyConstraints], err)
		}
		if ft.UserAttrs[record.KeyRejected] == "true" {
			if !(cons[0] > 0) || !math.IsNaN(obj[0]) {
				t.Errorf("rejected trial %d: objectives %v constraints %v", ft.Number, obj, cons)
			}
			continue
		}
		trained++
		if cons[0] > 0 || obj[1] <= 0 {
			t.Errorf("trained trial %d: objectives %v constraints %v", ft.Number, obj, cons)
		}
		for r := 0; ; r++ {
			text, ok := ft.SystemAttrs[rungVectorKey(r)]
			if !ok {
				break
			}
			v, err := record.ParseVector(text)
			if err != nil {
				t.Fatal(err)
			}
			self := mohalving.Entry{Ordinal: ft.Number, Values: minimised(v)}
			keep := mohalving.Keep(self, rungs[r], 2)
			last := ft.SystemAttrs[rungVectorKey(r+1)] == ""
			wasPruned := ft.State == goptuna.TrialStatePruned && last
			if keep == wasPruned {
				t.Errorf("trial %d rung %d: rule says keep=%v, study pruned=%v (vector %v, %d competitors)",
					ft.Number, r, keep, wasPruned, v, len(rungs[r]))
			}
			rungs[r] = append(rungs[r], self)
		}
		if ft.State == goptuna.TrialStatePruned {
			pruned++
		}
	}
	if pruned == 0 || trained < 4 {
		t.Fatalf("%d trials trained, %d pruned: the study does not exercise the rule", trained, pruned)
	}
}
