package command

import (
	"math"
	"strings"
	"testing"
)

func TestEncode(t *testing.T) {
	tests := []struct {
		name string
		in   Input
		want string
	}{
		{"empty", Input{Trial: 0, Seed: -3}, `{"trial": 0, "seed": -3, "params": {}}`},
		{"types", Input{Trial: 7, Seed: 42, Params: map[string]any{
			"lr": 0.001, "one": 1.0, "big": 1e21, "layers": 4, "n64": int64(-9), "act": "gelu",
			"flag": true, "q": `a"b`, "f32": float32(0.5),
		}}, `{"trial": 7, "seed": 42, "params": {"act": "gelu", "big": 1e+21, "f32": 0.5, "flag": true, "layers": 4, "lr": 0.001, "n64": -9, "one": 1.0, "q": "a\"b"}}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := tt.in.Encode()
			if err != nil {
				t.Fatal(err)
			}
			if got := string(b); got != tt.want+"\n" {
				t.Errorf("Encode =\n%s\nwant\n%s", got, tt.want)
			}
		})
	}
}

func TestEncodeRejects(t *testing.T) {
	for _, v := range []any{math.NaN(), math.Inf(1), []int{1}, nil} {
		if _, err := (Input{Params: map[string]any{"x": v}}).Encode(); err == nil || !strings.Contains(err.Error(), "parameter x") {
			t.Errorf("Encode(%v) error = %v, want one naming parameter x", v, err)
		}
	}
}

func TestParseLine(t *testing.T) {
	nan, inf := math.NaN(), math.Inf(1)
	tests := []struct {
		line   string
		kind   lineKind
		step   int
		values map[string]float64
		err    string
	}{
		{`plain text`, lineLog, 0, nil, ""},
		{``, lineLog, 0, nil, ""},
		{`[1, 2]`, lineLog, 0, nil, ""},
		{`42`, lineLog, 0, nil, ""},
		{`{'a': 1}`, lineLog, 0, nil, ""},               // Python's repr, not JSON
		{`{"values": {"f": 1}`, lineLog, 0, nil, ""},    // not a JSON object
		{`{"values": {"f": 1}} x`, lineLog, 0, nil, ""}, // trailing text
		{`{"values": {"f1": 0.5, "c1": -2}}`, lineResult, 0, map[string]float64{"f1": 0.5, "c1": -2}, ""},
		{`  {"values": {}}  `, lineResult, 0, map[string]float64{}, ""},
		{`{"step": 3, "values": {"loss": 1e-3}}`, lineProgress, 3, map[string]float64{"loss": 1e-3}, ""},
		{`{"step": 0, "values": {"loss": NaN, "g": Infinity, "h": -Infinity}}`, lineProgress, 0, map[string]float64{"loss": nan, "g": inf, "h": -inf}, ""},
		{`{"values": {"big": 1e400}}`, lineResult, 0, map[string]float64{"big": inf}, ""},
		{`{"values": {"NaN": 1, "s": "Infinity is a word"}}`, lineBad, 0, nil, `value s is the string "Infinity is a word"`},
		{`{"step": 1.5, "values": {}}`, lineBad, 0, nil, "step 1.5 is not an integer"},
		{`{"step": -1, "values": {}}`, lineBad, 0, nil, "step -1 is not an integer >= 0"},
		{`{"step": "2", "values": {}}`, lineBad, 0, nil, `step "2" is not an integer`},
		{`{"step": 2}`, lineBad, 0, nil, `no "values"`},
		{`{"value": {"f": 1}}`, lineBad, 0, nil, `unknown key "value"`},
		{`{"values": [1]}`, lineBad, 0, nil, `"values" is [1], not an object`},
		{`{"values": null}`, lineBad, 0, nil, `"values" is null`},
		{`{"values": {"f": true}}`, lineBad, 0, nil, "value f is true, not a number"},
		{`{"values": {"": 1}}`, lineBad, 0, nil, "empty name"},
	}
	for _, tt := range tests {
		t.Run(tt.line, func(t *testing.T) {
			p := parseLine([]byte(tt.line))
			if p.kind != tt.kind {
				t.Fatalf("kind = %d (%s), want %d", p.kind, p.err, tt.kind)
			}
			if tt.err != "" && !strings.Contains(p.err, tt.err) {
				t.Errorf("err = %q, want it to contain %q", p.err, tt.err)
			}
			if p.step != tt.step {
				t.Errorf("step = %d, want %d", p.step, tt.step)
			}
			if len(p.values) != len(tt.values) {
				t.Fatalf("values = %v, want %v", p.values, tt.values)
			}
			for k, w := range tt.values {
				g, ok := p.values[k]
				if !ok || !(g == w || math.IsNaN(g) && math.IsNaN(w)) {
					t.Errorf("values[%s] = %v, want %v", k, g, w)
				}
			}
		})
	}
}

func TestQuoteNonFiniteLeavesStrings(t *testing.T) {
	in := `{"values": {"a": NaN, "b": "NaN \" Infinity"}}`
	got, ok := quoteNonFinite([]byte(in))
	want := `{"values": {"a": "\u0000NaN", "b": "NaN \" Infinity"}}`
	if !ok || string(got) != want {
		t.Errorf("quoteNonFinite = %s, %v; want %s, true", got, ok, want)
	}
}

func FuzzParseLine(f *testing.F) {
	for _, s := range []string{`{"values": {"a": 1}}`, `{"step": 2, "values": {"a": NaN}}`, `{"values": "x"}`, `{`, `{"a":"\"NaN"}`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p := parseLine([]byte(s))
		if p.kind == lineBad && p.err == "" {
			t.Errorf("%q: bad line without a reason", s)
		}
		if (p.kind == lineResult || p.kind == lineProgress) && p.values == nil {
			t.Errorf("%q: protocol line without values", s)
		}
	})
}

func TestRing(t *testing.T) {
	r := newRing(3)
	for _, s := range []string{"a", "b", "c", "d", "e"} {
		r.add(s)
	}
	if got := strings.Join(r.lines(), ","); got != "c,d,e" || r.dropped != 2 {
		t.Errorf("ring = %s dropped %d, want c,d,e dropped 2", got, r.dropped)
	}
}

func TestFailureError(t *testing.T) {
	f := &Failure{Kind: FailExit, Detail: "exit status 2", Stderr: []string{"1", "2", "3", "4", "5", "6"}}
	if got, want := f.Error(), "command: exit status 2; stderr: 2 | 3 | 4 | 5 | 6"; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
}
