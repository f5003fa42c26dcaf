package reports_test

import (
	"math/rand"
	"slices"
	"testing"

	"github.com/c-bata/goptuna"

	"github.com/attnsearch/attnsearch/record"
	"github.com/attnsearch/attnsearch/reports"
)

// decoded decodes stored trials.
func decoded(t *testing.T, fts []goptuna.FrozenTrial) []record.Trial {
	t.Helper()
	out := make([]record.Trial, 0, len(fts))
	for _, ft := range fts {
		tr, err := record.Decode(ft)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, tr)
	}
	return out
}

// TestBuildTrialsAfterEqualsBuild: a report built after an earlier one (the study read again
// with trials added and running ones finished) has the front of a report built from scratch.
func TestBuildTrialsAfterEqualsBuild(t *testing.T) {
	for _, tc := range []struct {
		name string
		info record.StudyInfo
	}{
		{"two goals", record.StudyInfo{Objective: record.Objective{Maximize: []string{"bleu"}, Minimize: []string{"params"}}}},
		{"three goals", record.StudyInfo{Objective: record.Objective{Maximize: []string{"bleu"}, Minimize: []string{"params", "latency"}}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rng := rand.New(rand.NewSource(2))
			for iter := 0; iter < 40; iter++ {
				final := listedTrials(rng, 10+rng.Intn(40))
				// The earlier read: a prefix, some of whose trials were still running.
				earlier := slices.Clone(final[:rng.Intn(len(final))])
				for i := range earlier {
					if rng.Intn(3) == 0 {
						earlier[i] = goptuna.FrozenTrial{ID: i, Number: i, State: goptuna.TrialStateRunning}
					}
				}
				prev, err := reports.BuildTrials("s", tc.info, decoded(t, earlier))
				if err != nil {
					t.Fatal(err)
				}
				after, err := reports.BuildTrialsAfter(prev, "s", tc.info, decoded(t, final))
				if err != nil {
					t.Fatal(err)
				}
				whole, err := reports.Build("s", tc.info, final)
				if err != nil {
					t.Fatal(err)
				}
				if !slices.Equal(after.Front, whole.Front) || after.Hypervolume != whole.Hypervolume {
					t.Fatalf("iteration %d: front %v (hypervolume %v) after the earlier report, %v (%v) from scratch",
						iter, after.Front, after.Hypervolume, whole.Front, whole.Hypervolume)
				}
			}
		})
	}
}
