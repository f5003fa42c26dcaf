package space

import (
	"fmt"
	"math"
	"strings"

	"gopkg.in/yaml.v3"
)

// params decodes the params section: name -> scalar (fixed) or mapping (distribution).
func (d *decoder) params(e entry) ([]Param, error) {
	known := Names
	if d.command {
		known = nil // a command's parameters are its own
	}
	es, err := d.mapping(e.value, e.path, known)
	if err != nil {
		return nil, err
	}
	if len(es) == 0 {
		if d.command {
			return nil, d.errAt(e.keyN, e.path, "empty section: declare at least one parameter")
		}
		return nil, d.errAt(e.keyN, e.path, "empty section: declare at least one parameter (%s)", strings.Join(Names, ", "))
	}
	out := make([]Param, 0, len(es))
	for _, f := range es {
		param := d.param
		if d.command {
			param = d.commandParam
		}
		p, err := param(f)
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, nil
}

// param decodes one parameter and validates its domain against the name's legal values.
func (d *decoder) param(f entry) (Param, error) {
	ni, _ := nameInfoOf(f.key)
	p := Param{Name: f.key, Line: f.keyN.Line, Column: f.keyN.Column}
	typeName := "a float"
	if ni.integer {
		typeName = "an integer"
	}
	if f.value.Kind == yaml.ScalarNode {
		if err := d.scalar(f.value, f.path, "a value or a distribution"); err != nil {
			return p, err
		}
		return d.fixed(p, f.value, f.path, ni)
	}
	// The type may be omitted: choices -> categorical, value -> fixed, otherwise the name's own type.
	def := KindFloat
	if ni.integer {
		def = KindInt
	}
	given, err := d.paramKeys(f, &p, def, "default")
	if err != nil {
		return p, err
	}
	switch p.Kind {
	case KindFixed:
		v := given["value"]
		if err := d.scalar(v.value, v.path, typeName); err != nil {
			return p, err
		}
		return d.fixed(p, v.value, v.path, ni)
	case KindCategorical:
		if p, err = d.categorical(p, given["choices"], f, ni, typeName); err != nil {
			return p, err
		}
		return d.paramDefault(p, given, ni, typeName)
	case KindFloat:
		if ni.integer {
			return p, d.errAt(given["type"].value, f.path+".type", "%s is an integer parameter; use type int or categorical", f.key)
		}
	case KindInt:
		if !ni.integer {
			return p, d.errAt(given["type"].value, f.path+".type", "%s is a float parameter; use type float or categorical", f.key)
		}
	}
	if p, err = d.rangeParam(p, given, f, ni); err != nil {
		return p, err
	}
	return d.paramDefault(p, given, ni, typeName)
}

// paramDefault decodes a parameter's optional `default:`, which must be a value of its domain.
func (d *decoder) paramDefault(p Param, given map[string]entry, ni nameInfo, typeName string) (Param, error) {
	e, ok := given["default"]
	if !ok {
		return p, nil
	}
	if err := d.scalar(e.value, e.path, typeName); err != nil {
		return p, err
	}
	if e.value.Tag != "!!int" && e.value.Tag != "!!float" {
		return p, d.errAt(e.value, e.path, "expected %s, found %s", typeName, kindName(e.value))
	}
	v, err := ni.parseValue(e.value.Value)
	if err != nil {
		return p, d.errAt(e.value, e.path, "%v", err)
	}
	if !p.Contains(v) {
		return p, d.errAt(e.value, e.path, "default %s lies outside the domain %s", fmtNum(v), p.Describe())
	}
	p.Default = fmtNum(v)
	return p, nil
}

// paramKeys reads a parameter's mapping and its kind: type when given, else categorical with
// choices, fixed with value, else def ("" = the type is required); every key must apply to the
// kind (extra: keys that also apply to int, float and categorical ones), and a fixed one needs
// its value. It returns the entries by key.
func (d *decoder) paramKeys(f entry, p *Param, def string, extra ...string) (map[string]entry, error) {
	es, err := d.mapping(f.value, f.path, append([]string{"type", "low", "high", "step", "log", "choices", "value"}, extra...))
	if err != nil {
		return nil, err
	}
	given := map[string]entry{}
	for _, o := range es {
		given[o.key] = o
	}
	switch {
	case given["type"].value != nil:
		if p.Kind, err = d.oneOf(given["type"].value, given["type"].path, paramKinds); err != nil {
			return nil, err
		}
	case given["choices"].value != nil:
		p.Kind = KindCategorical
	case given["value"].value != nil:
		p.Kind = KindFixed
	case def != "":
		p.Kind = def
	default:
		return nil, d.errAt(f.keyN, f.path+".type", "missing: a command's parameter needs its type (%s)", strings.Join(paramKinds, ", "))
	}
	allowed := map[string][]string{
		KindInt:         append([]string{"type", "low", "high", "step", "log"}, extra...),
		KindFloat:       append([]string{"type", "low", "high", "step", "log"}, extra...),
		KindCategorical: append([]string{"type", "choices"}, extra...),
		KindFixed:       {"type", "value"},
	}
	for _, o := range es {
		if !contains(allowed[p.Kind], o.key) {
			return nil, d.errAt(o.keyN, o.path, "does not apply to a %s parameter (keys: %s)", p.Kind, strings.Join(allowed[p.Kind], ", "))
		}
	}
	if _, ok := given["value"]; p.Kind == KindFixed && !ok {
		return nil, d.errAt(f.keyN, f.path+".value", "missing: a fixed parameter needs its value")
	}
	return given, nil
}

// fixed decodes a fixed value.
func (d *decoder) fixed(p Param, n *yaml.Node, field string, ni nameInfo) (Param, error) {
	p.Kind = KindFixed
	if n.Tag != "!!int" && n.Tag != "!!float" {
		return p, d.errAt(n, field, "expected a number, found %s", kindName(n))
	}
	v, err := ni.parseValue(n.Value)
	if err != nil {
		return p, d.errAt(n, field, "%v", err)
	}
	p.Value = fmtNum(v)
	return p, nil
}

// choiceList checks that c, the choices of the categorical parameter f, is a non-empty list.
func (d *decoder) choiceList(c entry, f entry) error {
	if c.value == nil {
		return d.errAt(f.keyN, f.path+".choices", "missing: a categorical parameter needs its choices")
	}
	if c.value.Kind != yaml.SequenceNode {
		return d.errAt(c.value, c.path, "expected a list of choices, found %s", kindName(c.value))
	}
	if len(c.value.Content) == 0 {
		return d.errAt(c.value, c.path, "empty list of choices")
	}
	return nil
}

// categorical decodes a list of choices.
func (d *decoder) categorical(p Param, c entry, f entry, ni nameInfo, typeName string) (Param, error) {
	if err := d.choiceList(c, f); err != nil {
		return p, err
	}
	seen := map[float64]bool{}
	for i, raw := range c.value.Content {
		n, err := d.resolve(raw, c.path)
		if err != nil {
			return p, err
		}
		field := fmt.Sprintf("%s[%d]", c.path, i)
		if n.Kind != yaml.ScalarNode || (n.Tag != "!!int" && n.Tag != "!!float") {
			return p, d.errAt(n, field, "expected %s, found %s", typeName, kindName(n))
		}
		v, err := ni.parseValue(n.Value)
		if err != nil {
			return p, d.errAt(n, field, "%v", err)
		}
		if seen[v] {
			return p, d.errAt(n, field, "duplicate choice %s", fmtNum(v))
		}
		seen[v] = true
		p.Choices = append(p.Choices, fmtNum(v))
	}
	return p, nil
}

// rangeParam decodes and validates an int or float range.
func (d *decoder) rangeParam(p Param, given map[string]entry, f entry, ni nameInfo) (Param, error) {
	for _, k := range []string{"low", "high"} {
		if _, ok := given[k]; !ok {
			return p, d.errAt(f.keyN, f.path+"."+k, "missing: a %s range needs low and high", p.Kind)
		}
	}
	var err error
	read := func(k string) (float64, error) {
		o := given[k]
		v, err := d.number(o.value, o.path)
		if err != nil {
			return 0, err
		}
		if p.Kind == KindInt && v != math.Trunc(v) {
			return 0, d.errAt(o.value, o.path, "expected an integer, found %q", o.value.Value)
		}
		return v, nil
	}
	if p.Low, err = read("low"); err != nil {
		return p, err
	}
	if p.High, err = read("high"); err != nil {
		return p, err
	}
	if l, ok := given["log"]; ok {
		if p.Log, err = d.boolean(l.value, l.path); err != nil {
			return p, err
		}
	}
	if s, ok := given["step"]; ok {
		if p.Step, err = read("step"); err != nil {
			return p, err
		}
		if p.Step <= 0 {
			return p, d.errAt(s.value, s.path, "step must be > 0, found %s", fmtNum(p.Step))
		}
	}
	lowN, highN := given["low"].value, given["high"].value
	switch {
	case p.Low > p.High:
		return p, d.errAt(highN, f.path+".high", "inverted range: low %s > high %s", fmtNum(p.Low), fmtNum(p.High))
	case p.Low == p.High:
		return p, d.errAt(highN, f.path+".high", "empty range: low == high == %s (write the value alone to fix it)", fmtNum(p.Low))
	}
	if err := ni.legal(p.Low); err != nil {
		return p, d.errAt(lowN, f.path+".low", "%v", err)
	}
	if err := ni.legal(p.High); err != nil {
		return p, d.errAt(highN, f.path+".high", "%v", err)
	}
	if p.Log && p.Low <= 0 {
		return p, d.errAt(lowN, f.path+".low", "log range needs low > 0, found %s", fmtNum(p.Low))
	}
	if s, ok := given["step"]; ok {
		if p.Log && !(p.Kind == KindInt && p.Step == 1) {
			return p, d.errAt(s.value, s.path, "step cannot be combined with log (goptuna has no stepped log distribution)")
		}
		k := (p.High - p.Low) / p.Step
		if math.Abs(k-math.Round(k)) > 1e-9*math.Max(1, k) {
			return p, d.errAt(s.value, s.path, "step %s does not divide the range [%s, %s] (length %s)",
				fmtNum(p.Step), fmtNum(p.Low), fmtNum(p.High), fmtNum(p.High-p.Low))
		}
		if p.Kind == KindInt && p.Step == 1 {
			p.Step = 0
		}
	}
	return p, nil
}
