package space

import (
	"reflect"
	"strings"
	"testing"
)

// testKinds is a registry of two kinds for the parser's tests.
type testKinds map[string][]Option

func (k testKinds) Names() []string { return []string{"alpha", "beta"} }
func (k testKinds) KindOptions(name string) ([]Option, bool) {
	o, ok := k[name]
	return o, ok
}

var _ Registry = testKinds{}

// TestKindSections checks study.sampler and study.pruner with and without registries: with one,
// a kind's options are checked against its declaration and its defaults filled in; without one,
// any kind is taken with its options as written (the search checks them when the study runs).
func TestKindSections(t *testing.T) {
	reg := testKinds{
		"alpha": {{Name: "n", Int: true, Min: 1, Max: 10, Default: 3}, {Name: "flag", Bool: true}},
		"beta":  {{Name: "rate", Min: 0, MinOpen: true, Max: 1, MaxOpen: true}},
	}
	w := With{Samplers: reg, Pruners: reg}
	for _, c := range []struct {
		name, study string
		with        With
		sampler     Sampler
		pruner      Pruner
		err         string
	}{
		{"defaults", "study: {sampler: alpha, pruner: {kind: beta}}", w,
			Sampler{Kind: "alpha", Options: map[string]float64{"n": 3}}, Pruner{Kind: "beta"}, ""},
		{"given", "study: {sampler: {kind: alpha, n: 7, flag: true}, pruner: {kind: beta, rate: 0.5}}", w,
			Sampler{Kind: "alpha", Options: map[string]float64{"n": 7, "flag": 1}}, Pruner{Kind: "beta", Options: map[string]float64{"rate": 0.5}}, ""},
		{"no registry", "study: {sampler: {kind: gamma, x: 2, y: false}, pruner: delta}", With{},
			Sampler{Kind: "gamma", Options: map[string]float64{"x": 2, "y": 0}}, Pruner{Kind: "delta"}, ""},
		{"unknown kind", "study: {pruner: gamma}", w, Sampler{}, Pruner{}, `e.yaml:1:17: study.pruner: unknown value "gamma" (choose one of: alpha, beta)`},
		{"other kind's option", "study: {pruner: {kind: beta, n: 2}}", w, Sampler{}, Pruner{}, "e.yaml:1:30: study.pruner.n: does not apply to pruner beta (only alpha)"},
		{"out of bounds", "study: {sampler: {kind: beta, rate: 1}}", w, Sampler{}, Pruner{}, "e.yaml:1:37: study.sampler.rate: must be < 1"},
		{"bool as number", "study: {sampler: {kind: alpha, flag: 1}}", w, Sampler{}, Pruner{}, "e.yaml:1:38: study.sampler.flag: expected true or false"},
	} {
		spec, err := ParseWith("e.yaml", []byte(c.study+"\n"+base), c.with)
		if c.err != "" {
			if err == nil || !strings.HasPrefix(err.Error(), c.err) {
				t.Errorf("%s: error %v, want %q…", c.name, err, c.err)
			}
			continue
		}
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if !reflect.DeepEqual(spec.Study.Sampler, c.sampler) || !reflect.DeepEqual(spec.Study.Pruner, c.pruner) {
			t.Errorf("%s: sampler %+v pruner %+v, want %+v %+v", c.name, spec.Study.Sampler, spec.Study.Pruner, c.sampler, c.pruner)
		}
	}
}
