package objective_test

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/attnsearch/attnsearch/objective"
	"github.com/attnsearch/attnsearch/space"
	"github.com/attnsearch/attnsearch/trainer/data"
)

// vocabOf returns the vocabulary sizes used to validate a shipped space: exact for the synthetic
// task, the max_vocab cap for corpora.
func vocabOf(spec *space.Spec) (int, int) {
	if spec.Task.Kind == "synthetic" {
		return data.SyntheticVocabSizes(spec.Task.Synthetic)
	}
	return spec.Task.MaxVocab, spec.Task.MaxVocab
}

// loadShipped loads a shipped space file. When its corpus is absent from this checkout (the shared
// data directory is not part of the repository), the path is pointed at a stand-in directory with
// the six split files, so every other check still runs.
func loadShipped(t *testing.T, path string) *space.Spec {
	t.Helper()
	spec, err := space.Load(path)
	var se *space.Error
	if err != nil && errors.Is(err, fs.ErrNotExist) && errors.As(err, &se) && se.Field == "task.path" {
		t.Logf("%s: corpus absent here (%v); validating against a stand-in directory", path, err)
		dir := t.TempDir()
		for _, split := range []string{"train", "valid", "test"} {
			for _, side := range []string{"src", "tgt"} {
				if werr := os.WriteFile(filepath.Join(dir, split+"."+side), []byte("a\n"), 0o644); werr != nil {
					t.Fatal(werr)
				}
			}
		}
		spec, err = space.LoadWithCorpus(path, dir)
	}
	if err != nil {
		t.Fatalf("load %s: %v", path, err)
	}
	return spec
}

// TestShippedSpaces loads and validates every file in spaces/: parse, budget reachable from the
// smallest corner, and (for the main job) a budget that excludes part of the space.
func TestShippedSpaces(t *testing.T) {
	files, err := filepath.Glob("../spaces/*.yaml")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"mt.yaml", "tatoeba.yaml", "smoke.yaml"} {
		found := false
		for _, f := range files {
			found = found || filepath.Base(f) == want
		}
		if !found {
			t.Errorf("spaces/%s is missing", want)
		}
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			spec := loadShipped(t, f)
			src, tgt := vocabOf(spec)
			a := spec.Arch(src, tgt)
			if err := objective.ValidateSpace(spec, a); err != nil {
				t.Fatalf("ValidateSpace: %v", err)
			}
			// The largest corner must break the budget in mt.yaml and tatoeba.yaml: the budget
			// is meant to exclude part of the space.
			big := map[string]string{}
			for _, p := range spec.Params {
				if p.Kind == space.KindFixed {
					continue
				}
				_, hi := p.Bounds()
				big[p.Name] = strconv.FormatFloat(hi, 'g', -1, 64)
			}
			delete(big, "kv_heads")
			cfg, _, err := spec.Point(big)
			if err != nil {
				t.Fatalf("Point(largest corner): %v", err)
			}
			cfg.KVHeads = cfg.Heads
			c := objective.Estimate(cfg, a, spec.Objective.SrcLen, spec.Objective.TgtLen)
			if v := objective.Check(c, spec.Budget); strings.TrimSuffix(filepath.Base(f), ".yaml") != "smoke" && len(v) == 0 {
				t.Errorf("the budget admits the largest corner %s (%d params): it excludes nothing", cfg.SetString(), c.Params)
			}
		})
	}
}

// TestShippedCorpusAbsent checks the stand-in path of loadShipped: a copy of tatoeba.yaml in an
// empty directory no longer finds its corpus, and still loads and validates.
func TestShippedCorpusAbsent(t *testing.T) {
	src, err := os.ReadFile("../spaces/tatoeba.yaml")
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "tatoeba.yaml")
	if err := os.WriteFile(path, src, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := space.Load(path); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("Load of a copy without its corpus = %v, want a missing-corpus error", err)
	}
	spec := loadShipped(t, path)
	src2, tgt := vocabOf(spec)
	if err := objective.ValidateSpace(spec, spec.Arch(src2, tgt)); err != nil {
		t.Fatal(err)
	}
}
