package command

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"sort"
	"strconv"
)

// Input is what the command reads on stdin.
type Input struct {
	Trial  int            // trial number
	Seed   int64          // the trial's seed
	Params map[string]any // parameter values: int, int64, float64, string or bool
}

// Encode renders in as the one JSON line the command reads: keys in order, integers as JSON
// integers, floats with a fraction or an exponent so that the command can tell them apart.
func (in Input) Encode() ([]byte, error) {
	var b bytes.Buffer
	b.WriteString(`{"trial": `)
	b.WriteString(strconv.Itoa(in.Trial))
	b.WriteString(`, "seed": `)
	b.WriteString(strconv.FormatInt(in.Seed, 10))
	b.WriteString(`, "params": {`)
	names := make([]string, 0, len(in.Params))
	for k := range in.Params {
		names = append(names, k)
	}
	sort.Strings(names)
	for i, k := range names {
		if i > 0 {
			b.WriteString(", ")
		}
		kb, err := json.Marshal(k)
		if err != nil {
			return nil, fmt.Errorf("command: parameter name %q: %w", k, err)
		}
		b.Write(kb)
		b.WriteString(": ")
		vb, err := encodeValue(in.Params[k])
		if err != nil {
			return nil, fmt.Errorf("command: parameter %s: %w", k, err)
		}
		b.Write(vb)
	}
	b.WriteString("}}\n")
	return b.Bytes(), nil
}

// encodeValue renders one parameter value.
func encodeValue(v any) ([]byte, error) {
	switch x := v.(type) {
	case int:
		return strconv.AppendInt(nil, int64(x), 10), nil
	case int64:
		return strconv.AppendInt(nil, x, 10), nil
	case float64:
		return encodeFloat(x)
	case float32:
		return encodeFloat(float64(x))
	case string, bool:
		return json.Marshal(x)
	default:
		return nil, fmt.Errorf("value %v of type %T is not an int, float, string or bool", v, v)
	}
}

// encodeFloat renders a finite float with a fraction or an exponent ("1.0", "1e-05").
func encodeFloat(f float64) ([]byte, error) {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return nil, fmt.Errorf("value %v is not finite", f)
	}
	b := strconv.AppendFloat(nil, f, 'g', -1, 64)
	if !bytes.ContainsAny(b, ".e") {
		b = append(b, ".0"...)
	}
	return b, nil
}

// Progress is one progress line of the command.
type Progress struct {
	Step   int                // the step the command reported (strictly increasing)
	Values map[string]float64 // its values (may be non-finite)
	Line   int                // stdout line number, from 1
}

// lineKind says what one stdout line is.
type lineKind int

const (
	lineLog      lineKind = iota // not a JSON object: the trial's log
	lineProgress                 // {"step": k, "values": {...}}
	lineResult                   // {"values": {...}}
	lineBad                      // a JSON object that breaks the protocol
)

// parsed is one classified stdout line.
type parsed struct {
	kind   lineKind
	step   int
	values map[string]float64
	err    string // lineBad: what is wrong
}

// Sentinels that stand for the bare NaN and ±Infinity tokens Python's json module writes; they
// are JSON strings no command writes on purpose.
const (
	sentNaN    = "\x00NaN"
	sentInf    = "\x00Infinity"
	sentNegInf = "\x00-Infinity"
)

// parseLine classifies one stdout line (without its newline).
func parseLine(line []byte) parsed {
	t := bytes.TrimSpace(line)
	if len(t) < 2 || t[0] != '{' || t[len(t)-1] != '}' {
		return parsed{kind: lineLog}
	}
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(t, &obj); err != nil {
		q, ok := quoteNonFinite(t)
		if !ok || json.Unmarshal(q, &obj) != nil {
			return parsed{kind: lineLog}
		}
	}
	for k := range obj {
		if k != "step" && k != "values" {
			return parsed{kind: lineBad, err: fmt.Sprintf("unknown key %q (a protocol line has \"values\" and, for progress, \"step\")", k)}
		}
	}
	rawValues, ok := obj["values"]
	if !ok {
		return parsed{kind: lineBad, err: `no "values"`}
	}
	values, err := decodeValues(rawValues)
	if err != nil {
		return parsed{kind: lineBad, err: err.Error()}
	}
	rawStep, ok := obj["step"]
	if !ok {
		return parsed{kind: lineResult, values: values}
	}
	var n json.Number
	d := json.NewDecoder(bytes.NewReader(rawStep))
	d.UseNumber()
	if err := d.Decode(&n); err != nil || rawStep[0] == '"' {
		return parsed{kind: lineBad, err: fmt.Sprintf("step %s is not an integer", rawStep)}
	}
	step, err := strconv.Atoi(n.String())
	if err != nil || step < 0 {
		return parsed{kind: lineBad, err: fmt.Sprintf("step %s is not an integer >= 0", rawStep)}
	}
	return parsed{kind: lineProgress, step: step, values: values}
}

// decodeValues decodes a "values" object of numbers (NaN and ±Infinity as the sentinels).
func decodeValues(raw json.RawMessage) (map[string]float64, error) {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil || m == nil {
		return nil, fmt.Errorf("\"values\" is %s, not an object of numbers", abbrev(raw))
	}
	out := make(map[string]float64, len(m))
	for k, rv := range m {
		if k == "" {
			return nil, fmt.Errorf("a value has an empty name")
		}
		var s string
		if json.Unmarshal(rv, &s) == nil {
			switch s {
			case sentNaN:
				out[k] = math.NaN()
			case sentInf:
				out[k] = math.Inf(1)
			case sentNegInf:
				out[k] = math.Inf(-1)
			default:
				return nil, fmt.Errorf("value %s is the string %s, not a number", k, abbrev(rv))
			}
			continue
		}
		var n json.Number
		d := json.NewDecoder(bytes.NewReader(rv))
		d.UseNumber()
		if err := d.Decode(&n); err != nil {
			return nil, fmt.Errorf("value %s is %s, not a number", k, abbrev(rv))
		}
		f, err := strconv.ParseFloat(n.String(), 64)
		if err != nil && !math.IsInf(f, 0) {
			return nil, fmt.Errorf("value %s is %s, not a number", k, abbrev(rv))
		}
		out[k] = f // out of range: ±Inf, failed later as non-finite
	}
	return out, nil
}

// quoteNonFinite replaces the bare tokens NaN, Infinity and -Infinity outside strings by the
// sentinel strings; ok is false when there were none.
func quoteNonFinite(b []byte) ([]byte, bool) {
	var out []byte
	inStr, esc, found := false, false, false
	for i := 0; i < len(b); i++ {
		c := b[i]
		if inStr {
			switch {
			case esc:
				esc = false
			case c == '\\':
				esc = true
			case c == '"':
				inStr = false
			}
			out = append(out, c)
			continue
		}
		if c == '"' {
			inStr = true
			out = append(out, c)
			continue
		}
		matched := false
		for _, tok := range [...]struct{ word, sent string }{
			{"-Infinity", `"\u0000-Infinity"`}, {"Infinity", `"\u0000Infinity"`}, {"NaN", `"\u0000NaN"`},
		} {
			if bytes.HasPrefix(b[i:], []byte(tok.word)) {
				out = append(out, tok.sent...)
				i += len(tok.word) - 1
				matched, found = true, true
				break
			}
		}
		if !matched {
			out = append(out, c)
		}
	}
	return out, found
}

// abbrev shortens raw JSON for an error message.
func abbrev(b []byte) string {
	const max = 40
	if len(b) > max {
		return string(b[:max]) + "…"
	}
	return string(b)
}
