package storegen

import (
	"bytes"
	"path/filepath"
	"slices"
	"testing"

	"github.com/c-bata/goptuna"

	"github.com/attnsearch/attnsearch/objective"
	"github.com/attnsearch/attnsearch/record"
	"github.com/attnsearch/attnsearch/store"
	"github.com/attnsearch/attnsearch/store/bolt"
)

// TestGenerated checks that a generated study is the same for the same options, differs with the
// seed, loads into a real bbolt store with every trial, and holds the states and marks the read
// benchmarks rely on (pruned, failed, stale with its retry, infeasible).
func TestGenerated(t *testing.T) {
	for _, o := range []Options{{Trials: 400, Goals: 2, Seed: 1}, {Name: "g3", Trials: 300, Goals: 3, Seed: 2, Epochs: 2}} {
		t.Run(o.Name, func(t *testing.T) {
			var a, b, c bytes.Buffer
			other := o
			other.Seed++
			for _, w := range []struct {
				buf *bytes.Buffer
				o   Options
			}{{&a, o}, {&b, o}, {&c, other}} {
				if err := Write(w.buf, w.o); err != nil {
					t.Fatal(err)
				}
			}
			if !bytes.Equal(a.Bytes(), b.Bytes()) || bytes.Equal(a.Bytes(), c.Bytes()) {
				t.Fatal("the same options must give the same study, another seed another one")
			}
			st, err := bolt.Open(filepath.Join(t.TempDir(), "g.db"), bolt.Options{NoSync: true, NoSnapshot: true})
			if err != nil {
				t.Fatal(err)
			}
			defer st.Close()
			id, err := Fill(st, o)
			if err != nil {
				t.Fatal(err)
			}
			fts, err := st.GetAllTrials(id)
			if err != nil {
				t.Fatal(err)
			}
			if len(fts) != o.Trials {
				t.Fatalf("%d trials stored, want %d", len(fts), o.Trials)
			}
			epochs := o.Epochs
			if epochs == 0 {
				epochs = 5
			}
			seen := map[string]int{}
			for _, ft := range fts {
				seen[ft.State.String()]++
				if ft.SystemAttrs[record.SysFailReason] == record.ReasonStale {
					seen["stale"]++
				}
				if _, ok := store.RetryNumber(ft.SystemAttrs); ok {
					seen["retry"]++
				}
				if ft.UserAttrs[record.KeyFeasible] == "false" {
					seen["infeasible"]++
				}
				if ft.State == goptuna.TrialStateComplete && len(ft.IntermediateValues) != epochs {
					t.Fatalf("complete trial %d has %d intermediate values", ft.Number, len(ft.IntermediateValues))
				}
			}
			for _, k := range []string{"Complete", "Pruned", "Fail", "stale", "retry", "infeasible"} {
				if seen[k] == 0 {
					t.Errorf("no %s trial among %d: %v", k, o.Trials, seen)
				}
			}
			if seen["stale"] != seen["retry"] {
				t.Errorf("%d stale trials but %d retries", seen["stale"], seen["retry"])
			}
		})
	}
}

// TestOptionsRejected checks the options Write refuses.
func TestOptionsRejected(t *testing.T) {
	for _, o := range []Options{{Trials: 10, Goals: 1}, {Trials: 10, Goals: 4}, {Trials: -1, Goals: 2}, {Trials: 5, Goals: 2, Epochs: -1}} {
		if err := Write(&bytes.Buffer{}, o); err == nil {
			t.Errorf("Write(%+v) accepted", o)
		}
	}
}

// TestFrontKeys: the keys storegen gives its digest are those of the objective it stores.
func TestFrontKeys(t *testing.T) {
	for _, goals := range []int{2, 3} {
		o := Options{Name: "g", Trials: 1, Goals: goals}
		keys, dirs := o.FrontKeys()
		wk, wd, err := objective.FrontKeys(o.Info().Objective)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(keys, wk) || !slices.Equal(dirs, wd) {
			t.Errorf("%d goals: keys %v %v, the stored objective's %v %v", goals, keys, dirs, wk, wd)
		}
	}
}
