package search

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/attnsearch/attnsearch/record"
	"github.com/attnsearch/attnsearch/reports"
	"github.com/attnsearch/attnsearch/space"
	"github.com/attnsearch/attnsearch/store/bolt"
	"github.com/attnsearch/attnsearch/store/storetest"
	"github.com/c-bata/goptuna"
	"golang.org/x/sync/errgroup"
)

// startTrials lists the numbers of the study's trials that carry fixed parameters and are not
// retries: the enqueued start points.
func startTrials(t *testing.T, st goptuna.Storage, name string) []int {
	t.Helper()
	all := storetest.StudyTrials(t, st, name)
	var out []int
	for _, ft := range all {
		if _, retry, _ := record.RetryOf(ft); retry {
			continue
		}
		if _, ok := ft.SystemAttrs[record.SysFixedParams]; ok {
			out = append(out, ft.Number)
		}
	}
	return out
}

// TestEnqueueDefault runs the tiny space with and without study.enqueue_default, alone, resumed
// with more trials, and as two processes sharing one store at once, and checks that the start
// point (first choices, the step grid's midpoint, the geometric midpoint of lr) is trained
// exactly once, as trial 0 of a study of one process.
func TestEnqueueDefault(t *testing.T) {
	specOf := func(t *testing.T, trials int, enqueue bool) *space.Spec {
		src := fmt.Sprintf(tinySpace, trials, "random", "none", 100000)
		if enqueue {
			src = strings.Replace(src, "  seed: 11\n", "  seed: 11\n  enqueue_default: true\n", 1)
		}
		spec, err := space.Parse(filepath.Join(t.TempDir(), "tiny.yaml"), []byte(src))
		if err != nil {
			t.Fatal(err)
		}
		return spec
	}
	start := func(t *testing.T, spec *space.Spec) string {
		cfg, _, err := spec.Point(nil)
		if err != nil {
			t.Fatal(err)
		}
		return cfg.SetString()
	}
	run := func(t *testing.T, spec *space.Spec, st Storage) {
		arch := spec.Arch(12, 12)
		if _, err := Run(context.Background(), spec, st, Options{Trainer: &fakeTrainer{}, Arch: &arch, StaleGrace: time.Second}); err != nil {
			t.Fatal(err)
		}
	}
	for _, c := range []struct {
		name    string
		enqueue bool
		want    []int
	}{{"off", false, nil}, {"on", true, []int{0}}} {
		t.Run(c.name, func(t *testing.T) {
			st := openStore(t, filepath.Join(t.TempDir(), "s.db"))
			spec := specOf(t, 3, c.enqueue)
			run(t, spec, st)
			run(t, specOf(t, 5, c.enqueue), st) // resumed with a higher count: not enqueued again
			if got := startTrials(t, st, "tiny"); fmt.Sprint(got) != fmt.Sprint(c.want) {
				t.Fatalf("start-point trials %v, want %v", got, c.want)
			}
			rep, err := reports.Load(st, "tiny")
			if err != nil {
				t.Fatal(err)
			}
			if len(rep.Trials) != 5 {
				t.Fatalf("%d trials, want 5", len(rep.Trials))
			}
			if c.enqueue && rep.Trials[0].Config != start(t, spec) {
				t.Errorf("trial 0 trained %s, want the start point %s", rep.Trials[0].Config, start(t, spec))
			}
		})
	}
	t.Run("shared", func(t *testing.T) {
		db, err := bolt.Open(filepath.Join(t.TempDir(), "shared.db"), bolt.Options{NoSnapshot: true})
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		st := sharedBolt{db}
		spec := specOf(t, 4, true)
		var g errgroup.Group
		for range 2 {
			g.Go(func() error {
				arch := spec.Arch(12, 12)
				_, err := Run(context.Background(), spec, st, Options{Trainer: &fakeTrainer{}, Arch: &arch, StaleGrace: time.Second})
				return err
			})
		}
		if err := g.Wait(); err != nil {
			t.Fatal(err)
		}
		got := startTrials(t, st, "tiny")
		if len(got) != 1 {
			t.Fatalf("start-point trials %v, want exactly one", got)
		}
		rep, err := reports.Load(st, "tiny")
		if err != nil {
			t.Fatal(err)
		}
		for _, tr := range rep.Trials {
			if tr.Number == got[0] && tr.Config != start(t, spec) {
				t.Errorf("trial %d trained %s, want the start point %s", tr.Number, tr.Config, start(t, spec))
			}
		}
	})
}
