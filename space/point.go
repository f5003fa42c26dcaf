package space

import (
	"fmt"
	"math"
	"sort"
	"strings"

	"github.com/c-bata/goptuna"
)

// Param returns the declared parameter called name; ok is false when the file does not declare it.
func (s *Spec) Param(name string) (Param, bool) {
	for _, p := range s.Params {
		if p.Name == name {
			return p, true
		}
	}
	return Param{}, false
}

// Where returns "file:line:col" of a dotted field path ("budget.max_params"), or the file name
// alone when the field was not written in the file.
func (s *Spec) Where(field string) string {
	file := s.File
	if file == "" {
		file = "<space>"
	}
	if p, ok := s.Pos[field]; ok && p.Line > 0 {
		return fmt.Sprintf("%s:%d:%d", file, p.Line, p.Column)
	}
	return file
}

// Range returns the smallest and largest value name can take in this space. An undeclared name
// gives its default twice, except kv_heads (the range of heads) and d_ff (4 × the range of d_model).
func (s *Spec) Range(name string) (lo, hi float64) {
	if p, ok := s.Param(name); ok {
		return p.Bounds()
	}
	switch name {
	case "kv_heads":
		return s.Range("heads")
	case "d_ff":
		lo, hi = s.Range("d_model")
		return 4 * lo, 4 * hi
	}
	ni, ok := nameInfoOf(name)
	if !ok {
		return math.NaN(), math.NaN()
	}
	return ni.def, ni.def
}

// domain returns the declared parameter, or a fixed one holding the default of an undeclared name.
func (s *Spec) domain(name string) Param {
	if p, ok := s.Param(name); ok {
		return p
	}
	ni, _ := nameInfoOf(name)
	return Param{Name: name, Kind: KindFixed, Value: fmtNum(ni.def)}
}

// value returns the single value of a fixed parameter.
func (p Param) value() float64 {
	v, _ := parseYAMLFloat(p.Value)
	return v
}

// sample draws p's value through the trial. Integer log ranges use goptuna's log-uniform float
// distribution on [low-0.5, high+0.5], rounded to the nearest integer (goptuna v0.9.0 has no
// log-int distribution); the trial's stored parameter is then that continuous draw.
func (p Param) sample(t *goptuna.Trial) (float64, error) {
	switch p.Kind {
	case KindFixed:
		return p.value(), nil
	case KindCategorical:
		c, err := t.SuggestCategorical(p.Name, p.Choices)
		if err != nil {
			return 0, err
		}
		return parseYAMLFloat(c)
	case KindInt:
		switch {
		case p.Log:
			f, err := t.SuggestLogFloat(p.Name, p.Low-0.5, p.High+0.5)
			if err != nil {
				return 0, err
			}
			return math.Min(p.High, math.Max(p.Low, math.Round(f))), nil
		case p.Step > 1:
			v, err := t.SuggestStepInt(p.Name, int(p.Low), int(p.High), int(p.Step))
			return float64(v), err
		default:
			v, err := t.SuggestInt(p.Name, int(p.Low), int(p.High))
			return float64(v), err
		}
	case KindFloat:
		switch {
		case p.Log:
			return t.SuggestLogFloat(p.Name, p.Low, p.High)
		case p.Step > 0:
			return t.SuggestDiscreteFloat(p.Name, p.Low, p.High, p.Step)
		default:
			return t.SuggestFloat(p.Name, p.Low, p.High)
		}
	}
	return 0, fmt.Errorf("unknown kind %q", p.Kind)
}

// Sample draws one point through the trial's Suggest* calls (declared parameters in file order) and
// repairs the structural rules as the package documentation describes; when no value of the
// declared domains can repair the point, the error wraps ErrStructural.
func (s *Spec) Sample(t *goptuna.Trial) (Config, error) {
	vals := map[string]float64{}
	for _, p := range s.Params {
		v, err := p.sample(t)
		if err != nil {
			return Config{}, fmt.Errorf("space: sample %s: %w", p.Name, err)
		}
		vals[p.Name] = v
	}
	cfg := s.fill(vals)
	if err := s.repair(&cfg, true, true); err != nil {
		return Config{}, fmt.Errorf("space: sample: %w", err)
	}
	return cfg, nil
}

// fill builds a Config from vals, using defaults for every name not in vals.
func (s *Spec) fill(vals map[string]float64) Config {
	var c Config
	for _, name := range Names {
		v, ok := vals[name]
		if !ok {
			v = s.domain(name).value()
		}
		configSet(&c, name, v)
	}
	if _, ok := vals["kv_heads"]; !ok {
		if _, declared := s.Param("kv_heads"); !declared {
			c.KVHeads = c.Heads
		}
	}
	if _, ok := vals["d_ff"]; !ok {
		if _, declared := s.Param("d_ff"); !declared {
			c.DFF = 4 * c.DModel
		}
	}
	return c
}

// repair enforces d_model % heads == 0 and heads % kv_heads == 0. When mayHeads (mayKV) is set,
// a breaking heads (kv_heads) is replaced by the value of its declared domain that divides d_model
// (heads) and lies nearest to it, ties going to the smaller; an undeclared kv_heads follows heads.
func (s *Spec) repair(c *Config, mayHeads, mayKV bool) error {
	if c.Heads <= 0 || c.DModel%c.Heads != 0 {
		dom := s.domain("heads")
		h, ok := dom.nearestDivisor(c.DModel, c.Heads)
		if !mayHeads || !ok {
			return fmt.Errorf("%w: d_model=%d is not divisible by heads=%d (heads %s)", ErrStructural, c.DModel, c.Heads, dom.Describe())
		}
		c.Heads = h
	}
	if _, declared := s.Param("kv_heads"); !declared && mayKV {
		c.KVHeads = c.Heads
	}
	if c.KVHeads <= 0 || c.Heads%c.KVHeads != 0 {
		dom := s.domain("kv_heads")
		kv, ok := dom.nearestDivisor(c.Heads, c.KVHeads)
		if !mayKV || !ok {
			return fmt.Errorf("%w: heads=%d is not divisible by kv_heads=%d (kv_heads %s)", ErrStructural, c.Heads, c.KVHeads, dom.Describe())
		}
		c.KVHeads = kv
	}
	return nil
}

// maxStructuralScan bounds the d_model values checked by structurallySatisfiable.
const maxStructuralScan = 512

// structurallySatisfiable checks that at least one (d_model, heads, kv_heads) of the declared
// domains satisfies the structural rules (d_model domains with more than maxStructuralScan values
// are not scanned).
func (s *Spec) structurallySatisfiable() error {
	dm := s.domain("d_model")
	values := dm.enumerate(maxStructuralScan)
	if values == nil {
		return nil
	}
	heads := s.domain("heads")
	_, kvDeclared := s.Param("kv_heads")
	kvDom := s.domain("kv_heads")
	for _, d := range values {
		for h := 1; h <= d && h <= 1024; h++ {
			if d%h != 0 || !heads.Contains(float64(h)) {
				continue
			}
			if !kvDeclared {
				return nil
			}
			if _, ok := kvDom.nearestDivisor(h, 1); ok {
				return nil
			}
		}
	}
	return fmt.Errorf("no point of the space satisfies d_model %% heads == 0 and heads %% kv_heads == 0 (d_model %s, heads %s, kv_heads %s)",
		dm.Describe(), heads.Describe(), kvDom.Describe())
}

// enumerate lists the integer values of p's domain, or nil when there are more than limit.
func (p Param) enumerate(limit int) []int {
	switch p.Kind {
	case KindFixed:
		return []int{int(p.value())}
	case KindCategorical:
		out := make([]int, 0, len(p.Choices))
		for _, c := range p.Choices {
			v, _ := parseYAMLFloat(c)
			out = append(out, int(v))
		}
		return out
	case KindInt:
		step := p.Step
		if step == 0 || p.Log {
			step = 1
		}
		if (p.High-p.Low)/step >= float64(limit) {
			return nil
		}
		var out []int
		for v := p.Low; v <= p.High; v += step {
			out = append(out, int(v))
		}
		return out
	}
	return nil
}

// ParseSet parses "k=v,k=v" (as given to --set) into a map; an empty item, a missing "=", an
// empty key or value, or a repeated key is an error naming the item.
func ParseSet(set string) (map[string]string, error) {
	out := map[string]string{}
	if strings.TrimSpace(set) == "" {
		return out, nil
	}
	for _, item := range strings.Split(set, ",") {
		k, v, ok := strings.Cut(item, "=")
		k, v = strings.TrimSpace(k), strings.TrimSpace(v)
		switch {
		case !ok:
			return nil, fmt.Errorf("space: --set item %q: want key=value", item)
		case k == "":
			return nil, fmt.Errorf("space: --set item %q: empty key", item)
		case v == "":
			return nil, fmt.Errorf("space: --set %s: empty value", k)
		}
		if _, dup := out[k]; dup {
			return nil, fmt.Errorf("space: --set %s: given twice", k)
		}
		out[k] = v
	}
	return out, nil
}

// Point builds a Config from the file's fixed values plus set. A searched name missing from set
// takes its declared default, else its domain's central value (Param.Start; Starts lists them
// for messages), an undeclared one the name's default (kv_heads = heads,
// d_ff = 4·d_model); a missing heads or kv_heads is then repaired like Sample does, while values
// given in set that break a structural rule are an error wrapping ErrStructural. An unknown key or
// a malformed or illegal value is an error naming the key; outside lists every set value that lies
// outside the declared space (the point is still built).
func (s *Spec) Point(set map[string]string) (cfg Config, outside []string, err error) {
	vals := map[string]float64{}
	keys := sortedKeys(set)
	for _, k := range keys {
		ni, ok := nameInfoOf(k)
		if !ok {
			return Config{}, nil, fmt.Errorf("space: --set %s: unknown parameter (known: %s)", k, strings.Join(Names, ", "))
		}
		v, err := ni.parseValue(set[k])
		if err != nil {
			return Config{}, nil, fmt.Errorf("space: --set %s: %w", k, err)
		}
		vals[k] = v
	}
	for _, p := range s.Params {
		if _, ok := vals[p.Name]; !ok {
			vals[p.Name], _ = p.Start()
		}
	}
	_, setHeads := set["heads"]
	_, setKV := set["kv_heads"]
	_, kvDeclared := s.Param("kv_heads")
	cfg = s.fill(vals)
	if !setKV && !kvDeclared {
		cfg.KVHeads = cfg.Heads
	}
	if err := s.repair(&cfg, !setHeads, !setKV); err != nil {
		return Config{}, nil, fmt.Errorf("space: --set: %w", err)
	}
	for _, k := range keys {
		v := vals[k]
		if p, ok := s.Param(k); ok {
			if !p.Contains(v) {
				outside = append(outside, fmt.Sprintf("%s=%s outside %s", k, fmtNum(v), p.Describe()))
			}
			continue
		}
		var want float64
		switch k {
		case "kv_heads":
			want = float64(cfg.Heads)
		case "d_ff":
			want = 4 * float64(cfg.DModel)
		default:
			want = s.domain(k).value()
		}
		if v != want {
			outside = append(outside, fmt.Sprintf("%s=%s outside the space (not declared: always %s)", k, fmtNum(v), fmtNum(want)))
		}
	}
	sort.Strings(outside)
	return cfg, outside, nil
}

// SetString renders every name in canonical order as "d_model=…,heads=…,…", readable by ParseSet and Point.
func (c Config) SetString() string {
	parts := make([]string, len(Names))
	for i, name := range Names {
		parts[i] = name + "=" + fmtNum(configGet(c, name))
	}
	return strings.Join(parts, ",")
}

// Validate reports a value out of its legal range (e.g. d_model < 1) or a broken structural rule
// (wrapping ErrStructural).
func (c Config) Validate() error {
	for _, name := range Names {
		ni, _ := nameInfoOf(name)
		if err := ni.legal(configGet(c, name)); err != nil {
			return fmt.Errorf("space: config %s: %w", name, err)
		}
	}
	if c.DModel%c.Heads != 0 {
		return fmt.Errorf("space: config: %w: d_model=%d is not divisible by heads=%d", ErrStructural, c.DModel, c.Heads)
	}
	if c.Heads%c.KVHeads != 0 {
		return fmt.Errorf("space: config: %w: heads=%d is not divisible by kv_heads=%d", ErrStructural, c.Heads, c.KVHeads)
	}
	return nil
}
