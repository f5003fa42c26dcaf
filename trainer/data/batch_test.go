package data

import (
	"fmt"
	"reflect"
	"testing"
)

func TestBatches(t *testing.T) {
	ds := mustSynthetic(t, synOpts)
	cases := []struct {
		name      string
		pairs     []Pair
		batchSize int
		batches   int
	}{
		{"32 per batch", ds.Train, 32, (len(ds.Train) + 31) / 32},
		{"uneven last batch", ds.Train[:100], 30, 4},
		{"one batch when size < 1", ds.Train[:50], 0, 1},
		{"bigger than the data", ds.Train[:5], 64, 1},
		{"no pairs", nil, 8, 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			b := Batches(c.pairs, c.batchSize, 42, 3)
			if len(b) != c.batches {
				t.Fatalf("%d batches, want %d", len(b), c.batches)
			}
			count := map[string]int{}
			for _, batch := range b {
				for _, p := range batch {
					count[p.SrcText]++
				}
			}
			for _, p := range c.pairs {
				if count[p.SrcText] != 1 {
					t.Fatalf("pair %q appears %d times", p.SrcText, count[p.SrcText])
				}
			}
			if len(count) != len(c.pairs) {
				t.Fatalf("%d distinct pairs in batches, %d given", len(count), len(c.pairs))
			}
			if !reflect.DeepEqual(b, Batches(c.pairs, c.batchSize, 42, 3)) {
				t.Fatal("same seed and epoch gave different batches")
			}
		})
	}
	// Batches hold similar lengths: the target-length spread inside a batch stays small.
	b := Batches(ds.Train, 32, 1, 0)
	for _, batch := range b {
		lo, hi := 1<<30, 0
		for _, p := range batch {
			lo, hi = min(lo, len(p.Tgt)), max(hi, len(p.Tgt))
		}
		if hi-lo > 1 {
			t.Fatalf("batch with target lengths %d..%d", lo, hi)
		}
	}
	// Another epoch or seed reorders the batches.
	if reflect.DeepEqual(b, Batches(ds.Train, 32, 1, 1)) || reflect.DeepEqual(b, Batches(ds.Train, 32, 2, 0)) {
		t.Fatal("epoch or seed does not change the order")
	}
}

func ExampleBatches() {
	pairs := []Pair{
		{SrcText: "a", Src: []int{4}, Tgt: []int{5}},
		{SrcText: "b c d", Src: []int{4, 5, 6}, Tgt: []int{5, 6, 7}},
		{SrcText: "e", Src: []int{4}, Tgt: []int{5}},
		{SrcText: "f g h", Src: []int{4, 5, 6}, Tgt: []int{5, 6, 7}},
	}
	for _, batch := range Batches(pairs, 2, 1, 0) {
		fmt.Println(len(batch), len(batch[0].Tgt), len(batch[1].Tgt))
	}
	// Unordered output:
	// 2 1 1
	// 2 3 3
}

func ExampleVocab_Decode() {
	v, _ := BuildVocab(Word, [][]string{Tokens(Word, `Er sagte: „Ja, 2:30 Uhr!“`)}, 1, 0)
	ids := v.Encode(`Er sagte: „Ja, 2:30 Uhr!“`)
	fmt.Println(len(ids))
	fmt.Println(v.Decode(append(ids, EOS, v.ID("Er"))))
	// Output:
	// 12
	// Er sagte: „Ja, 2:30 Uhr!“
}
