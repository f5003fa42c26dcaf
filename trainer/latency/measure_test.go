package latency

import (
	"context"
	"encoding/csv"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/attnsearch/attnsearch/objective"
	"github.com/attnsearch/attnsearch/space"
	"github.com/attnsearch/attnsearch/trainer"
	"github.com/attnsearch/attnsearch/trainer/data"
)

// tinySpace is a small real space: the synthetic task, four searched architecture parameters
// and a parameter budget that rules out part of the space.
const tinySpace = `
task:
  kind: synthetic
  synthetic: {train: 60, valid: 12, test: 12, vocab: 12, min_len: 3, max_len: 8, seed: 3}
  max_len: 12
training: {latency_sentences: 4}
params:
  d_model: {type: categorical, choices: [16, 32]}
  heads: {type: categorical, choices: [1, 2, 4]}
  kv_heads: {type: int, low: 1, high: 4}
  enc_layers: {type: int, low: 1, high: 2}
  d_ff: {type: int, low: 32, high: 128, step: 32}
budget: {max_params: 25000}
`

// load parses tinySpace and builds its data set.
func load(t *testing.T) (*space.Spec, *data.Dataset) {
	t.Helper()
	spec, err := space.Parse(filepath.Join(t.TempDir(), "tiny.yaml"), []byte(tinySpace))
	if err != nil {
		t.Fatal(err)
	}
	ds, err := data.Load(context.Background(), spec.Task, spec.Task.MaxLen)
	if err != nil {
		t.Fatal(err)
	}
	return spec, ds
}

func TestDesignWithinBudgetDistinctDeterministic(t *testing.T) {
	spec, ds := load(t)
	a := trainer.StudyArch(spec, ds)
	pts, skipped, err := Design(spec, a, 12)
	if err != nil {
		t.Fatal(err)
	}
	if len(pts) != 12 || skipped == 0 {
		t.Fatalf("%d points, %d skipped: want 12 and some over the budget", len(pts), skipped)
	}
	seen := map[space.Config]bool{}
	for i, p := range pts {
		c := objective.Estimate(p.Config, a, spec.Objective.SrcLen, spec.Objective.TgtLen)
		if c.Params > spec.Budget.MaxParams || seen[p.Config] || p.Config.Validate() != nil {
			t.Errorf("point %d (%s): params %d, repeated %v, valid %v", i, p.Config.SetString(), c.Params, seen[p.Config], p.Config.Validate())
		}
		if i > 0 && p.Index <= pts[i-1].Index {
			t.Errorf("indices not increasing: %d after %d", p.Index, pts[i-1].Index)
		}
		seen[p.Config] = true
	}
	again, _, _ := Design(spec, a, 12)
	for i := range pts {
		if again[i].Config != pts[i].Config || again[i].Index != pts[i].Index {
			t.Fatalf("point %d differs between two designs", i)
		}
	}
}

func TestValueCoversDomain(t *testing.T) {
	cases := []struct {
		p    space.Param
		u    []float64
		want []any
	}{
		{space.Param{Kind: space.KindInt, Low: 32, High: 128, Step: 32}, []float64{0, 0.24, 0.26, 0.99}, []any{int64(32), int64(32), int64(64), int64(128)}},
		{space.Param{Kind: space.KindCategorical, Choices: []string{"4", "1", "2"}}, []float64{0, 0.5, 0.999}, []any{"4", "1", "2"}},
		{space.Param{Kind: space.KindInt, Low: 1, High: 8, Log: true}, []float64{0, 0.999}, []any{int64(1), int64(8)}},
	}
	for _, c := range cases {
		for i, u := range c.u {
			if got := value(c.p, u); got != c.want[i] {
				t.Errorf("%+v at %v = %v, want %v", c.p, u, got, c.want[i])
			}
		}
	}
}

// TestRunResumes measures 3 points, then asks for 5: the file gains exactly the 2 missing rows,
// every row complete and positive; a file of another layout or thread count is refused.
func TestRunResumes(t *testing.T) {
	spec, ds := load(t)
	out := filepath.Join(t.TempDir(), "m.csv")
	ctx := context.Background()
	s, err := Run(ctx, spec, ds, out, Options{Samples: 3, Threads: 1, Reps: 2})
	if err != nil || s.Measured != 3 || s.Done != 0 {
		t.Fatalf("first run: %+v, %v", s, err)
	}
	s, err = Run(ctx, spec, ds, out, Options{Samples: 5, Threads: 1, Reps: 2})
	if err != nil || s.Measured != 2 || s.Done != 3 {
		t.Fatalf("resumed run: %+v, %v", s, err)
	}
	f, err := os.Open(out)
	if err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(f).ReadAll()
	f.Close()
	if err != nil || len(rows) != 6 || strings.Join(rows[0], ",") != strings.Join(Columns(), ",") {
		t.Fatalf("file: %d rows, %v; header %v", len(rows), err, rows[0])
	}
	idx := map[string]bool{}
	for _, r := range rows[1:] {
		mean, _ := strconv.ParseFloat(r[len(r)-2], 64)
		if idx[r[0]] || !(mean > 0) || r[len(r)-3] != "2" || r[len(r)-4] != "1" {
			t.Errorf("row %v: repeated index, latency not positive, or reps/threads wrong", r)
		}
		idx[r[0]] = true
	}
	if _, err := Run(ctx, spec, ds, out, Options{Samples: 5, Threads: 2}); err == nil || !strings.Contains(err.Error(), "threads 1, now 2") {
		t.Errorf("other thread count: %v", err)
	}
	other := filepath.Join(t.TempDir(), "o.csv")
	if err := os.WriteFile(other, []byte("a,b\n1,2\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Run(ctx, spec, ds, other, Options{Samples: 1}); err == nil || !strings.Contains(err.Error(), "o.csv:1: header") {
		t.Errorf("foreign file: %v", err)
	}
}

// TestReadDoneRefusals: a resumed measurement reads the indices done in its file and refuses a
// file that is not one of its own (another header, other threads, a malformed row), naming the
// file and line, before it measures anything.
func TestReadDoneRefusals(t *testing.T) {
	row := func(idx, threads, reps, mean string) string {
		cells := make([]string, len(Columns()))
		for i, c := range Columns() {
			switch c {
			case ColIndex:
				cells[i] = idx
			case ColThreads:
				cells[i] = threads
			case ColReps:
				cells[i] = reps
			case ColMean:
				cells[i] = mean
			default:
				cells[i] = "1"
			}
		}
		return strings.Join(cells, ",") + "\n"
	}
	head := strings.Join(Columns(), ",") + "\n"
	for _, c := range []struct {
		name, text string
		absent     bool
		want       []int
		err        string
	}{
		{name: "no file", absent: true},
		{name: "empty file"},
		{name: "header only", text: head},
		{name: "two rows", text: head + row("0", "2", "3", "1.5") + row("4", "2", "3", "1.5"), want: []int{0, 4}},
		{name: "another header", text: "a,b\n1,2\n", err: "f.csv:1: header \"a,b\" is not that of a measurement file"},
		{name: "other threads", text: head + row("0", "1", "3", "1.5"), err: "f.csv:2: measured at threads 1, now 2; write to a new file"},
		{name: "bad index", text: head + row("x", "2", "3", "1.5"), err: "f.csv:2: index \"x\" is not a number"},
		{name: "bad mean", text: head + row("0", "2", "3", "fast"), err: "f.csv:2: latency_ms_mean \"fast\" is not a number"},
		{name: "index twice", text: head + row("0", "2", "3", "1") + row("0", "2", "3", "1"), err: "f.csv:3: index 0 again (first at line 2)"},
	} {
		t.Run(c.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "f.csv")
			if !c.absent {
				if err := os.WriteFile(path, []byte(c.text), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			done, err := readDone(path, 2)
			if c.err != "" {
				if err == nil || !strings.Contains(err.Error(), c.err) || !strings.HasPrefix(err.Error(), "measure: ") {
					t.Fatalf("error %v, want one naming %q", err, c.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(done) != len(c.want) {
				t.Fatalf("done %v, want %v", done, c.want)
			}
			for _, i := range c.want {
				if !done[i] {
					t.Fatalf("done %v, want %v", done, c.want)
				}
			}
		})
	}
}
