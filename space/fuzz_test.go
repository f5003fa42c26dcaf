package space

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzParse feeds arbitrary bytes to Parse: it must never panic, every error must be a located
// *Error naming the file, and every accepted spec must be usable (bounds ordered, Point working).
func FuzzParse(f *testing.F) {
	shipped, _ := filepath.Glob("../spaces/*.yaml")
	shipped = append(shipped, "testdata/sample.yaml")
	for _, p := range shipped {
		if b, err := os.ReadFile(p); err == nil {
			f.Add(b)
		}
	}
	for _, s := range []string{fullSpace, base, "", "{}", "- 1", "task: *x", "a: &a [*a]",
		"params: {d_model: {low: 1e308, high: 1e309}}", "params: {heads: {choices: [0x10, 0o7, .inf]}}",
		"task: {kind: synthetic}\nparams: {d_model: 30, heads: {low: 7, high: 9}}\nbudget: {max_params: 1}\n"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, src []byte) {
		spec, err := Parse("fuzz.yaml", src)
		if err != nil {
			var se *Error
			if !errors.As(err, &se) || !strings.HasPrefix(err.Error(), "fuzz.yaml") {
				t.Fatalf("error %T %q is not a located *space.Error", err, err)
			}
			return
		}
		if len(spec.Params) == 0 {
			t.Fatal("accepted a space without parameters")
		}
		for _, p := range spec.Params {
			lo, hi := p.Bounds()
			if !(lo <= hi) {
				t.Fatalf("%s: bounds %v > %v", p.Name, lo, hi)
			}
			if !p.Contains(lo) {
				t.Fatalf("%s: lowest value %v not in its own domain %s", p.Name, lo, p.Describe())
			}
		}
		cfg, _, err := spec.Point(map[string]string{})
		if err != nil {
			if !errors.Is(err, ErrStructural) {
				t.Fatalf("Point(): %v", err)
			}
			return
		}
		if err := cfg.Validate(); err != nil {
			t.Fatalf("Point() = %s: %v", cfg.SetString(), err)
		}
	})
}
