package space

import (
	"fmt"
	"maps"
	"math"
	"slices"
	"sort"
	"strings"

	"github.com/attnsearch/attnsearch/record"
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

// Fixed returns the value of a fixed parameter typed as Point holds it: a number as float64, other text as string.
func (p Param) Fixed() any {
	if v, err := parseYAMLFloat(p.Value); err == nil {
		return v
	}
	return p.Value
}

// Point is one sampled point: the value of each declared parameter by name, typed by its Param
// (int: int64; float: float64; categorical: the choice as written, a string; fixed: Param.Fixed).
// It is the generic form of a point; Config is its typed view for the built-in tasks.
type Point map[string]any

// Number returns the value of name as a number; ok is false when it is absent or not numeric.
func (p Point) Number(name string) (float64, bool) {
	if v, ok := p[name].(string); ok {
		f, err := parseYAMLFloat(v)
		return f, err == nil
	}
	return record.Number(p[name])
}

// Resolve builds the typed Config of a sampled point: the built-in parameters found in p, the
// defaults of the others, then the structural repair described in the package documentation;
// when no value of the declared domains can repair the point, the error wraps ErrStructural.
// Names outside Names (a command task's own parameters) are ignored here.
func (s *Spec) Resolve(p Point) (Config, error) {
	vals := map[string]float64{}
	for _, name := range Names {
		if _, has := p[name]; !has {
			continue
		}
		v, ok := p.Number(name)
		if !ok {
			return Config{}, fmt.Errorf("space: %s=%v is not a number", name, p[name])
		}
		vals[name] = v
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
	if err := s.divide("d_model", c.DModel, "heads", &c.Heads, mayHeads); err != nil {
		return err
	}
	if _, declared := s.Param("kv_heads"); !declared && mayKV {
		c.KVHeads = c.Heads
	}
	return s.divide("heads", c.Heads, "kv_heads", &c.KVHeads, mayKV)
}

// divide makes *v, the value of name, divide whole, the value of wholeName: when it does not and
// may is set, *v becomes the value of name's domain that divides whole and lies nearest to it.
func (s *Spec) divide(wholeName string, whole int, name string, v *int, may bool) error {
	if *v > 0 && whole%*v == 0 {
		return nil
	}
	dom := s.domain(name)
	d, ok := dom.nearestDivisor(whole, *v)
	if !may || !ok {
		return fmt.Errorf("%w: %s=%d is not divisible by %s=%d (%s %s)", ErrStructural, wholeName, whole, name, *v, name, dom.Describe())
	}
	*v = d
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
	keys := slices.Sorted(maps.Keys(set))
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

// Get returns the value of the built-in parameter name in c (NaN for an unknown name).
func (c Config) Get(name string) float64 { return configGet(c, name) }

// Values returns every built-in parameter of c by name.
func (c Config) Values() map[string]float64 {
	out := make(map[string]float64, len(Names))
	for _, name := range Names {
		out[name] = configGet(c, name)
	}
	return out
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
