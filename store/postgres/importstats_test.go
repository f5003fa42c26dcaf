package postgres

import (
	"bytes"
	"context"
	"testing"

	"github.com/c-bata/goptuna"
)

// TestImportAnalyses pins that Import leaves the planner statistics of the trial tables it
// filled (without them, reads of a run's new trials scan every attribute until autovacuum's next
// analyze), and that they count the imported rows.
func TestImportAnalyses(t *testing.T) {
	s, _, study := openStudy(t, "source")
	for i := 0; i < 3; i++ {
		id, err := s.CreateNewTrial(study)
		must(t, err)
		must(t, s.SetTrialUserAttr(id, "k", "v"))
		must(t, s.SetTrialParam(id, "x", 0.5, goptuna.UniformDistribution{Low: 0, High: 1}))
		must(t, s.SetTrialIntermediateValue(id, 1, 0.25))
		must(t, s.SetTrialState(id, goptuna.TrialStateComplete))
	}
	var exp bytes.Buffer
	must(t, s.Export(&exp, study))
	into, _ := openTest(t, Options{})
	if _, err := into.Import(&exp, ""); err != nil {
		t.Fatal(err)
	}
	for _, table := range []string{"attnsearch_trials", "attnsearch_trial_params", "attnsearch_trial_values", "attnsearch_trial_attrs"} {
		var rows float64
		err := into.pool.QueryRow(context.Background(), `SELECT reltuples FROM pg_class WHERE relname = $1`, table).Scan(&rows)
		must(t, err)
		if rows < 3 { // -1: never analysed (PostgreSQL ≥ 14)
			t.Errorf("%s: the planner counts %v rows after the import, want at least 3 (analysed)", table, rows)
		}
	}
}
