package serve

import (
	"fmt"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/c-bata/goptuna"

	"github.com/attnsearch/attnsearch/record"
	"github.com/attnsearch/attnsearch/store/bolt"
	"github.com/attnsearch/attnsearch/store/storetest"
)

// TestIncrementalEqualsFull: a study read again from what the last read kept (only the trials
// from the first not finished on are read and decoded) equals the study read whole, after every
// kind of change a running study sees, through the snapshot and change feed of a writer that
// holds the store; a supernet study's phases included.
func TestIncrementalEqualsFull(t *testing.T) {
	path := filepath.Join(t.TempDir(), "s.db")
	genStudy(t, path, 30, 4)
	w, sid := openWriter(t, path, bolt.Options{NoSync: true, SnapshotInterval: time.Hour})
	defer w.Close()
	must(t, w.WriteSnapshot()) // rather than wait for the writer's first
	var kept *study
	check := func(step string, wantTrials int) {
		t.Helper()
		src, err := readOnly(path)(t.Context())
		must(t, err)
		defer src.Close()
		inc, err := load(src, "s", kept)
		must(t, err)
		if kept != nil && inc.Version == kept.Version {
			inc = kept // as refresh does: the same version keeps what was read
		}
		full, err := load(src, "s", nil)
		must(t, err)
		if len(full.Trials) != wantTrials {
			t.Fatalf("%s: %d trials read, want %d", step, len(full.Trials), wantTrials)
		}
		same := func(a, b *study) bool { // trials compared as printed: a failed trial's NaN is never DeepEqual
			return a.Version == b.Version && fmt.Sprintf("%+v", a.Trials) == fmt.Sprintf("%+v", b.Trials) && reflect.DeepEqual(a.Front, b.Front) &&
				reflect.DeepEqual(a.Counts, b.Counts) && reflect.DeepEqual(a.Reference, b.Reference) && a.Started.Equal(b.Started) &&
				len(a.Phases) == len(b.Phases)
		}
		if !same(inc, full) {
			t.Fatalf("%s: the study read from what was kept differs from the study read whole:\n got  %d trials, front %v, counts %v, version %s\n want %d trials, front %v, counts %v, version %s",
				step, len(inc.Trials), inc.Front, inc.Counts, inc.Version, len(full.Trials), full.Front, full.Counts, full.Version)
		}
		// Drawn on from what the last version drew of the same finished trials, or whole.
		if got, want := fmt.Sprintf("%+v", *inc.draw()), fmt.Sprintf("%+v", *full.draw()); got != want {
			t.Fatalf("%s: the plots drawn on from the last version differ from those drawn whole:\n got  %s\n want %s", step, got, want)
		}
		if got, want := fmt.Sprint(inc.categories(inc.paramNames())), fmt.Sprint(full.categories(full.paramNames())); got != want {
			t.Fatalf("%s: categories %s, want %s", step, got, want)
		}
		for i := range full.Phases {
			if !same(inc.Phases[i], full.Phases[i]) || inc.Phases[i].Fidelity != full.Phases[i].Fidelity {
				t.Fatalf("%s: phase %s differs", step, full.Phases[i].Fidelity)
			}
		}
		if kept != nil && inc != kept && len(inc.kept.trials) < len(kept.kept.trials) {
			t.Fatalf("%s: kept %d trials, fewer than before (%d)", step, len(inc.kept.trials), len(kept.kept.trials))
		}
		kept = inc
	}
	check("generated", 30)
	check("unchanged", 30)
	n := addTrial(t, w, sid, 0.9)
	check("one more complete", 31)
	id, err := w.CreateNewTrial(sid)
	must(t, err)
	check("running", 32)
	must(t, w.SetTrialIntermediateValue(id, 1, 0.3))
	check("an intermediate value", 32)
	later := addTrial(t, w, sid, 0.95) // finishes after a trial still running
	check("a later trial complete", 33)
	must(t, w.SetTrialUserAttr(id, record.KeyFidelity, record.FidelityInherited))
	for k, v := range map[string]string{"acc": "0.99", "cost": "0.5", "lat": "0.5", "feasible": "true", "objectives": record.FormatVector([]float64{0.99, 0.5, 0.5})} {
		must(t, w.SetTrialUserAttr(id, k, v))
	}
	must(t, w.SetTrialValue(id, 0.99))
	must(t, w.SetTrialState(id, goptuna.TrialStateComplete))
	check("an inherited trial (a supernet study now)", 33)
	if len(kept.Phases) != 2 {
		t.Fatalf("a study with an inherited trial has %d phases, want 2", len(kept.Phases))
	}
	storetest.PrunedAndRequeued(t, w, sid)
	check("pruned, failed and requeued", 36)
	_, err = w.RecoverStale(sid, 0) // nothing runs: nothing changes
	must(t, err)
	must(t, w.WriteSnapshot())
	check("a new snapshot", 36)
	if n < 0 || later < n {
		t.Fatalf("trial numbers %d, %d out of order", n, later)
	}
}

// must fails the test on err.
func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
