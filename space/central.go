package space

import (
	"fmt"
	"math"
)

// Start returns the value a point takes for p when nothing else gives one (attnsearch train
// without --set for it): the declared `default:` when the file gives one, else the central value
// of the domain (see Central). how says which, for messages ("declared default",
// "geometric midpoint of [0.0005, 0.005] log", …).
func (p Param) Start() (v float64, how string) {
	if p.Default != "" {
		v, _ = parseYAMLFloat(p.Default)
		return v, "declared default"
	}
	return p.Central()
}

// Central returns the documented central value of p's domain and how it was chosen: the
// geometric midpoint √(low·high) for a log range, the midpoint (low+high)/2 for a linear one,
// both snapped to the domain (integers rounded to the nearest value of the step grid, ties
// upward; a float grid likewise); the first choice of a categorical; the value of a fixed one.
func (p Param) Central() (v float64, how string) {
	switch p.Kind {
	case KindFixed:
		return p.value(), "fixed value"
	case KindCategorical:
		v, _ = parseYAMLFloat(p.Choices[0])
		return v, "first choice of " + p.Describe()
	case KindInt, KindFloat:
		lo, hi := p.Bounds()
		how = "midpoint of " + p.Describe()
		mid := (lo + hi) / 2
		if p.Log {
			mid = math.Sqrt(lo * hi)
			how = "geometric midpoint of " + p.Describe()
		}
		step := p.Step
		if p.Kind == KindInt && (step == 0 || p.Log) {
			step = 1
		}
		if step > 0 {
			k := math.Floor((mid-lo)/step + 0.5 + 1e-9) // ties upward, also when the division rounds down
			mid = lo + k*step
			if p.Kind == KindInt {
				mid = math.Round(mid)
			}
		}
		return math.Min(hi, math.Max(lo, mid)), how
	}
	return math.NaN(), "unknown kind " + p.Kind
}

// Starts lists, for every searched parameter of the space missing from set, the value Point gave
// it in cfg and why, in file order: "lr=0.00158114 (geometric midpoint of [0.0005, 0.005] log)",
// or "kv_heads=1 (midpoint of [1, 2] is 2, repaired to divide heads)" when the structural
// repair changed it.
func (s *Spec) Starts(set map[string]string, cfg Config) []string {
	var out []string
	for _, p := range s.Params {
		if _, ok := set[p.Name]; ok || p.Kind == KindFixed {
			continue
		}
		v, how := p.Start()
		got := configGet(cfg, p.Name)
		if got == v || (p.Kind == KindFloat && math.Abs(got-v) <= 1e-12*math.Abs(v)) {
			out = append(out, fmt.Sprintf("%s=%s (%s)", p.Name, fmtNum(v), how))
			continue
		}
		what := "heads"
		if p.Name == "heads" {
			what = "d_model"
		}
		out = append(out, fmt.Sprintf("%s=%s (%s is %s, repaired to divide %s)", p.Name, fmtNum(got), how, fmtNum(v), what))
	}
	return out
}
