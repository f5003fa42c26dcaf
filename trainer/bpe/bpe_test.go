package bpe

import (
	"context"
	"fmt"
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"testing"
)

// corpus is a small word-count table with shared stems and suffixes.
var corpus = map[string]int{"low": 5, "lower": 2, "newest": 6, "widest": 3, "new": 2, "lowest": 1}

func TestLearnClassicExample(t *testing.T) {
	m, err := Learn(context.Background(), corpus, 1000)
	if err != nil {
		t.Fatal(err)
	}
	// Sennrich et al.'s example: e s (6+3+1), es t</w> (10), then l o and n e (8 each; "low" ends
	// in the word-final w, so lo w counts only 3); ties go to the smaller text.
	want := []pair{{"e", "s"}, {"es", "t\x00"}, {"l", "o"}, {"n", "e"}}
	if !reflect.DeepEqual(m.merges[:4], want) {
		t.Fatalf("first merges %q, want %q", m.merges[:4], want)
	}
	cases := map[string][]string{
		"newest": {"newest"},
		"lowest": {"lo@@", "west"},
		"low":    {"low"},
		"slow":   {"s@@", "low"}, // unseen word: characters plus known merges (lo w</w>)
		"":       nil,
	}
	for w, want := range cases {
		if got := m.Encode(w); !slices.Equal(got, want) {
			t.Errorf("Encode(%q) = %q, want %q", w, got, want)
		}
	}
}

func TestLearnSizeAndDeterminism(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	counts := map[string]int{}
	for range 3000 {
		var b strings.Builder
		for range 2 + rng.IntN(8) {
			b.WriteRune([]rune("abcdeéfghij")[rng.IntN(11)])
		}
		counts[b.String()] += 1 + rng.IntN(20)
	}
	for _, size := range []int{5, 40, 200, 800} {
		m, err := Learn(context.Background(), counts, size)
		if err != nil {
			t.Fatal(err)
		}
		if m.Alphabet()+m.Merges() > max(size, m.Alphabet()) {
			t.Fatalf("size %d: alphabet %d + merges %d", size, m.Alphabet(), m.Merges())
		}
		again, _ := Learn(context.Background(), counts, size)
		if !reflect.DeepEqual(m.merges, again.merges) {
			t.Fatalf("size %d: two runs learned different merges", size)
		}
		// Every training word round-trips, and the subword inventory fits the size.
		inventory := map[string]bool{}
		for w := range counts {
			sub := m.Encode(w)
			for _, s := range sub {
				inventory[s] = true
			}
			if got := Join(sub); len(got) != 1 || got[0] != w {
				t.Fatalf("Join(Encode(%q)) = %q", w, got)
			}
		}
		if len(inventory) > max(size, m.Alphabet()) {
			t.Fatalf("size %d: %d distinct subwords", size, len(inventory))
		}
	}
	// Larger sizes give fewer subwords per word.
	small, _ := Learn(context.Background(), counts, 40)
	large, _ := Learn(context.Background(), counts, 800)
	ns, nl := 0, 0
	for w := range counts {
		ns += len(small.Encode(w))
		nl += len(large.Encode(w))
	}
	if nl >= ns {
		t.Fatalf("800 symbols: %d subwords, 40 symbols: %d", nl, ns)
	}
}

func TestLearnStopsWithoutRepeatedPairs(t *testing.T) {
	m, err := Learn(context.Background(), map[string]int{"ab": 1, "cd": 1}, 100)
	if err != nil {
		t.Fatal(err)
	}
	if m.Merges() != 0 {
		t.Fatalf("%d merges from pairs seen once", m.Merges())
	}
	if _, err := Learn(context.Background(), corpus, 0); err == nil {
		t.Fatal("size 0 accepted")
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Learn(ctx, corpus, 100); err == nil || !strings.Contains(err.Error(), "canceled") {
		t.Fatalf("cancelled learn: %v", err)
	}
}

func TestJoin(t *testing.T) {
	cases := []struct {
		in, want []string
	}{
		{[]string{"Hau@@", "s", "ist", "gro@@", "ß"}, []string{"Haus", "ist", "groß"}},
		{[]string{"a@@", "b@@"}, []string{"ab"}}, // truncated: the open word still ends
		{[]string{"@@", "x"}, []string{"@@", "x"}},
		{nil, nil},
	}
	for _, c := range cases {
		if got := Join(c.in); !slices.Equal(got, c.want) {
			t.Errorf("Join(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func ExampleModel_Encode() {
	m, _ := Learn(context.Background(), map[string]int{"newest": 6, "widest": 3, "lowest": 2, "low": 5}, 20)
	sub := m.EncodeWords([]string{"newest", "lowest", "slowest"})
	fmt.Println(sub)
	fmt.Println(Join(sub))
	// Output:
	// [newest lo@@ west s@@ lo@@ west]
	// [newest lowest slowest]
}
