package optunadb

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/attnsearch/attnsearch/store/optunadb/optunatest"
)

// TestOptunaRoundTrip reads each study Optuna wrote, writes it back into a new file and has
// Optuna compare the two study by study, field by field.
func TestOptunaRoundTrip(t *testing.T) {
	dir := t.TempDir()
	src := filepath.Join(dir, "optuna.db")
	optunatest.Run(t, "testdata/make_study.py", src)
	names, err := Studies(context.Background(), src)
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(names) != "[multi single]" {
		t.Fatalf("studies %v, want [multi single]", names)
	}
	for _, name := range names {
		t.Run(name, func(t *testing.T) {
			var buf bytes.Buffer
			n, err := Read(context.Background(), src, name, &buf)
			if err != nil {
				t.Fatal(err)
			}
			if lines := strings.Count(buf.String(), "\n"); lines != n+1 {
				t.Fatalf("%d lines for %d trials", lines, n)
			}
			dst := filepath.Join(dir, name+".db")
			sum, err := Write(context.Background(), dst, &buf)
			if err != nil {
				t.Fatal(err)
			}
			if sum.Trials != n || sum.AsFail != 0 {
				t.Fatalf("summary %+v, want %d trials, none as FAIL", sum, n)
			}
			out := optunatest.Run(t, "testdata/compare.py", src, dst, name)
			if !strings.Contains(out, "identical") {
				t.Fatal(out)
			}
		})
	}
}

// TestWriteAttnsearchStudy writes an attnsearch export with two goals and checks what Optuna loads.
func TestWriteAttnsearchStudy(t *testing.T) {
	info := `{"version":2,"objective":{"metric":"bleu","cost":"params","maximize":["bleu"],"minimize":["params"]},"budget":{},"searched":["d"]}`
	head := map[string]any{"kind": "study", "format": exportFormat, "schema": exportSchema, "name": "mt", "direction": "maximize",
		"created": "2026-01-02T03:04:05Z", "user_attrs": map[string]string{}, "system_attrs": map[string]string{"attnsearch:study_info": info}, "trials": 3}
	dist := `{"name":"IntUniformDistribution","attributes":{"high":8,"low":1}}`
	trial := func(n int, state string, objectives string, value any) map[string]any {
		return map[string]any{"kind": "trial", "number": n, "trial_id": n + 1, "state": state, "value": value,
			"datetime_start": "2026-01-02T03:04:05Z", "datetime_complete": "2026-01-02T03:05:05Z", "heartbeat": nil,
			"intermediate_values": [][2]any{{1, 0.5}, {2, "NaN"}},
			"params":              map[string]any{"d": map[string]any{"internal": n + 1, "external": n + 1, "distribution": json.RawMessage(dist)}},
			"user_attrs":          map[string]string{"objectives": objectives, "bleu": "12.5", "history": `[{"epoch":1}]`}, "system_attrs": map[string]string{}}
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	for _, v := range []any{head, trial(0, "Complete", "12.5,1000", 1.5), trial(1, "Pruned", "3,500", "NaN"), trial(2, "Complete", "", "NaN")} {
		if err := enc.Encode(v); err != nil {
			t.Fatal(err)
		}
	}
	path := filepath.Join(t.TempDir(), "out.db")
	sum, err := Write(context.Background(), path, &buf)
	if err != nil {
		t.Fatal(err)
	}
	if sum.Trials != 3 || sum.AsFail != 1 || fmt.Sprint(sum.Directions) != "[MAXIMIZE MINIMIZE]" {
		t.Fatalf("summary %+v", sum)
	}
	out := optunatest.Run(t, "-c", `
import math, optuna, sys
optuna.logging.set_verbosity(optuna.logging.WARNING)
s = optuna.load_study(storage="sqlite:///"+sys.argv[1], study_name="mt")
print([d.name for d in s.directions])
for t in s.trials:
    print(t.number, t.state.name, t.values, t.params, t.distributions["d"].__class__.__name__, sorted(t.intermediate_values.items()), t.user_attrs["bleu"], t.system_attrs.get("attnsearch:state"))
print(len(s.best_trials))
`, path)
	want := strings.Join([]string{
		"['MAXIMIZE', 'MINIMIZE']",
		"0 COMPLETE [12.5, 1000.0] {'d': 1} IntDistribution [(1, 0.5), (2, nan)] 12.5 None",
		"1 PRUNED [3.0, 500.0] {'d': 2} IntDistribution [(1, 0.5), (2, nan)] 12.5 None",
		"2 FAIL None {'d': 3} IntDistribution [(1, 0.5), (2, nan)] 12.5 COMPLETE",
		"1", ""}, "\n")
	if out != want {
		t.Fatalf("Optuna read:\n%s\nwant:\n%s", out, want)
	}
	if _, err := Write(context.Background(), path, strings.NewReader("")); err == nil || !strings.Contains(err.Error(), "already exists") {
		t.Fatalf("writing over an existing file: %v", err)
	}
}

// TestReadErrors checks that files Optuna did not write are refused with the path named.
func TestReadErrors(t *testing.T) {
	dir := t.TempDir()
	junk := filepath.Join(dir, "junk.db")
	if err := os.WriteFile(junk, []byte("not sqlite at all, just text that is long enough to be a page"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ name, path, want string }{
		{"missing", filepath.Join(dir, "none.db"), "no such file"},
		{"not sqlite", junk, "junk.db"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Read(context.Background(), tc.path, "s", &bytes.Buffer{})
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want one naming %q", err, tc.want)
			}
		})
	}
}
