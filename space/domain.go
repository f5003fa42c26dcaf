package space

import (
	"fmt"
	"math"
	"strings"
)

// Param kinds.
const (
	KindInt         = "int"         // integer range [low, high] with step (or log scale)
	KindFloat       = "float"       // float range [low, high], continuous, on a grid, or log scale
	KindCategorical = "categorical" // one of a list of choices
	KindFixed       = "fixed"       // a single value
)

// Contains reports whether v is a value of p's domain.
func (p Param) Contains(v float64) bool {
	switch p.Kind {
	case KindFixed:
		f, err := parseYAMLFloat(p.Value)
		return err == nil && f == v
	case KindCategorical:
		for _, c := range p.Choices {
			if f, err := parseYAMLFloat(c); err == nil && f == v {
				return true
			}
		}
		return false
	case KindInt:
		if v != math.Trunc(v) || v < p.Low || v > p.High {
			return false
		}
		step := p.Step
		if step == 0 || p.Log {
			step = 1
		}
		return math.Mod(v-p.Low, step) == 0
	case KindFloat:
		if v < p.Low || v > p.High {
			return false
		}
		if p.Step == 0 {
			return true
		}
		k := math.Round((v - p.Low) / p.Step)
		return math.Abs(p.Low+k*p.Step-v) <= 1e-9*math.Max(1, math.Abs(v))
	}
	return false
}

// Bounds returns the smallest and largest value of p's domain.
func (p Param) Bounds() (lo, hi float64) {
	switch p.Kind {
	case KindFixed:
		f, _ := parseYAMLFloat(p.Value)
		return f, f
	case KindCategorical:
		lo, hi = math.Inf(1), math.Inf(-1)
		for _, c := range p.Choices {
			f, err := parseYAMLFloat(c)
			if err != nil {
				continue
			}
			lo, hi = math.Min(lo, f), math.Max(hi, f)
		}
		return lo, hi
	case KindInt, KindFloat:
		hi = p.High
		if p.Step > 0 && !p.Log {
			hi = p.Low + math.Floor((p.High-p.Low)/p.Step+1e-9)*p.Step
		}
		return p.Low, hi
	}
	return math.NaN(), math.NaN()
}

// Describe renders p's domain for messages ("[32, 128] step 32", "{2, 4, 8}", "= 64").
func (p Param) Describe() string {
	switch p.Kind {
	case KindFixed:
		return "fixed at " + p.Value
	case KindCategorical:
		return "{" + strings.Join(p.Choices, ", ") + "}"
	case KindInt, KindFloat:
		s := fmt.Sprintf("[%s, %s]", fmtNum(p.Low), fmtNum(p.High))
		if p.Step > 0 {
			s += " step " + fmtNum(p.Step)
		}
		if p.Log {
			s += " log"
		}
		return s
	}
	return p.Kind
}

// nearestDivisor returns the value of p's domain that divides n and lies nearest to want (ties:
// the smaller); ok is false when no value of the domain divides n.
func (p Param) nearestDivisor(n, want int) (int, bool) {
	best, found := 0, false
	for d := 1; d*d <= n; d++ {
		if n%d != 0 {
			continue
		}
		for _, c := range [2]int{d, n / d} {
			if !p.Contains(float64(c)) {
				continue
			}
			if !found || absInt(c-want) < absInt(best-want) || (absInt(c-want) == absInt(best-want) && c < best) {
				best, found = c, true
			}
		}
	}
	return best, found
}

// absInt is |x|.
func absInt(x int) int {
	if x < 0 {
		return -x
	}
	return x
}
