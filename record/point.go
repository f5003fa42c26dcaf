package record

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
)

// FormatPoint renders a command's parameters as a JSON object in the order of names: int64 as
// integers, float64 shortest with a fraction or an exponent (1.0, so that it reads back as a
// float), strings quoted, booleans — the KeyPoint attribute.
func FormatPoint(names []string, values map[string]any) (string, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, n := range names {
		if i > 0 {
			b.WriteByte(',')
		}
		kb, err := json.Marshal(n)
		if err != nil {
			return "", fmt.Errorf("record: point name %q: %w", n, err)
		}
		var vb []byte
		if f, ok := values[n].(float64); ok {
			vb = []byte(FormatFloat(f))
			if !bytes.ContainsAny(vb, ".eIN") {
				vb = append(vb, ".0"...)
			}
		}
		if vb == nil || !json.Valid(vb) {
			vb, err = json.Marshal(values[n])
			if err != nil {
				return "", fmt.Errorf("record: point %s: %w", n, err)
			}
		}
		b.Write(kb)
		b.WriteByte(':')
		b.Write(vb)
	}
	b.WriteByte('}')
	return b.String(), nil
}

// ParsePoint reads a KeyPoint attribute: the names in stored order and the values (integers as
// int64, other numbers as float64, strings, booleans).
func ParsePoint(js string) ([]string, map[string]any, error) {
	d := json.NewDecoder(strings.NewReader(js))
	d.UseNumber()
	if t, err := d.Token(); err != nil || t != json.Delim('{') {
		return nil, nil, fmt.Errorf("point %q is not a JSON object", js)
	}
	var names []string
	values := map[string]any{}
	for d.More() {
		t, err := d.Token()
		if err != nil {
			return nil, nil, fmt.Errorf("point: %w", err)
		}
		name, _ := t.(string)
		var v any
		if err := d.Decode(&v); err != nil {
			return nil, nil, fmt.Errorf("point %s: %w", name, err)
		}
		if n, ok := v.(json.Number); ok {
			if i, err := strconv.ParseInt(n.String(), 10, 64); err == nil {
				v = i
			} else if f, err := n.Float64(); err == nil {
				v = f
			} else {
				return nil, nil, fmt.Errorf("point %s: %w", name, err)
			}
		}
		names = append(names, name)
		values[name] = v
	}
	if _, err := d.Token(); err != nil {
		return nil, nil, fmt.Errorf("point: %w", err)
	}
	return names, values, nil
}

// PointText renders a command's parameters for people and tables: "name=value,…" in the order
// of names (strings unquoted).
func PointText(names []string, values map[string]any) string {
	parts := make([]string, len(names))
	for i, n := range names {
		v := values[n]
		if f, ok := v.(float64); ok {
			v = FormatFloat(f)
		}
		parts[i] = fmt.Sprintf("%s=%v", n, v)
	}
	return strings.Join(parts, ",")
}

// Number returns v as a float64 when it holds one of the numeric types a point's value takes
// (float64, int64, int); ok is false otherwise.
func Number(v any) (float64, bool) {
	switch v := v.(type) {
	case float64:
		return v, true
	case int64:
		return float64(v), true
	case int:
		return float64(v), true
	}
	return 0, false
}
