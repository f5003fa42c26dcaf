package space

import (
	"fmt"
	"math"
	"strconv"
)

// nameInfo describes one parameter name: its type, its legal values and its default.
type nameInfo struct {
	integer  bool    // integer-valued
	min, max float64 // legal bounds (inclusive unless openMax)
	openMax  bool    // max itself is not legal
	positive bool    // 0 is not legal (min is then the smallest representable positive bound)
	def      float64 // default when the name is not declared (kv_heads: = heads; d_ff: = 4·d_model)
}

// nameInfoOf returns the description of a parameter name; ok is false for an unknown name.
func nameInfoOf(name string) (nameInfo, bool) {
	switch name {
	case "d_model":
		return nameInfo{integer: true, min: 1, max: 1 << 16, def: 64}, true
	case "heads":
		return nameInfo{integer: true, min: 1, max: 1024, def: 4}, true
	case "kv_heads":
		return nameInfo{integer: true, min: 1, max: 1024, def: 4}, true
	case "enc_layers":
		return nameInfo{integer: true, min: 1, max: 256, def: 2}, true
	case "dec_layers":
		return nameInfo{integer: true, min: 1, max: 256, def: 2}, true
	case "d_ff":
		return nameInfo{integer: true, min: 1, max: 1 << 20, def: 256}, true
	case "dropout":
		return nameInfo{min: 0, max: 1, openMax: true, def: 0.1}, true
	case "lr":
		return nameInfo{min: 0, max: 10, positive: true, def: 1e-3}, true
	case "weight_decay":
		return nameInfo{min: 0, max: 10, def: 0}, true
	case "warmup_steps":
		return nameInfo{integer: true, min: 0, max: 1e9, def: 100}, true
	case "label_smoothing":
		return nameInfo{min: 0, max: 1, openMax: true, def: 0.1}, true
	}
	return nameInfo{}, false
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

// configGet returns the value of name in c.
func configGet(c Config, name string) float64 {
	switch name {
	case "d_model":
		return float64(c.DModel)
	case "heads":
		return float64(c.Heads)
	case "kv_heads":
		return float64(c.KVHeads)
	case "enc_layers":
		return float64(c.EncLayers)
	case "dec_layers":
		return float64(c.DecLayers)
	case "d_ff":
		return float64(c.DFF)
	case "dropout":
		return c.Dropout
	case "lr":
		return c.LR
	case "weight_decay":
		return c.WeightDecay
	case "warmup_steps":
		return float64(c.WarmupSteps)
	case "label_smoothing":
		return c.LabelSmoothing
	}
	return math.NaN()
}

// configSet stores v as the value of name in c.
func configSet(c *Config, name string, v float64) {
	switch name {
	case "d_model":
		c.DModel = int(v)
	case "heads":
		c.Heads = int(v)
	case "kv_heads":
		c.KVHeads = int(v)
	case "enc_layers":
		c.EncLayers = int(v)
	case "dec_layers":
		c.DecLayers = int(v)
	case "d_ff":
		c.DFF = int(v)
	case "dropout":
		c.Dropout = v
	case "lr":
		c.LR = v
	case "weight_decay":
		c.WeightDecay = v
	case "warmup_steps":
		c.WarmupSteps = int(v)
	case "label_smoothing":
		c.LabelSmoothing = v
	}
}
