package main

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/c-bata/goptuna"

	"github.com/attnsearch/attnsearch/record"
	"github.com/attnsearch/attnsearch/store/optunadb/optunatest"
)

// loadOptuna has Optuna load the study and returns its trials as Optuna sees them.
func loadOptuna(t *testing.T, path, study string) (directions []string, trials []optunaTrial) {
	t.Helper()
	const script = `
import json, math, sys, optuna
optuna.logging.set_verbosity(optuna.logging.WARNING)
s = optuna.load_study(storage="sqlite:///" + sys.argv[1], study_name=sys.argv[2])
fix = lambda v: None if v is None or (isinstance(v, float) and not math.isfinite(v)) else v
print(json.dumps({"directions": [d.name for d in s.directions], "trials": [
  {"number": t.number, "state": t.state.name, "values": t.values, "params": t.params,
   "steps": len(t.intermediate_values), "user_attrs": {k: str(v) for k, v in t.user_attrs.items()}}
  for t in s.trials]}))
`
	out := optunatest.Run(t, "-c", script, path, study)
	var got struct {
		Directions []string      `json:"directions"`
		Trials     []optunaTrial `json:"trials"`
	}
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	return got.Directions, got.Trials
}

// optunaTrial is a trial as optuna.load_study returns it.
type optunaTrial struct {
	Number    int               `json:"number"`
	State     string            `json:"state"`
	Values    []float64         `json:"values"`
	Params    map[string]any    `json:"params"`
	Steps     int               `json:"steps"`
	UserAttrs map[string]string `json:"user_attrs"`
}

// TestOptunaExportImport exports a study the binary ran and has Optuna load it; imports studies
// Optuna wrote and exports them again, and has Optuna find them unchanged; and checks that
// migrate refuses an SQLite target.
func TestOptunaExportImport(t *testing.T) {
	optunatest.Need(t)
	bin := buildBinary(t)
	dir := toyDir(t, "0", 6)
	if r := attn(t, bin, dir, "run", "toy6.yaml", "--db", "toy.db"); r.code != 0 {
		t.Fatalf("run: exit %d\n%s", r.code, r.stderr)
	}

	t.Run("export is what Optuna loads", func(t *testing.T) {
		r := attn(t, bin, dir, "export", "--optuna", "toy.sqlite3", "toy", "--db", "toy.db")
		if r.code != 0 {
			t.Fatalf("export: exit %d\n%s", r.code, r.stderr)
		}
		dirs, got := loadOptuna(t, filepath.Join(dir, "toy.sqlite3"), "toy")
		if fmt.Sprint(dirs) != "[MINIMIZE MINIMIZE]" {
			t.Fatalf("directions %v, want the toy's two minimised goals", dirs)
		}
		want := storeTrials(t, filepath.Join(dir, "toy.db"), "toy")
		if len(got) != len(want) {
			t.Fatalf("Optuna loads %d trials, the store has %d", len(got), len(want))
		}
		for i, w := range want {
			g := got[i]
			state := strings.ToUpper(record.StateName(w.State))
			if g.Number != w.Number || g.State != state || g.Steps != len(w.Intermediate) {
				t.Errorf("trial %d: Optuna %d %s %d steps; store %d %s %d steps", i, g.Number, g.State, g.Steps, w.Number, state, len(w.Intermediate))
			}
			if w.State == goptuna.TrialStateComplete {
				if len(g.Values) != 2 || g.Values[0] != w.Metrics["val_error"] || g.Values[1] != w.Metrics["cost"] {
					t.Errorf("trial %d values %v, store val_error %v cost %v", w.Number, g.Values, w.Metrics["val_error"], w.Metrics["cost"])
				}
			}
			for name, v := range w.Params {
				gv := g.Params[name]
				if f, ok := v.(float64); ok {
					if gf, ok := gv.(float64); !ok || math.Abs(gf-f) > 1e-12*math.Max(1, math.Abs(f)) {
						t.Errorf("trial %d param %s: Optuna %v, store %v", w.Number, name, gv, v)
					}
				} else if fmt.Sprint(gv) != fmt.Sprint(v) {
					t.Errorf("trial %d param %s: Optuna %v, store %v", w.Number, name, gv, v)
				}
			}
			if g.UserAttrs["cost"] != record.FormatFloat(w.Metrics["cost"]) && w.State == goptuna.TrialStateComplete {
				t.Errorf("trial %d user attribute cost %q, store %v", w.Number, g.UserAttrs["cost"], w.Metrics["cost"])
			}
		}
		if r := attn(t, bin, dir, "export", "--optuna", "toy.sqlite3", "toy", "--db", "toy.db"); r.code != exitUsage || !strings.Contains(r.stderr, "already exists") {
			t.Errorf("export over an existing file: exit %d %s", r.code, r.stderr)
		}
	})

	t.Run("a study Optuna wrote comes back unchanged", func(t *testing.T) {
		testdata := filepath.Join("..", "..", "store", "optunadb", "testdata")
		src := filepath.Join(dir, "optuna.db")
		optunatest.Run(t, filepath.Join(testdata, "make_study.py"), src)
		stores := []string{"imported.db"}
		if os.Getenv("ATTNSEARCH_TEST_PG") != "" || os.Getenv("CI") != "" {
			stores = append(stores, pgServer(t, false).NewDatabase(t))
		}
		for k, db := range stores {
			for _, study := range []string{"multi", "single"} {
				if r := attn(t, bin, dir, "import", "--optuna", src, "--study", study, "--db", db); r.code != 0 {
					t.Fatalf("import %s into %s: exit %d\n%s", study, db, r.code, r.stderr)
				}
				back := filepath.Join(dir, fmt.Sprintf("back-%d-%s.db", k, study))
				if r := attn(t, bin, dir, "export", "--optuna", back, study, "--db", db); r.code != 0 {
					t.Fatalf("export %s: exit %d\n%s", study, r.code, r.stderr)
				}
				optunatest.Run(t, filepath.Join(testdata, "compare.py"), src, back, study)
			}
			if r := attn(t, bin, dir, "import", "--optuna", src, "--study", "multi", "--db", db); r.code != exitUsage || !strings.Contains(r.stderr, "already holds") {
				t.Errorf("second import: exit %d %s", r.code, r.stderr)
			}
		}
		if r := attn(t, bin, dir, "import", "--optuna", src, "--db", "x.db"); r.code != exitUsage || !strings.Contains(r.stderr, "choose one with --study") {
			t.Errorf("import without --study from a file of two studies: exit %d %s", r.code, r.stderr)
		}
		// The imported study is readable by the other commands.
		if r := attn(t, bin, dir, "serve", "--db", "imported.db", "--addr", "0.0.0.0:0"); r.code != exitUsage {
			t.Errorf("serve off loopback without a token: exit %d", r.code)
		}
	})

	t.Run("migrate refuses an SQLite target", func(t *testing.T) {
		for _, to := range []string{"x.sqlite3", "x.sqlite", "toy.sqlite3"} {
			r := attn(t, bin, dir, "migrate", "--from", "toy.db", "--to", to)
			if r.code != exitUsage || !strings.Contains(r.stderr, "export --optuna") {
				t.Errorf("migrate --to %s: exit %d %s", to, r.code, r.stderr)
			}
		}
		if _, err := os.Stat(filepath.Join(dir, "x.sqlite3")); err == nil {
			t.Error("migrate --to x.sqlite3 wrote a file")
		}
		copyFile(t, filepath.Join(dir, "toy.sqlite3"), filepath.Join(dir, "looks-like-bolt.db"))
		if r := attn(t, bin, dir, "migrate", "--from", "looks-like-bolt.db", "--to", "y.db"); r.code != exitUsage || !strings.Contains(r.stderr, "import --optuna") {
			t.Errorf("migrate --from an SQLite file: exit %d %s", r.code, r.stderr)
		}
	})
}

// copyFile copies the file from to a new file to.
func copyFile(t *testing.T, from, to string) {
	t.Helper()
	raw, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to, raw, 0o644); err != nil {
		t.Fatal(err)
	}
}
