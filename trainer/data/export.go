package data

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// WriteAligned writes the texts of ds as an aligned corpus, dir/{train,valid,test}.{src,tgt}
// (one sentence per line, UTF-8), the layout LoadAligned and shared/bench/mt_ref.py read; it
// creates dir if needed and overwrites those six files.
func WriteAligned(dir string, ds *Dataset) error {
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
