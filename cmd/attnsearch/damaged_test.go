package main

import (
	"math/rand"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/c-bata/goptuna"
)

// TestDamagedStoreThroughBinary runs every command that opens a store on truncated, zeroed and
// random files: each exits with code 2 and a one-line error naming the file, never a crash.
func TestDamagedStoreThroughBinary(t *testing.T) {
	bin := buildBinary(t)
	dir := t.TempDir()
	good := filepath.Join(dir, "good.db")
	s := newBoltStore(t, good)
	study, err := s.CreateNewStudy("smoke")
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 100; i++ {
		id, err := s.CreateNewTrial(study)
		if err != nil {
			t.Fatal(err)
		}
		if err := s.SetTrialUserAttr(id, "padding", strings.Repeat("p", 400)); err != nil {
			t.Fatal(err)
		}
		if err := s.SetTrialState(id, goptuna.TrialStateComplete); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(good)
	if err != nil {
		t.Fatal(err)
	}
	random := make([]byte, len(b))
	rand.New(rand.NewSource(1)).Read(random)
	files := map[string][]byte{
		"truncated.db": b[:len(b)/2],
		"zeroed.db":    make([]byte, len(b)),
		"random.db":    random,
		"header.db":    b[:100],
	}
	smoke, err := filepath.Abs(filepath.Join("..", "..", "spaces", "smoke.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	for name, content := range files {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, content, 0o644); err != nil {
			t.Fatal(err)
		}
		for _, args := range [][]string{
			{"studies", "--db", path},
			{"report", "--db", path},
			{"best", "--db", path},
			{"show", "0", "--db", path},
			{"run", smoke, "--db", path, "--trials", "1"},
		} {
			r := attn(t, bin, dir, args...)
			msg := strings.TrimSpace(r.stderr)
			if r.code != exitUsage || !strings.Contains(msg, "not an attnsearch store") || !strings.Contains(msg, path) ||
				strings.Contains(msg, "goroutine") || strings.Contains(msg, "panic") || strings.Contains(msg, "SIGBUS") {
				t.Errorf("%s %s: exit %d, stderr:\n%s", name, args[0], r.code, msg)
			}
			after, err := os.ReadFile(path)
			if err != nil || string(after) != string(content) {
				t.Errorf("%s %s changed the file", name, args[0])
			}
		}
	}
}
