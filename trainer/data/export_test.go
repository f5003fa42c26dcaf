package data

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestWriteAlignedRoundTrip(t *testing.T) {
	ds := mustSynthetic(t, synOpts)
	dir := filepath.Join(t.TempDir(), "syn")
	if err := writeAligned(dir, ds); err != nil {
		t.Fatal(err)
	}
	back, err := LoadAligned(context.Background(), dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	for i, pair := range [][2][]Pair{{ds.Train, back.Train}, {ds.Valid, back.Valid}, {ds.Test, back.Test}} {
		if len(pair[0]) != len(pair[1]) {
			t.Fatalf("split %d: %d pairs written, %d read", i, len(pair[0]), len(pair[1]))
		}
		for j := range pair[0] {
			if pair[0][j].SrcText != pair[1][j].SrcText || pair[0][j].TgtText != pair[1][j].TgtText {
				t.Fatalf("split %d pair %d differs", i, j)
			}
		}
	}
	// A file in the way of the directory is an error naming it.
	blocked := filepath.Join(t.TempDir(), "f")
	if err := os.WriteFile(blocked, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := writeAligned(blocked, ds); err == nil {
		t.Fatal("writing under a regular file succeeded")
	}
}

// writeAligned (for the tests) writes the texts of ds as an aligned corpus, dir/{train,valid,test}.{src,tgt}
// (one sentence per line, UTF-8), the layout LoadAligned and shared/bench/mt_ref.py read; it
// creates dir if needed and overwrites those six files.
func writeAligned(dir string, ds *Dataset) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("data: create %s: %w", dir, err)
	}
	for _, split := range []struct {
		name  string
		pairs []Pair
	}{{"train", ds.Train}, {"valid", ds.Valid}, {"test", ds.Test}} {
		var src, tgt strings.Builder
		for _, p := range split.pairs {
			if strings.ContainsAny(p.SrcText, "\r\n") || strings.ContainsAny(p.TgtText, "\r\n") {
				return fmt.Errorf("data: write %s: %s pair %q has a line break", dir, split.name, p.SrcText)
			}
			src.WriteString(p.SrcText + "\n")
			tgt.WriteString(p.TgtText + "\n")
		}
		for ext, text := range map[string]string{".src": src.String(), ".tgt": tgt.String()} {
			path := filepath.Join(dir, split.name+ext)
			if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
				return fmt.Errorf("data: write %s: %w", path, err)
			}
		}
	}
	return nil
}
