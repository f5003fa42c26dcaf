package space

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"

	"github.com/c-bata/goptuna"
	"github.com/c-bata/goptuna/tpe"
)

// sampleSpace searches everything, with heads and kv_heads ranges that often break the rules.
const sampleSpace = `task: {kind: synthetic}
params:
  d_model: {low: 24, high: 96, step: 8}
  heads: {low: 1, high: 12}
  kv_heads: {low: 1, high: 12}
  enc_layers: {low: 1, high: 16, log: true}
  dec_layers: {choices: [1, 2, 3]}
  d_ff: {low: 32, high: 256, step: 32}
  dropout: {low: 0, high: 0.5, step: 0.05}
  lr: {low: 1e-4, high: 1e-2, log: true}
  weight_decay: {low: 0, high: 0.1}
  warmup_steps: 50
  label_smoothing: {choices: [0, 0.1]}
budget: {max_params: 1e9}
`

// seededSampler is a goptuna.Sampler whose draws depend only on its seed, the trial number and
// the parameter name (inclusive integer ranges, uniform categorical choices).
type seededSampler struct{ seed int64 }

// Sample draws one internal value of dist.
func (s *seededSampler) Sample(study *goptuna.Study, trial goptuna.FrozenTrial, name string, dist interface{}) (float64, error) {
	h := uint64(s.seed)
	for _, b := range []byte(name) {
		h = h*131 + uint64(b)
	}
	rng := rand.New(rand.NewPCG(h, uint64(trial.Number)))
	switch d := dist.(type) {
	case goptuna.UniformDistribution:
		return d.Low + rng.Float64()*(d.High-d.Low), nil
	case goptuna.LogUniformDistribution:
		return math.Exp(math.Log(d.Low) + rng.Float64()*(math.Log(d.High)-math.Log(d.Low))), nil
	case goptuna.IntUniformDistribution:
		return float64(d.Low + rng.IntN(d.High-d.Low+1)), nil
	case goptuna.StepIntUniformDistribution:
		return float64(d.Low + d.Step*rng.IntN((d.High-d.Low)/d.Step+1)), nil
	case goptuna.DiscreteUniformDistribution:
		return d.Low + d.Q*float64(rng.IntN(int(math.Round((d.High-d.Low)/d.Q))+1)), nil
	case goptuna.CategoricalDistribution:
		return float64(rng.IntN(len(d.Choices))), nil
	}
	return 0, fmt.Errorf("unknown distribution %T", dist)
}

// runStudy samples n points of spec with the given sampler and returns them.
func runStudy(t *testing.T, spec *Spec, sampler goptuna.Sampler, n int) []Config {
	t.Helper()
	pts, _ := runStudyRepairs(t, spec, sampler, n)
	return pts
}

// runStudyRepairs samples n points and counts those whose heads or kv_heads were repaired.
func runStudyRepairs(t *testing.T, spec *Spec, sampler goptuna.Sampler, n int) ([]Config, int) {
	t.Helper()
	repairs := 0
	study, err := goptuna.CreateStudy("t", goptuna.StudyOptionSampler(sampler),
		goptuna.StudyOptionLogger(nil), goptuna.StudyOptionDirection(goptuna.StudyDirectionMaximize))
	if err != nil {
		t.Fatal(err)
	}
	var out []Config
	err = study.Optimize(func(tr goptuna.Trial) (float64, error) {
		cfg, err := spec.Sample(&tr)
		if err != nil {
			return 0, err
		}
		out = append(out, cfg)
		ft, err := tr.Study.Storage.GetTrial(tr.ID)
		if err != nil {
			return 0, err
		}
		if h, ok := ft.Params["heads"].(int); ok && h != cfg.Heads {
			repairs++
		} else if kv, ok := ft.Params["kv_heads"].(int); ok && kv != cfg.KVHeads {
			repairs++
		}
		return float64(cfg.DModel) / float64(cfg.Heads), nil
	}, n)
	if err != nil {
		t.Fatal(err)
	}
	return out, repairs
}

// TestSampleStructural samples many points with random and TPE samplers: every point satisfies
// the structural rules, every value lies in its declared domain, and a seed gives the same points.
func TestSampleStructural(t *testing.T) {
	spec, err := Parse("s.yaml", []byte(sampleSpace))
	if err != nil {
		t.Fatal(err)
	}
	samplers := map[string]func() goptuna.Sampler{
		"seeded": func() goptuna.Sampler { return &seededSampler{seed: 3} },
		"random": func() goptuna.Sampler { return goptuna.NewRandomSampler(goptuna.RandomSamplerOptionSeed(3)) },
		"tpe": func() goptuna.Sampler {
			return tpe.NewSampler(tpe.SamplerOptionSeed(3), tpe.SamplerOptionNumberOfStartupTrials(10))
		},
	}
	for name, mk := range samplers {
		t.Run(name, func(t *testing.T) {
			n := 300
			if name == "tpe" {
				n = 60
			}
			pts, repairs := runStudyRepairs(t, spec, mk(), n)
			for _, c := range pts {
				if err := c.Validate(); err != nil {
					t.Fatalf("sampled %s: %v", c.SetString(), err)
				}
				for _, p := range spec.Params {
					if v := configGet(c, p.Name); !p.Contains(v) {
						t.Fatalf("sampled %s=%v outside %s", p.Name, v, p.Describe())
					}
				}
				if c.WarmupSteps != 50 {
					t.Fatalf("fixed warmup_steps = %d", c.WarmupSteps)
				}
			}
			// goptuna v0.9.0's random and TPE samplers draw categorical values (and TPE its
			// mixture components) from the unseeded global math/rand source, so only the
			// seeded test sampler can show that Sample itself is deterministic.
			if name == "seeded" {
				if again := runStudy(t, spec, mk(), n); !reflect.DeepEqual(again, pts) {
					t.Fatalf("the same seed gave different points")
				}
				if repairs == 0 {
					t.Fatalf("no sampled point needed a repair; the test space is too easy")
				}
			}
		})
	}
}

// TestSampleLogInt checks that a log-scaled integer covers its whole range, favouring small values.
func TestSampleLogInt(t *testing.T) {
	spec, err := Parse("s.yaml", []byte("task: {kind: synthetic}\nparams:\n  warmup_steps: {low: 1, high: 1000, log: true}\nbudget: {max_params: 1e9}\n"))
	if err != nil {
		t.Fatal(err)
	}
	pts := runStudy(t, spec, goptuna.NewRandomSampler(goptuna.RandomSamplerOptionSeed(1)), 400)
	below10, above100 := 0, 0
	lo, hi := math.MaxInt, 0
	for _, c := range pts {
		lo, hi = min(lo, c.WarmupSteps), max(hi, c.WarmupSteps)
		if c.WarmupSteps < 10 {
			below10++
		}
		if c.WarmupSteps > 100 {
			above100++
		}
	}
	// log-uniform on [0.5, 1000.5]: P(< 9.5) ≈ 0.39, P(> 100.5) ≈ 0.30.
	if lo < 1 || hi > 1000 || below10 < 100 || above100 < 70 {
		t.Errorf("log-int draws: range [%d, %d], %d below 10, %d above 100 of %d", lo, hi, below10, above100, len(pts))
	}
}

// TestSampleStructuralError checks the ErrStructural path: a fixed d_model that no sampled heads
// value divides at sampling time is not possible after Parse, so a space in code is used.
func TestSampleStructuralError(t *testing.T) {
	spec := &Spec{Params: []Param{
		{Name: "d_model", Kind: KindCategorical, Choices: []string{"30", "32"}},
		{Name: "heads", Kind: KindCategorical, Choices: []string{"4", "8"}},
	}}
	if err := spec.structurallySatisfiable(); err != nil {
		t.Fatalf("satisfiable space rejected: %v", err)
	}
	study, err := goptuna.CreateStudy("t", goptuna.StudyOptionSampler(goptuna.NewRandomSampler(goptuna.RandomSamplerOptionSeed(1))),
		goptuna.StudyOptionLogger(nil))
	if err != nil {
		t.Fatal(err)
	}
	structural, ok := 0, 0
	_ = study.Optimize(func(tr goptuna.Trial) (float64, error) {
		_, err := spec.Sample(&tr)
		switch {
		case errors.Is(err, ErrStructural):
			structural++
		case err == nil:
			ok++
		default:
			t.Errorf("Sample: %v", err)
		}
		return 0, nil
	}, 40)
	if structural == 0 || ok == 0 {
		t.Errorf("d_model 30 should be structural errors, 32 fine: got %d errors, %d points", structural, ok)
	}
}

// TestRepair checks the documented repair rule on hand cases.
func TestRepair(t *testing.T) {
	spec, err := Parse("s.yaml", []byte(`task: {kind: synthetic}
params:
  d_model: {low: 24, high: 96, step: 8}
  heads: {choices: [2, 3, 4, 6, 8]}
  kv_heads: {low: 1, high: 8}
budget: {max_params: 1e9}
`))
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct{ d, h, kv, wantH, wantKV int }{
		{64, 8, 8, 8, 8}, // already valid
		{64, 6, 4, 4, 4}, // 6 ∤ 64: divisors of 64 among {2,3,4,6,8} are 2, 4, 8; 4 and 8 tie, the smaller wins
		{72, 8, 3, 8, 2}, // 3 ∤ 8: divisors 1, 2, 4, 8 in [1, 8]; nearest to 3 is 2 or 4, tie to 2
		{40, 3, 3, 2, 2}, // 3 ∤ 40: 2 and 4 tie, 2 wins; kv 3 ∤ 2 -> 2
		{24, 8, 5, 8, 4}, // 5 ∤ 8: nearest divisor 4
		{88, 6, 6, 4, 4}, // 6 ∤ 88: 4 and 8 are equally near, tie to 4; kv 6 ∤ 4 -> 4
		{96, 6, 4, 6, 3}, // 4 ∤ 6: divisors 1, 2, 3, 6; 3 is nearest
	}
	for _, c := range cases {
		cfg := Config{DModel: c.d, Heads: c.h, KVHeads: c.kv}
		if err := spec.repair(&cfg, true, true); err != nil {
			t.Fatalf("repair(%d, %d, %d): %v", c.d, c.h, c.kv, err)
		}
		if cfg.Heads != c.wantH || cfg.KVHeads != c.wantKV {
			t.Errorf("repair(d=%d, heads=%d, kv=%d) = heads %d, kv %d; want %d, %d", c.d, c.h, c.kv, cfg.Heads, cfg.KVHeads, c.wantH, c.wantKV)
		}
	}
}

// TestParseSet covers the --set syntax.
func TestParseSet(t *testing.T) {
	good := []struct {
		in   string
		want map[string]string
	}{
		{"", map[string]string{}},
		{"d_model=64", map[string]string{"d_model": "64"}},
		{" d_model = 64 , heads=8", map[string]string{"d_model": "64", "heads": "8"}},
	}
	for _, c := range good {
		got, err := ParseSet(c.in)
		if err != nil || !reflect.DeepEqual(got, c.want) {
			t.Errorf("ParseSet(%q) = %v, %v; want %v", c.in, got, err, c.want)
		}
	}
	bad := map[string]string{
		"d_model":         `"d_model": want key=value`,
		"d_model=64,":     `item "": want key=value`,
		"=64":             "empty key",
		"heads=":          "--set heads: empty value",
		"heads=2,heads=4": "--set heads: given twice",
	}
	for in, want := range bad {
		if _, err := ParseSet(in); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("ParseSet(%q) = %v, want error containing %q", in, err, want)
		}
	}
}

// TestPoint covers defaults, overrides, outside flags, repair of unset names and errors.
func TestPoint(t *testing.T) {
	spec, err := Parse("s.yaml", []byte(`task: {kind: synthetic}
params:
  d_model: {low: 32, high: 128, step: 32}
  heads: {choices: [8, 4, 2]}
  kv_heads: {low: 1, high: 8}
  enc_layers: 3
  dropout: {low: 0.1, high: 0.3}
  lr: {low: 1e-4, high: 1e-2, log: true}
budget: {max_params: 1e9}
`))
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		set, want string
		outside   []string
	}{
		// Unset searched names take their central values: d_model 80 snapped up to the grid (96),
		// the first choice of heads (8), kv_heads 4.5 -> 5 repaired to a divisor of 8 (4), the
		// midpoint of dropout and the geometric midpoint of lr.
		{"", "d_model=96,heads=8,kv_heads=4,enc_layers=3,dec_layers=2,d_ff=384,dropout=0.2,lr=0.001,weight_decay=0,warmup_steps=100,label_smoothing=0.1", nil},
		{"d_model=64,heads=8,kv_heads=2,lr=0.001", "d_model=64,heads=8,kv_heads=2,enc_layers=3,dec_layers=2,d_ff=256,dropout=0.2,lr=0.001,weight_decay=0,warmup_steps=100,label_smoothing=0.1", nil},
		{"d_model=512,heads=8,kv_heads=8,enc_layers=6,dec_layers=6,d_ff=2048",
			"d_model=512,heads=8,kv_heads=8,enc_layers=6,dec_layers=6,d_ff=2048,dropout=0.2,lr=0.001,weight_decay=0,warmup_steps=100,label_smoothing=0.1",
			[]string{"d_model=512 outside [32, 128] step 32", "dec_layers=6 outside the space (not declared: always 2)", "enc_layers=6 outside fixed at 3"}},
		{"d_model=96", "d_model=96,heads=8,kv_heads=4,enc_layers=3,dec_layers=2,d_ff=384,dropout=0.2,lr=0.001,weight_decay=0,warmup_steps=100,label_smoothing=0.1", nil},
		{"heads=6,d_model=96", "d_model=96,heads=6,kv_heads=6,enc_layers=3,dec_layers=2,d_ff=384,dropout=0.2,lr=0.001,weight_decay=0,warmup_steps=100,label_smoothing=0.1",
			[]string{"heads=6 outside {8, 4, 2}"}},
	}
	for _, c := range cases {
		set, err := ParseSet(c.set)
		if err != nil {
			t.Fatal(err)
		}
		cfg, outside, err := spec.Point(set)
		if err != nil {
			t.Fatalf("Point(%s): %v", c.set, err)
		}
		if cfg.SetString() != c.want || !reflect.DeepEqual(outside, c.outside) {
			t.Errorf("Point(%s) =\n %s %q\nwant\n %s %q", c.set, cfg.SetString(), outside, c.want, c.outside)
		}
	}
	errCases := map[string]string{
		"d_modle=64":          "--set d_modle: unknown parameter",
		"d_model=abc":         `--set d_model: "abc" is not an integer`,
		"d_model=64.5":        "--set d_model: 64.5 is not an integer",
		"dropout=1":           "--set dropout: 1 is outside the legal range [0, 1)",
		"lr=0":                "--set lr: 0 is outside the legal range (0, 10]",
		"d_model=100,heads=8": "d_model=100 is not divisible by heads=8",
		"heads=8,kv_heads=3":  "heads=8 is not divisible by kv_heads=3",
		"d_model=36,heads=32": "d_model=36 is not divisible by heads=32",
	}
	for in, want := range errCases {
		set, _ := ParseSet(in)
		_, _, err := spec.Point(set)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Point(%s) = %v, want error containing %q", in, err, want)
		}
		if strings.Contains(want, "divisible") && !errors.Is(err, ErrStructural) {
			t.Errorf("Point(%s) error does not wrap ErrStructural", in)
		}
	}
}

// TestSetStringRoundTrip checks that sampled points read back exactly, in the space.
func TestSetStringRoundTrip(t *testing.T) {
	spec, err := Parse("s.yaml", []byte(sampleSpace))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range runStudy(t, spec, goptuna.NewRandomSampler(goptuna.RandomSamplerOptionSeed(9)), 100) {
		set, err := ParseSet(c.SetString())
		if err != nil {
			t.Fatal(err)
		}
		back, outside, err := spec.Point(set)
		if err != nil || back != c || len(outside) != 0 {
			t.Fatalf("round trip of %s = %s, %v, %v", c.SetString(), back.SetString(), outside, err)
		}
	}
}

// TestValidate covers Config.Validate.
func TestValidate(t *testing.T) {
	ok := Config{DModel: 64, Heads: 8, KVHeads: 2, EncLayers: 1, DecLayers: 1, DFF: 64, LR: 1e-3}
	cases := []struct {
		mut        func(*Config)
		want       string
		structural bool
	}{
		{func(c *Config) {}, "", false},
		{func(c *Config) { c.Heads = 6 }, "d_model=64 is not divisible by heads=6", true},
		{func(c *Config) { c.KVHeads = 3 }, "heads=8 is not divisible by kv_heads=3", true},
		{func(c *Config) { c.DModel = 0 }, "d_model: 0 is outside", false},
		{func(c *Config) { c.LR = 0 }, "lr: 0 is outside", false},
		{func(c *Config) { c.Dropout = math.NaN() }, "dropout: NaN is not a finite number", false},
	}
	for i, c := range cases {
		cfg := ok
		c.mut(&cfg)
		err := cfg.Validate()
		if c.want == "" {
			if err != nil {
				t.Errorf("case %d: %v", i, err)
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), c.want) || errors.Is(err, ErrStructural) != c.structural {
			t.Errorf("case %d: Validate = %v, want %q (structural %v)", i, err, c.want, c.structural)
		}
	}
}

// ExampleSpec_Point builds one point of a space from --set values.
func ExampleSpec_Point() {
	spec, err := Parse("example.yaml", []byte(`task: {kind: synthetic}
params:
  d_model: {low: 32, high: 128, step: 32}
  heads: {choices: [2, 4, 8]}
  kv_heads: {low: 1, high: 8}
  d_ff: 256
budget: {max_params: 200000}
`))
	if err != nil {
		fmt.Println(err)
		return
	}
	set, _ := ParseSet("d_model=96,heads=8")
	cfg, outside, err := spec.Point(set)
	fmt.Println(cfg.SetString(), outside, err)
	// Output:
	// d_model=96,heads=8,kv_heads=4,enc_layers=2,dec_layers=2,d_ff=256,dropout=0.1,lr=0.001,weight_decay=0,warmup_steps=100,label_smoothing=0.1 [] <nil>
}

// TestCentralAndDefault covers the value an unset searched parameter takes: the declared
// default when there is one, else the documented central value of its domain.
func TestCentralAndDefault(t *testing.T) {
	cases := []struct {
		name, decl string
		want       float64
		how        string
	}{
		{"log float", "lr: {low: 5e-4, high: 5e-3, log: true}", math.Sqrt(5e-4 * 5e-3), "geometric midpoint of [0.0005, 0.005] log"},
		{"linear float", "dropout: {low: 0, high: 0.3}", 0.15, "midpoint of [0, 0.3]"},
		{"float grid", "dropout: {low: 0, high: 0.75, step: 0.25}", 0.5, "midpoint of [0, 0.75] step 0.25"},
		{"float grid, inexact step", "dropout: {low: 0, high: 0.3, step: 0.1}", 0.2, "midpoint of [0, 0.3] step 0.1"},
		{"int", "enc_layers: {low: 1, high: 3}", 2, "midpoint of [1, 3]"},
		{"int tie goes up", "enc_layers: {low: 1, high: 4}", 3, "midpoint of [1, 4]"},
		{"int grid", "d_ff: {low: 64, high: 512, step: 64}", 320, "midpoint of [64, 512] step 64"},
		{"int log", "d_ff: {low: 16, high: 1024, log: true}", 128, "geometric midpoint of [16, 1024] log"},
		{"categorical", "heads: {choices: [4, 1, 8]}", 4, "first choice of {4, 1, 8}"},
		{"declared default", "lr: {low: 5e-4, high: 5e-3, log: true, default: 0.002}", 0.002, "declared default"},
		{"categorical default", "heads: {choices: [4, 1, 8], default: 8}", 8, "declared default"},
		{"int default", "enc_layers: {low: 1, high: 6, default: 2}", 2, "declared default"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			spec, err := Parse("c.yaml", []byte("task: {kind: synthetic}\nparams:\n  "+c.decl+"\nbudget: {max_params: 1e9}\n"))
			if err != nil {
				t.Fatal(err)
			}
			p := spec.Params[0]
			v, how := p.Start()
			if math.Abs(v-c.want) > 1e-12 || how != c.how {
				t.Fatalf("Start() = %v (%s), want %v (%s)", v, how, c.want, c.how)
			}
			cfg, _, err := spec.Point(map[string]string{})
			if err != nil {
				t.Fatal(err)
			}
			if got := configGet(cfg, p.Name); math.Abs(got-c.want) > 1e-9 && p.Name != "heads" {
				t.Fatalf("Point gives %s = %v, want %v", p.Name, got, c.want)
			}
			starts := spec.Starts(map[string]string{}, cfg)
			if len(starts) != 1 || !strings.HasPrefix(starts[0], p.Name+"="+fmtNum(c.want)+" (") || !strings.Contains(starts[0], c.how) {
				t.Fatalf("Starts = %q", starts)
			}
			if len(spec.Starts(map[string]string{p.Name: "1"}, cfg)) != 0 {
				t.Fatal("Starts lists a parameter given in set")
			}
		})
	}
	bad := map[string]string{
		"lr: {low: 5e-4, high: 5e-3, log: true, default: 0.01}": "params.lr.default: default 0.01 lies outside the domain [0.0005, 0.005] log",
		"d_ff: {low: 64, high: 512, step: 64, default: 100}":    "params.d_ff.default: default 100 lies outside the domain [64, 512] step 64",
		"heads: {choices: [1, 2], default: 4}":                  "params.heads.default: default 4 lies outside the domain {1, 2}",
		"enc_layers: {low: 1, high: 3, default: 1.5}":           "params.enc_layers.default",
		"enc_layers: {low: 1, high: 3, default: two}":           "params.enc_layers.default: expected an integer",
		"enc_layers: {value: 2, default: 2}":                    "params.enc_layers.default: does not apply to a fixed parameter",
	}
	for decl, want := range bad {
		_, err := Parse("b.yaml", []byte("task: {kind: synthetic}\nparams:\n  "+decl+"\nbudget: {max_params: 1e9}\n"))
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: err = %v, want %q", decl, err, want)
		}
	}
}
