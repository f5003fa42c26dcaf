package search

import (
	"errors"
	"testing"
)

// TestKindPlan checks what a run learns from a study's kind before it starts: its first line,
// and the trials its progress counts.
func TestKindPlan(t *testing.T) {
	for _, tc := range []struct {
		name, file string
		supernet   bool
		headline   string
		planned    int
	}{
		{name: "builtin", file: "x.db", headline: "study tiny in x.db: 3 trials, sampler tpe, pruner median, data d",
			planned: 3},
		{name: "supernet", supernet: true, file: "x.db", headline: "study super in x.db: supernet strategy (SuperTransformer, then 24 sub-networks scored with inherited weights, then the best 2 retrained), sampler tpe, data d",
			planned: 26},
		{name: "supernet not in a file", supernet: true, file: "", headline: "study super in : supernet strategy (SuperTransformer, then 24 sub-networks scored with inherited weights, then the best 2 retrained), sampler tpe, data d",
			planned: 26},
	} {
		t.Run(tc.name, func(t *testing.T) {
			spec := tinySpec(t, 3, "tpe", "median", 100000)
			if tc.supernet {
				spec = superSpec(t, "scratch")
			}
			kind, err := KindOf(spec)
			if err != nil {
				t.Fatal(err)
			}
			if got := kind.Headline(spec, tc.file, "data d"); got != tc.headline {
				t.Errorf("Headline = %q, want %q", got, tc.headline)
			}
			if got := kind.Planned(spec); got != tc.planned {
				t.Errorf("Planned = %d, want %d", got, tc.planned)
			}
		})
	}
}

// TestEstimatePoint checks the three outcomes of estimating a point: a vocabulary too small, a
// budget no point of the space meets (the space file's error), and an assessment.
func TestEstimatePoint(t *testing.T) {
	for _, tc := range []struct {
		name      string
		maxParams int
		src       int
		wantErr   bool
		small     bool
	}{
		{"vocabulary too small", 100000, 4, true, true},
		{"no point meets the budget", 10, 20, true, false},
		{"assessed", 100000, 20, false, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			spec := tinySpec(t, 3, "tpe", "median", tc.maxParams)
			cfg, _, err := spec.Point(nil)
			if err != nil {
				t.Fatal(err)
			}
			est, err := EstimatePoint(spec, cfg, tc.src, 20, true, true)
			if (err != nil) != tc.wantErr || errors.Is(err, ErrSmallVocab) != tc.small {
				t.Fatalf("err = %v, want error %v (small vocabulary %v)", err, tc.wantErr, tc.small)
			}
			if err != nil {
				return
			}
			if est.Arch.SrcVocab != tc.src || est.Assessment.Cost.Params <= 0 || len(est.Violations) != len(est.Assessment.Violations) {
				t.Errorf("estimate %+v", est)
			}
		})
	}
}
