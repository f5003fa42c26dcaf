package fit

import (
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// writeCSV writes text to a file in a temporary directory and returns its path.
func writeCSV(t testing.TB, text string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "m.csv")
	if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// synthetic returns n rows of (a, b, c) in [1, 10] with target ms = f(a, b, c), as CSV text.
func synthetic(n int, seed uint64, f func(a, b, c float64) float64) string {
	rng := rand.New(rand.NewPCG(seed, 1))
	var sb strings.Builder
	sb.WriteString("a,b,c,ms\n")
	for i := 0; i < n; i++ {
		a, b, c := 1+9*rng.Float64(), 1+9*rng.Float64(), 1+9*rng.Float64()
		fmt.Fprintf(&sb, "%g,%g,%g,%g\n", a, b, c, f(a, b, c))
	}
	return sb.String()
}

func TestReadCSVErrors(t *testing.T) {
	cases := []struct {
		name, text, want string
	}{
		{"empty", "", "empty file"},
		{"non-numeric", "a,ms\n1,2\n3,x\n", ":3: column ms: \"x\" is not a finite number"},
		{"NaN", "a,ms\n1,NaN\n", ":2: column ms"},
		{"ragged", "a,ms\n1,2\n3\n", ":3: wrong number of fields"},
		{"repeated column", "a,a\n1,2\n", ":1: column 2 name \"a\" is empty or repeated"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := writeCSV(t, c.text)
			_, err := ReadCSV(p)
			if err == nil || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), p) {
				t.Errorf("ReadCSV = %v, want an error naming %s and containing %q", err, p, c.want)
			}
		})
	}
}

func TestRunErrors(t *testing.T) {
	tbl, err := ReadCSV(writeCSV(t, synthetic(30, 1, func(a, b, c float64) float64 { return a + b })))
	if err != nil {
		t.Fatal(err)
	}
	few, err := ReadCSV(writeCSV(t, synthetic(8, 1, func(a, b, c float64) float64 { return a })))
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name     string
		tr       *Table
		features []string
		target   string
		want     string
	}{
		{"missing feature", tbl, []string{"a", "z"}, "ms", `:1: no column "z"`},
		{"missing target", tbl, []string{"a"}, "latency", `:1: no target column "latency"`},
		{"target as feature", tbl, []string{"a", "ms"}, "ms", "is the target"},
		{"too few rows", few, []string{"a"}, "ms", "8 rows: need at least 11"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if _, _, err := Run(c.tr, nil, c.features, c.target, Options{Seed: 1}); err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("Run = %v, want an error containing %q", err, c.want)
			}
		})
	}
}

// TestFitLearns checks both predictors on targets they can represent: the linear model recovers
// a linear target exactly, and the MLP a multiplicative one (as latency scales) to a few percent,
// far better than the linear baseline; held-out rows come from a second file.
func TestFitLearns(t *testing.T) {
	lin := func(a, b, c float64) float64 { return 3 + 2*a - b + 0.5*c }
	tr, _ := ReadCSV(writeCSV(t, synthetic(300, 1, lin)))
	te, _ := ReadCSV(writeCSV(t, synthetic(50, 2, lin)))
	_, rep, err := Run(tr, te, []string{"a", "b", "c"}, "ms", Options{Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Linear.RMSE > 1e-6 || rep.TrainRows != 300 || rep.TestRows != 50 {
		t.Errorf("linear target: %+v", rep)
	}
	mul := func(a, b, c float64) float64 { return 0.1 * a * b * (1 + c/10) }
	tr, _ = ReadCSV(writeCSV(t, synthetic(400, 3, mul)))
	te, _ = ReadCSV(writeCSV(t, synthetic(100, 4, mul)))
	_, rep, err = Run(tr, te, []string{"a", "b", "c"}, "ms", Options{Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	if rep.MLP.MAPE > 5 || rep.MLP.MAPE > rep.Linear.MAPE/3 {
		t.Errorf("multiplicative target: MLP MAPE %.2f%%, linear %.2f%%", rep.MLP.MAPE, rep.Linear.MAPE)
	}
}

// TestFitDeterministic checks that a seed fixes the model and the split, and that another seed
// changes them.
func TestFitDeterministic(t *testing.T) {
	tbl, _ := ReadCSV(writeCSV(t, synthetic(60, 5, func(a, b, c float64) float64 { return a * b })))
	fitJSON := func(seed int64) (string, Report) {
		m, rep, err := Run(tbl, nil, []string{"a", "b", "c"}, "ms", Options{Seed: seed, Epochs: 20})
		if err != nil {
			t.Fatal(err)
		}
		b, _ := json.Marshal(m)
		return string(b), rep
	}
	a1, r1 := fitJSON(1)
	a2, r2 := fitJSON(1)
	b1, _ := fitJSON(2)
	if a1 != a2 || r1.MLP != r2.MLP || r1.Linear != r2.Linear {
		t.Error("two fits with seed 1 differ")
	}
	if a1 == b1 {
		t.Error("seeds 1 and 2 give the same model")
	}
	if r1.TrainRows != 54 || r1.TestRows != 6 {
		t.Errorf("10%% split of 60 rows: %d/%d", r1.TrainRows, r1.TestRows)
	}
}

func TestSplit(t *testing.T) {
	tr, te := Split(25, HoldOut, 3)
	seen := map[int]bool{}
	for _, i := range append(append([]int{}, tr...), te...) {
		if seen[i] || i < 0 || i >= 25 {
			t.Fatalf("index %d repeated or out of range", i)
		}
		seen[i] = true
	}
	if len(te) != 3 || len(seen) != 25 {
		t.Errorf("split %d/%d", len(tr), len(te))
	}
}

func TestEvaluateFigures(t *testing.T) {
	// errorsOf by hand: predictions 11 and 18 for targets 10 and 20: RMSE √((1+4)/2), MAPE (10%+10%)/2.
	f := func(x []float64) float64 { return x[0] }
	e := errorsOf(f, [][]float64{{11}, {18}}, []float64{10, 20})
	if math.Abs(e.RMSE-math.Sqrt(2.5)) > 1e-12 || math.Abs(e.MAPE-10) > 1e-12 {
		t.Errorf("errors = %+v", e)
	}
}

// BenchmarkFit2000 times fitting 2,000 rows of 19 features (as many as latency measure writes)
// with the default MLP (goal: under 10 s on one core; run with -cpu 1).
func BenchmarkFit2000(b *testing.B) {
	rng := rand.New(rand.NewPCG(7, 7))
	x := make([][]float64, 2000)
	y := make([]float64, 2000)
	const k = 19 // latency measure's feature columns
	names := make([]string, k)
	for j := range names {
		names[j] = fmt.Sprintf("f%d", j)
	}
	for i := range x {
		x[i] = make([]float64, k)
		p := 1.0
		for j := range x[i] {
			x[i][j] = 1 + 9*rng.Float64()
			if j < 3 {
				p *= x[i][j]
			}
		}
		y[i] = p / 10
	}
	for b.Loop() {
		if _, err := Fit(x, y, names, "ms", Options{Seed: 1}); err != nil {
			b.Fatal(err)
		}
	}
}

// TestLinearRelative checks that the linear baseline minimises relative errors: rows y = x for
// x = 1..4 and one large row off the line (x = 100, y = 150) leave the small rows within 5%,
// where plain least squares would miss them by far more.
func TestLinearRelative(t *testing.T) {
	x := [][]float64{{1}, {2}, {3}, {4}, {100}, {1.5}, {2.5}, {3.5}, {2}, {3}, {1}, {4}}
	y := []float64{1, 2, 3, 4, 150, 1.5, 2.5, 3.5, 2, 3, 1, 4}
	m, err := Fit(x, y, []string{"x"}, "ms", Options{Seed: 1, Epochs: 1})
	if err != nil {
		t.Fatal(err)
	}
	for i, r := range x[:4] {
		if got := m.PredictLinear(r); math.Abs(got-y[i])/y[i] > 0.05 {
			t.Errorf("linear(%v) = %.3f, want %v within 5%%", r, got, y[i])
		}
	}
}
