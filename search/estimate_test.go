package search

import (
	"errors"
	"testing"
)

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
