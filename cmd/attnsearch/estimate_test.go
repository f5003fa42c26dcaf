package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// runEstimateBin runs the binary in the current directory and returns stdout, stderr and the exit code.
func runEstimateBin(t *testing.T, bin string, args ...string) (string, string, int) {
	t.Helper()
	r := attn(t, bin, "", args...)
	return r.stdout, r.stderr, r.code
}

// TestEstimateCommand runs `attnsearch estimate` end to end: figures, JSON keys, exit codes.
func TestEstimateCommand(t *testing.T) {
	bin := buildBinary(t)
	smoke := filepath.Join("..", "..", "spaces", "smoke.yaml")
	mt := filepath.Join("..", "..", "spaces", "mt.yaml")
	dir := t.TempDir()
	corpus := filepath.Join(dir, "corpus")
	if err := os.MkdirAll(corpus, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"train.src", "train.tgt", "valid.src", "valid.tgt", "test.src", "test.tgt"} {
		if err := os.WriteFile(filepath.Join(corpus, f), []byte("a b\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	corpusSpace := filepath.Join(dir, "corpus.yaml")
	if err := os.WriteFile(corpusSpace, []byte("task: {kind: aligned, path: corpus, max_vocab: 1000}\nparams:\n  d_model: {low: 32, high: 64, step: 32}\n  heads: 4\nbudget: {max_params: 1e6}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	badSpace := filepath.Join(dir, "bad.yaml")
	if err := os.WriteFile(badSpace, []byte("task: {kind: synthetic}\nparams:\n  d_model: {low: 64, high: 32}\n"), 0o644); err != nil {
		t.Fatal(err)
	}

	t.Run("json base transformer", func(t *testing.T) {
		out, errOut, code := runEstimateBin(t, bin, "estimate", mt, "--set", "d_model=512,heads=8,kv_heads=8,enc_layers=6,dec_layers=6,d_ff=2048", "--format", "json")
		if code != 0 {
			t.Fatalf("exit %d: %s", code, errOut)
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(out), &m); err != nil {
			t.Fatalf("not one JSON object: %v\n%s", err, out)
		}
		for _, k := range []string{"params_core", "params_embed", "params", "flops_per_token", "kv_cache_bytes_per_token", "feasible", "violations"} {
			if _, ok := m[k]; !ok {
				t.Errorf("JSON lacks key %q", k)
			}
		}
		if m["params_core"] != float64(44140544) {
			t.Errorf("params_core = %v, want 44140544", m["params_core"])
		}
		if m["params"].(float64) != m["params_core"].(float64)+m["params_embed"].(float64) {
			t.Errorf("params %v != core + embed", m["params"])
		}
		if m["feasible"] != false || len(m["violations"].([]any)) == 0 {
			t.Errorf("feasible = %v, violations %v: the base Transformer breaks mt.yaml's budget", m["feasible"], m["violations"])
		}
		if m["in_space"] != false || len(m["outside"].([]any)) == 0 {
			t.Errorf("in_space = %v, outside %v: d_model=512 lies outside mt.yaml", m["in_space"], m["outside"])
		}
		// 2 (K, V) · 6 layers · 512 · 4 bytes
		if m["kv_cache_bytes_per_token"] != float64(24576) {
			t.Errorf("kv_cache_bytes_per_token = %v, want 24576", m["kv_cache_bytes_per_token"])
		}
	})
	t.Run("json feasible small point", func(t *testing.T) {
		out, errOut, code := runEstimateBin(t, bin, "estimate", smoke, "--set", "d_model=16,heads=1,d_ff=32", "--format=json")
		if code != 0 {
			t.Fatalf("exit %d: %s", code, errOut)
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(out), &m); err != nil {
			t.Fatal(err)
		}
		if m["feasible"] != true || len(m["violations"].([]any)) != 0 || m["in_space"] != true {
			t.Errorf("feasible %v, violations %v, in_space %v", m["feasible"], m["violations"], m["in_space"])
		}
		if m["vocab_source"] != "synthetic task (exact)" {
			t.Errorf("vocab_source = %v", m["vocab_source"])
		}
	})
	t.Run("vocab flags", func(t *testing.T) {
		get := func(args ...string) map[string]any {
			out, errOut, code := runEstimateBin(t, bin, append([]string{"estimate", smoke, "--set", "d_model=16,heads=1,d_ff=32", "--format", "json"}, args...)...)
			if code != 0 {
				t.Fatalf("exit %d: %s", code, errOut)
			}
			var m map[string]any
			if err := json.Unmarshal([]byte(out), &m); err != nil {
				t.Fatal(err)
			}
			return m
		}
		a, b := get("--src-vocab", "100", "--tgt-vocab", "200"), get("--src-vocab", "101", "--tgt-vocab", "200")
		// one more source word adds one embedding row of d_model=16
		if d := b["params_embed"].(float64) - a["params_embed"].(float64); d != 16 {
			t.Errorf("one more source word added %v parameters, want 16", d)
		}
		c := get("--src-vocab", "100", "--tgt-vocab", "201")
		// one more target word: embedding row 16 + output column 16 + bias 1
		if d := c["params_embed"].(float64) - a["params_embed"].(float64); d != 33 {
			t.Errorf("one more target word added %v parameters, want 33", d)
		}
	})
	t.Run("table", func(t *testing.T) {
		out, errOut, code := runEstimateBin(t, bin, "estimate", smoke, "--set", "d_model=32,heads=2,kv_heads=2,d_ff=64")
		if code != 0 {
			t.Fatalf("exit %d: %s", code, errOut)
		}
		for _, want := range []string{"params_core", "kv_cache_bytes_per_token", "verdict: feasible", "(budget 30000)"} {
			if !strings.Contains(out, want) {
				t.Errorf("table lacks %q:\n%s", want, out)
			}
		}
	})
	t.Run("corpus default vocab", func(t *testing.T) {
		out, errOut, code := runEstimateBin(t, bin, "estimate", corpusSpace, "--format", "json")
		if code != 0 {
			t.Fatalf("exit %d: %s", code, errOut)
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(out), &m); err != nil {
			t.Fatal(err)
		}
		if m["src_vocab"] != float64(1000) || !strings.Contains(m["vocab_source"].(string), "max_vocab") {
			t.Errorf("src_vocab %v from %v, want 1000 from max_vocab", m["src_vocab"], m["vocab_source"])
		}
	})
	tightSpace := filepath.Join(dir, "tight.yaml")
	if err := os.WriteFile(tightSpace, []byte("task: {kind: synthetic}\nparams:\n  d_model: {low: 32, high: 64, step: 32}\nbudget:\n  max_params: 1000\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	usage := []struct {
		name string
		args []string
		want string
	}{
		{"unknown key", []string{"estimate", smoke, "--set", "d_modle=32"}, "d_modle"},
		{"malformed value", []string{"estimate", smoke, "--set", "heads=two"}, "heads"},
		{"malformed item", []string{"estimate", smoke, "--set", "heads"}, "heads"},
		{"structural", []string{"estimate", smoke, "--set", "d_model=32,heads=3"}, "not divisible"},
		{"no argument", []string{"estimate"}, "missing SPACE.yaml"},
		{"two arguments", []string{"estimate", smoke, smoke}, "unexpected argument"},
		{"bad format", []string{"estimate", smoke, "--format", "xml"}, "--format"},
		{"unknown flag", []string{"estimate", smoke, "--sett", "x"}, "unknown flag"},
		{"missing file", []string{"estimate", filepath.Join(dir, "none.yaml")}, "none.yaml"},
		{"bad space file", []string{"estimate", badSpace}, "bad.yaml:3:28: params.d_model.high: inverted range"},
		{"unreachable budget", []string{"estimate", tightSpace, "--set", "d_model=64"}, "tight.yaml:5:15: budget.max_params: 1000 cannot be met"},
	}
	for _, c := range usage {
		t.Run(c.name, func(t *testing.T) {
			out, errOut, code := runEstimateBin(t, bin, c.args...)
			if code != 2 {
				t.Fatalf("exit %d, want 2 (stdout %q, stderr %q)", code, out, errOut)
			}
			if !strings.Contains(errOut, c.want) {
				t.Errorf("stderr %q lacks %q", errOut, c.want)
			}
		})
	}
}
