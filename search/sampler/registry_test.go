package sampler

import (
	"math"
	"testing"
)

func TestOptionCheck(t *testing.T) {
	count := Option{Name: "n", Int: true, Min: 1, Max: 10}
	step := Option{Name: "s", Min: 0, MinOpen: true}
	for _, tc := range []struct {
		o  Option
		v  float64
		ok bool
	}{
		{count, 1, true}, {count, 10, true}, {count, 0, false}, {count, 11, false}, {count, 2.5, false},
		{count, math.NaN(), false}, {step, 0, false}, {step, 1e-9, true}, {step, 1e9, true}, {step, math.Inf(1), false},
	} {
		if err := tc.o.Check(tc.v); (err == nil) != tc.ok {
			t.Errorf("%s.Check(%v) = %v, want ok %v", tc.o.Name, tc.v, err, tc.ok)
		}
	}
}

func TestRegistry(t *testing.T) {
	r := Builtin()
	if got := r.Names(); len(got) != 7 || got[0] != "tpe" || got[4] != "motpe" || got[5] != "nsga2" || got[6] != "auto" {
		t.Fatalf("Names = %v", got)
	}
	for _, name := range r.Names() {
		k, _ := r.Lookup(name)
		if _, _, err := r.New(name, 1, nil); err != nil {
			t.Errorf("%s: %v", name, err)
		}
		if (name == "random") == k.Relative { // tpe is relative for its multivariate option
			t.Errorf("%s: relative %v", name, k.Relative)
		}
	}
	if _, _, err := r.New("grid", 1, nil); err == nil {
		t.Error("unknown kind accepted")
	}
	if _, _, err := r.New("cmaes", 1, map[string]float64{"sigma0": -1}); err == nil {
		t.Error("invalid option accepted")
	}
	defer func() {
		if recover() == nil {
			t.Error("a kind registered twice did not panic")
		}
	}()
	r.Register(TPE)
}
