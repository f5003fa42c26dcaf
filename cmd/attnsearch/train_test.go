package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestTrainCommand runs `attnsearch train` on spaces/smoke.yaml through the real binary.
func TestTrainCommand(t *testing.T) {
	bin := buildBinary(t)
	smoke := filepath.Join("..", "..", "spaces", "smoke.yaml")
	trans := filepath.Join(t.TempDir(), "test.txt")
	// A copy of smoke.yaml whose lr declares a default.
	src, err := os.ReadFile(smoke)
	if err != nil {
		t.Fatal(err)
	}
	withDefault := filepath.Join(t.TempDir(), "default.yaml")
	lrLine := "lr: {type: float, low: 1.0e-3, high: 5.0e-3, log: true}"
	if !strings.Contains(string(src), lrLine) {
		t.Fatalf("smoke.yaml lacks %q", lrLine)
	}
	if err := os.WriteFile(withDefault, []byte(strings.Replace(string(src), lrLine,
		"lr: {type: float, low: 1.0e-3, high: 5.0e-3, log: true, default: 0.004}", 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name     string
		args     []string
		code     int
		stderrIn string
	}{
		{"json", []string{"train", smoke, "--set", "d_model=32,heads=2,kv_heads=1,d_ff=64", "--epochs", "2", "--seed", "3",
			"--translations", trans, "--format", "json"}, 0, "epoch 2 step"},
		{"table", []string{"train", smoke, "--set", "d_model=16,heads=1", "--epochs", "1"}, 0, "epoch 1 step"},
		{"max steps", []string{"train", smoke, "--set", "d_model=16,heads=1", "--epochs", "3", "--max-steps", "2", "--format", "json"}, 0, "epoch 1 step 2 "},
		{"negative max steps", []string{"train", smoke, "--max-steps", "-1"}, 2, "--max-steps"},
		// Unset searched parameters: central values (lr's geometric midpoint), said on stderr.
		{"central values", []string{"train", smoke, "--set", "d_model=16,heads=1", "--epochs", "1", "--format", "json"}, 0,
			"train: not in --set: kv_heads=1 (midpoint of [1, 2] is 2, repaired to divide heads)\ntrain: not in --set: d_ff=64 (midpoint of [32, 64] step 32)\ntrain: not in --set: lr=0.00223606797749979 (geometric midpoint of [0.001, 0.005] log)\n"},
		{"declared default", []string{"train", withDefault, "--set", "d_model=16,heads=1,kv_heads=1,d_ff=32", "--epochs", "1", "--format", "json"}, 0,
			"train: not in --set: lr=0.004 (declared default)\n"},
		{"unknown parameter", []string{"train", smoke, "--set", "depth=3"}, 2, "depth"},
		{"bad set", []string{"train", smoke, "--set", "d_model"}, 2, "key=value"},
		{"missing file", []string{"train", "nope.yaml"}, 2, "nope.yaml"},
		{"missing data", []string{"train", smoke, "--data", "nope.tsv"}, 2, "nope.tsv"},
		{"no argument", []string{"train"}, 2, "missing SPACE.yaml"},
		{"bad format", []string{"train", smoke, "--format", "xml"}, 2, "xml"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := attn(t, bin, "", c.args...)
			if r.code != c.code || !strings.Contains(r.stderr, c.stderrIn) {
				t.Fatalf("exit %d (want %d), stderr %q (want it to contain %q)", r.code, c.code, r.stderr, c.stderrIn)
			}
			switch c.name {
			case "json":
				var rep map[string]any
				if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil {
					t.Fatalf("json: %v\n%s", err, r.stdout)
				}
				for _, k := range []string{"bleu", "token_accuracy", "latency_ms", "params", "l2_norm", "train_seconds", "epochs"} {
					if _, ok := rep[k]; !ok {
						t.Errorf("json lacks %q: %s", k, r.stdout)
					}
				}
				if rep["epochs"] != float64(2) || rep["params"].(float64) <= 0 || rep["token_accuracy"].(float64) <= 0 {
					t.Errorf("implausible report %v", rep)
				}
				lines, err := os.ReadFile(trans)
				if err != nil {
					t.Fatal(err)
				}
				if n := strings.Count(string(lines), "\n"); n != 40 { // smoke.yaml's test split
					t.Errorf("translations file has %d lines, want 40", n)
				}
			case "central values", "declared default":
				var rep struct{ Config string }
				if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil {
					t.Fatal(err)
				}
				want := map[string]string{"central values": "kv_heads=1,enc_layers=1,dec_layers=1,d_ff=64,dropout=0,lr=0.002236",
					"declared default": "lr=0.004,"}[c.name]
				if !strings.Contains(rep.Config, want) {
					t.Errorf("trained %s, want it to contain %s", rep.Config, want)
				}
			case "max steps":
				var rep struct{ Epochs, Steps int }
				if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil {
					t.Fatal(err)
				}
				if rep.Epochs != 1 || rep.Steps != 2 {
					t.Errorf("%d epochs, %d steps; want 1 and 2", rep.Epochs, rep.Steps)
				}
			case "table":
				if !strings.Contains(r.stdout, "test BLEU") || !strings.Contains(r.stdout, "d_model=16") {
					t.Errorf("table output:\n%s", r.stdout)
				}
			}
		})
	}
}
