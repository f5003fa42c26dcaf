package trainer_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/attnsearch/attnsearch/trainer/bleu"
)

// TestTatoebaCopyBaseline scores copying the English source as the German translation of the
// shared Tatoeba test split: the floor a trained model must clearly beat (see the trainer report).
func TestTatoebaCopyBaseline(t *testing.T) {
	dir := filepath.Join("..", "..", "shared", "data", "tatoeba-en-de")
	src, err := os.ReadFile(filepath.Join(dir, "test.src"))
	if err != nil {
		t.Skipf("corpus not available: %v", err)
	}
	ref, err := os.ReadFile(filepath.Join(dir, "test.tgt"))
	if err != nil {
		t.Fatal(err)
	}
	h := strings.Split(strings.TrimRight(string(src), "\n"), "\n")
	r := strings.Split(strings.TrimRight(string(ref), "\n"), "\n")
	s, err := bleu.CorpusChecked(h, r)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("copy-the-source baseline on %d test pairs: %v", len(h), s)
	if s.BLEU <= 0 || s.BLEU > 5 {
		t.Fatalf("copy baseline BLEU %.2f: expected a small positive figure", s.BLEU)
	}
}
