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
		{"", "d_model=32,heads=2,kv_heads=1,enc_layers=3,dec_layers=2,d_ff=128,dropout=0.1,lr=0.0001,weight_decay=0,warmup_steps=100,label_smoothing=0.1", nil},
		{"d_model=64,heads=8,kv_heads=2,lr=0.001", "d_model=64,heads=8,kv_heads=2,enc_layers=3,dec_layers=2,d_ff=256,dropout=0.1,lr=0.001,weight_decay=0,warmup_steps=100,label_smoothing=0.1", nil},
		{"d_model=512,heads=8,kv_heads=8,enc_layers=6,dec_layers=6,d_ff=2048",
			"d_model=512,heads=8,kv_heads=8,enc_layers=6,dec_layers=6,d_ff=2048,dropout=0.1,lr=0.0001,weight_decay=0,warmup_steps=100,label_smoothing=0.1",
			[]string{"d_model=512 outside [32, 128] step 32", "dec_layers=6 outside the space (not declared: always 2)", "enc_layers=6 outside fixed at 3"}},
		{"d_model=96", "d_model=96,heads=2,kv_heads=1,enc_layers=3,dec_layers=2,d_ff=384,dropout=0.1,lr=0.0001,weight_decay=0,warmup_steps=100,label_smoothing=0.1", nil},
		{"heads=6,d_model=96", "d_model=96,heads=6,kv_heads=1,enc_layers=3,dec_layers=2,d_ff=384,dropout=0.1,lr=0.0001,weight_decay=0,warmup_steps=100,label_smoothing=0.1",
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
	// d_model=96,heads=8,kv_heads=1,enc_layers=2,dec_layers=2,d_ff=256,dropout=0.1,lr=0.001,weight_decay=0,warmup_steps=100,label_smoothing=0.1 [] <nil>
}
