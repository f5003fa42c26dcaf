package search

import (
	"errors"
	"reflect"
	"testing"

	"github.com/c-bata/goptuna"

	"github.com/attnsearch/attnsearch/store/bolt"
	"github.com/attnsearch/attnsearch/store/postgres"
)

var (
	_ attrBatcher = (*bolt.Store)(nil)
	_ attrBatcher = (*postgres.Store)(nil)
)

// oneByOne hides a storage's attrBatcher, so that setTrialAttrs writes attribute by attribute.
type oneByOne struct{ goptuna.Storage }

// TestSetTrialAttrs pins that a set of attributes written in one transaction (attrBatcher) is
// stored as the one-by-one writes store it (a key written again takes the new value), and that
// a finished trial refuses both, as goptuna's single writes do (the batch even when empty).
func TestSetTrialAttrs(t *testing.T) {
	for _, be := range cacheBackends() {
		t.Run(be.name, func(t *testing.T) {
			st, _ := be.open(t)
			if _, ok := st.(attrBatcher); !ok {
				t.Fatalf("%s: no SetTrialAttrs", be.name)
			}
			sid, err := st.CreateNewStudy("attrs")
			must(t, err)
			writers := []struct {
				name string
				st   goptuna.Storage
			}{{"batched", st}, {"one by one", oneByOne{st}}}
			var stored []goptuna.FrozenTrial
			for _, w := range writers {
				id, err := st.CreateNewTrial(sid)
				must(t, err)
				must(t, setTrialAttrs(w.st, id, map[string]string{"a": "1", "b": "x y"}, map[string]string{"s": "2"}))
				must(t, setTrialAttrs(w.st, id, map[string]string{"b": "z", "c": ""}, nil))
				must(t, setTrialAttrs(w.st, id, nil, nil))
				ft, err := st.GetTrial(id)
				must(t, err)
				want := map[string]string{"a": "1", "b": "z", "c": ""}
				if !reflect.DeepEqual(ft.UserAttrs, want) || ft.SystemAttrs["s"] != "2" {
					t.Fatalf("%s: user %v system %v, want user %v and s=2", w.name, ft.UserAttrs, ft.SystemAttrs, want)
				}
				must(t, st.SetTrialState(id, goptuna.TrialStateComplete))
				if err := setTrialAttrs(w.st, id, map[string]string{"a": "2"}, nil); !errors.Is(err, goptuna.ErrTrialCannotBeUpdated) {
					t.Fatalf("%s: an attribute of a finished trial: err %v, want ErrTrialCannotBeUpdated", w.name, err)
				}
				if ft, err = st.GetTrial(id); err != nil || ft.UserAttrs["a"] != "1" {
					t.Fatalf("%s: the finished trial's attribute a is %q (err %v), want 1", w.name, ft.UserAttrs["a"], err)
				}
				stored = append(stored, ft)
			}
			// An empty set still refuses a finished trial, as a write would.
			if err := st.(attrBatcher).SetTrialAttrs(stored[0].ID, nil, nil); !errors.Is(err, goptuna.ErrTrialCannotBeUpdated) {
				t.Fatalf("no attributes for a finished trial: err %v, want ErrTrialCannotBeUpdated", err)
			}
			if a, b := stored[0], stored[1]; !reflect.DeepEqual(a.UserAttrs, b.UserAttrs) || !reflect.DeepEqual(a.SystemAttrs, b.SystemAttrs) {
				t.Fatalf("batched %v %v, one by one %v %v", a.UserAttrs, a.SystemAttrs, b.UserAttrs, b.SystemAttrs)
			}
		})
	}
}
