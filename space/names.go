package space

import (
	"fmt"
	"math"
	"slices"
	"strconv"
)

// nameInfo describes one parameter name of the built-in trainer: its type, its legal values, its
// default and the Config field holding it.
type nameInfo struct {
	name       string
	integer    bool                   // integer-valued: the Config field is an int (intField; set by typed)
	min, max   float64                // legal bounds (inclusive unless openMax)
	openMax    bool                   // max itself is not legal
	positive   bool                   // 0 is not legal (min is then the smallest representable positive bound)
	def        float64                // default when the name is not declared (kv_heads: = heads; d_ff: = 4·d_model)
	intField   func(*Config) *int     // the Config field of an integer name
	floatField func(*Config) *float64 // the Config field of a float name
}

// builtins is the one table of the built-in trainer's parameter names, in canonical order (Names).
var builtins = typed([]nameInfo{
	{name: "d_model", min: 1, max: 1 << 16, def: 64, intField: func(c *Config) *int { return &c.DModel }},
	{name: "heads", min: 1, max: 1024, def: 4, intField: func(c *Config) *int { return &c.Heads }},
	{name: "kv_heads", min: 1, max: 1024, def: 4, intField: func(c *Config) *int { return &c.KVHeads }},
	{name: "enc_layers", min: 1, max: 256, def: 2, intField: func(c *Config) *int { return &c.EncLayers }},
	{name: "dec_layers", min: 1, max: 256, def: 2, intField: func(c *Config) *int { return &c.DecLayers }},
	{name: "d_ff", min: 1, max: 1 << 20, def: 256, intField: func(c *Config) *int { return &c.DFF }},
	{name: "dropout", min: 0, max: 1, openMax: true, def: 0.1, floatField: func(c *Config) *float64 { return &c.Dropout }},
	{name: "lr", min: 0, max: 10, positive: true, def: 1e-3, floatField: func(c *Config) *float64 { return &c.LR }},
	{name: "weight_decay", min: 0, max: 10, def: 0, floatField: func(c *Config) *float64 { return &c.WeightDecay }},
	{name: "warmup_steps", min: 0, max: 1e9, def: 100, intField: func(c *Config) *int { return &c.WarmupSteps }},
	{name: "label_smoothing", min: 0, max: 1, openMax: true, def: 0.1, floatField: func(c *Config) *float64 { return &c.LabelSmoothing }},
})

// typed sets each entry's integer flag from the type of its Config field.
func typed(t []nameInfo) []nameInfo {
	for i := range t {
		t[i].integer = t[i].intField != nil
	}
	return t
}

// builtinNames lists the names of builtins in order.
func builtinNames() []string {
	out := make([]string, len(builtins))
	for i, ni := range builtins {
		out[i] = ni.name
	}
	return out
}

// nameInfoOf returns the description of a parameter name; ok is false for an unknown name.
func nameInfoOf(name string) (nameInfo, bool) {
	i := slices.IndexFunc(builtins, func(ni nameInfo) bool { return ni.name == name })
	if i < 0 {
		return nameInfo{}, false
	}
	return builtins[i], true
}

// legalRange renders the legal values of a name for messages.
func (ni nameInfo) legalRange() string {
	lo, hi := "[", "]"
	if ni.positive {
		lo = "("
	}
	if ni.openMax {
		hi = ")"
	}
	return fmt.Sprintf("%s%s, %s%s", lo, fmtNum(ni.min), fmtNum(ni.max), hi)
}

// legal checks v against the name's type and bounds; the message omits the name.
func (ni nameInfo) legal(v float64) error {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return fmt.Errorf("%s is not a finite number", fmtNum(v))
	}
	if ni.integer && v != math.Trunc(v) {
		return fmt.Errorf("%s is not an integer", fmtNum(v))
	}
	if v < ni.min || v > ni.max || (ni.positive && v <= 0) || (ni.openMax && v >= ni.max) {
		return fmt.Errorf("%s is outside the legal range %s", fmtNum(v), ni.legalRange())
	}
	return nil
}

// parseValue parses a textual value of a name (as written in a file or in --set).
func (ni nameInfo) parseValue(s string) (float64, error) {
	v, err := parseYAMLFloat(s)
	if err != nil {
		if ni.integer {
			return 0, fmt.Errorf("%q is not an integer", s)
		}
		return 0, fmt.Errorf("%q is not a number", s)
	}
	if err := ni.legal(v); err != nil {
		return 0, err
	}
	return v, nil
}

// fmtNum renders a number the shortest way that reads back exactly.
func fmtNum(v float64) string {
	if v == math.Trunc(v) && math.Abs(v) < 1e15 {
		return strconv.FormatInt(int64(v), 10)
	}
	return strconv.FormatFloat(v, 'g', -1, 64)
}

// configGet returns the value of name in c (NaN for an unknown name).
func configGet(c Config, name string) float64 {
	ni, ok := nameInfoOf(name)
	switch {
	case !ok:
		return math.NaN()
	case ni.integer:
		return float64(*ni.intField(&c))
	}
	return *ni.floatField(&c)
}

// configSet stores v as the value of name in c (truncated for an integer name).
func configSet(c *Config, name string, v float64) {
	ni, ok := nameInfoOf(name)
	switch {
	case !ok:
	case ni.integer:
		*ni.intField(c) = int(v)
	default:
		*ni.floatField(c) = v
	}
}
