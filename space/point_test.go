package space

import (
	"errors"
	"fmt"
	"math"
	"reflect"
	"strings"
	"testing"
)

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
	spec, err := Load("testdata/point.yaml")
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
