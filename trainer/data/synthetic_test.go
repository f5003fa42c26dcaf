package data

import (
	"fmt"
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/attnsearch/attnsearch/space"
)

// synOpts are small synthetic settings used across the tests.
var synOpts = space.Synthetic{Train: 2000, Valid: 200, Test: 200, Vocab: 24, MinLen: 3, MaxLen: 10, Seed: 7}

// mustSynthetic is Synthetic(o), failing the test on an error.
func mustSynthetic(t testing.TB, o space.Synthetic) *Dataset {
	t.Helper()
	ds, err := Synthetic(o)
	if err != nil {
		t.Fatal(err)
	}
	return ds
}

func TestSyntheticSplitsAndVocab(t *testing.T) {
	cases := []struct {
		name string
		opts space.Synthetic
	}{
		{"default-like", synOpts},
		{"smallest vocab", space.Synthetic{Train: 300, Valid: 30, Test: 30, Vocab: 4, MinLen: 3, MaxLen: 12, Seed: 1}},
		{"full length range", space.Synthetic{Train: 1000, Valid: 100, Test: 100, Vocab: 40, MinLen: 1, MaxLen: 15, Seed: 2}},
		{"fixed length", space.Synthetic{Train: 500, Valid: 50, Test: 50, Vocab: 30, MinLen: 7, MaxLen: 7, Seed: 3}},
		{"odd vocab", space.Synthetic{Train: 200, Valid: 20, Test: 20, Vocab: 13, MinLen: 3, MaxLen: 8, Seed: -5}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ds := mustSynthetic(t, c.opts)
			again := mustSynthetic(t, c.opts)
			if !reflect.DeepEqual(ds, again) {
				t.Fatal("same options gave different data sets")
			}
			if len(ds.Train) != c.opts.Train || len(ds.Valid) != c.opts.Valid || len(ds.Test) != c.opts.Test {
				t.Fatalf("sizes %d/%d/%d", len(ds.Train), len(ds.Valid), len(ds.Test))
			}
			checkSplits(t, ds, c.opts)
			other := c.opts
			other.Seed++
			ds2 := mustSynthetic(t, other)
			if ds2.Train[0].SrcText == ds.Train[0].SrcText && ds2.Train[1].SrcText == ds.Train[1].SrcText {
				t.Fatal("another seed gave the same sentences")
			}
		})
	}
}

// parsedNP is a source noun phrase: plural flag and content words (adjectives then the noun).
type parsedNP struct {
	plural bool
	adjs   []string
	noun   string
}

// parseSource parses a synthetic source sentence, knowing only which words are nouns.
func parseSource(t *testing.T, words []string, isNoun map[string]bool) (nps []parsedNP, role []string, tense int, verb string) {
	t.Helper()
	i := 0
	np := func() parsedNP {
		if i >= len(words) || (words[i] != "the" && words[i] != "some") {
			t.Fatalf("%q: want a determiner at word %d", words, i)
		}
		p := parsedNP{plural: words[i] == "some"}
		for i++; i < len(words) && !isNoun[words[i]]; i++ {
			p.adjs = append(p.adjs, words[i])
		}
		if i == len(words) {
			t.Fatalf("%q: noun phrase without a noun", words)
		}
		p.noun = words[i]
		i++
		return p
	}
	nps = append(nps, np())
	role = append(role, "subj")
	switch words[i] {
	case "did":
		tense = 1
		i++
	case "will":
		tense = 2
		i++
	}
	verb = words[i]
	i++
	for i < len(words) {
		if words[i] == "with" {
			i++
			nps = append(nps, np())
			role = append(role, "pp")
			continue
		}
		nps = append(nps, np())
		role = append(role, "obj")
	}
	return nps, role, tense, verb
}

// TestSyntheticGrammar re-derives every target from its source with an independent parser and
// checks reordering (SOV, adjectives after nouns, postposition), inflection (number on nouns
// and adjectives, tense on the verb) and that the word map is a bijection across the corpus.
func TestSyntheticGrammar(t *testing.T) {
	opts := space.Synthetic{Train: 3000, Valid: 10, Test: 10, Vocab: 24, MinLen: 3, MaxLen: 15, Seed: 11}
	ds := mustSynthetic(t, opts)
	// The parser needs to know which words are nouns (the grammar is ambiguous without it);
	// everything else is re-derived here.
	lx := newSynLexicon(rand.New(rand.NewPCG(uint64(opts.Seed), 0x5eed0f5e7)), opts.Vocab)
	isNoun := map[string]bool{}
	for _, n := range lx.srcNoun {
		isNoun[n] = true
	}
	fwd, back := map[string]string{}, map[string]string{}
	bind := func(src, stem string) {
		if s, ok := fwd[src]; ok && s != stem {
			t.Fatalf("%q maps to both %q and %q", src, s, stem)
		}
		if s, ok := back[stem]; ok && s != src {
			t.Fatalf("stem %q comes from both %q and %q", stem, s, src)
		}
		fwd[src], back[stem] = stem, src
	}
	strip := func(tok, suffix string) string {
		if suffix != "" && !strings.HasSuffix(tok, suffix) {
			t.Fatalf("target word %q lacks suffix %q", tok, suffix)
		}
		return strings.TrimSuffix(tok, suffix)
	}
	for _, p := range ds.Train {
		words := strings.Fields(p.SrcText)
		tgt := strings.Fields(p.TgtText)
		nps, role, tense, verb := parseSource(t, words, isNoun)
		k := 0
		emit := func(np parsedNP) {
			num := 0
			if np.plural {
				num = 1
			}
			bind(np.noun, strip(tgt[k], synNounSuffix[num]))
			k++
			for _, a := range np.adjs {
				bind(a, strip(tgt[k], synAdjSuffix[num]))
				k++
			}
		}
		for i, np := range nps {
			if len(np.adjs) == 2 && np.adjs[0] == np.adjs[1] {
				t.Fatalf("%q: repeated adjective", p.SrcText)
			}
			emit(np)
			if role[i] == "pp" {
				if tgt[k] != "ko" {
					t.Fatalf("%q -> %q: want postposition ko at %d", p.SrcText, p.TgtText, k)
				}
				k++
			}
		}
		if isNoun[verb] {
			t.Fatalf("%q: noun %q in verb position", p.SrcText, verb)
		}
		bind(verb, strip(tgt[k], synVerbSuffix[tense]))
		if k != len(tgt)-1 {
			t.Fatalf("%q -> %q: verb not last", p.SrcText, p.TgtText)
		}
	}
	if len(fwd) != 24 {
		t.Errorf("%d content words seen, want all 24", len(fwd))
	}
}

func TestSyntheticErrors(t *testing.T) {
	cases := []struct {
		name string
		opts space.Synthetic
		want string
	}{
		{"vocab too small", space.Synthetic{Train: 10, Valid: 1, Test: 1, Vocab: 3, MinLen: 3, MaxLen: 10}, "at least 4 content words"},
		{"empty train", space.Synthetic{Train: 0, Valid: 1, Test: 1, Vocab: 8, MinLen: 3, MaxLen: 10}, "each must be at least 1"},
		{"empty test", space.Synthetic{Train: 5, Valid: 1, Test: 0, Vocab: 8, MinLen: 3, MaxLen: 10}, "each must be at least 1"},
		{"min over max", space.Synthetic{Train: 5, Valid: 1, Test: 1, Vocab: 8, MinLen: 9, MaxLen: 4}, "min_len 9 exceeds max_len 4"},
		{"too short", space.Synthetic{Train: 5, Valid: 1, Test: 1, Vocab: 8, MinLen: 1, MaxLen: 2}, "3 to 15 words"},
		{"too long", space.Synthetic{Train: 5, Valid: 1, Test: 1, Vocab: 8, MinLen: 16, MaxLen: 20}, "3 to 15 words"},
		// 3-word sentences with 2 nouns and 1 verb: only 4 distinct sources exist.
		{"not enough sentences", space.Synthetic{Train: 10, Valid: 1, Test: 1, Vocab: 4, MinLen: 3, MaxLen: 3}, "only 4 distinct sentences"},
	}
	for _, c := range cases {
		_, err := Synthetic(c.opts)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want it to mention %q", c.name, err, c.want)
		}
	}
	if s, tg := SyntheticVocabSizes(space.Synthetic{Vocab: 3}); s != 0 || tg != 0 {
		t.Errorf("SyntheticVocabSizes(vocab 3) = %d, %d; want 0, 0", s, tg)
	}
}

func ExampleSynthetic() {
	opts := space.Synthetic{Train: 1000, Valid: 100, Test: 100, Vocab: 16, MinLen: 3, MaxLen: 10, Seed: 1}
	ds, err := Synthetic(opts)
	if err != nil {
		fmt.Println(err)
		return
	}
	src, tgt := SyntheticVocabSizes(opts)
	fmt.Println(len(ds.Train), len(ds.Valid), len(ds.Test), src, tgt)
	fmt.Println(ds.SrcVocab.Size() == src, ds.TgtVocab.Size() == tgt)
	for _, p := range ds.Train[:3] {
		fmt.Printf("%s => %s\n", p.SrcText, p.TgtText)
	}
	// Output:
	// 1000 100 100 25 41
	// true true
	// some polofiv did lebeg => kahöqur käqakit
	// the polofiv dobowac the lulewaw polofiv => kahöq kahöq yäjayaxe xajoquyat
	// some gefoton lebeg with some polofiv => xökäzur kahöqur ko käqakat
}

// checkSplits fails t unless ds's vocabularies have SyntheticVocabSizes(opts) entries and every
// pair of its splits has a source no other pair has, of opts' lengths, no special or unknown id,
// and ids that decode to its texts.
func checkSplits(t *testing.T, ds *Dataset, opts space.Synthetic) {
	t.Helper()
	src, tgt := SyntheticVocabSizes(opts)
	if ds.SrcVocab.Size() != src || ds.TgtVocab.Size() != tgt {
		t.Fatalf("vocab sizes %d/%d, SyntheticVocabSizes says %d/%d", ds.SrcVocab.Size(), ds.TgtVocab.Size(), src, tgt)
	}
	seen := map[string]string{}
	for split, ps := range map[string][]Pair{"train": ds.Train, "valid": ds.Valid, "test": ds.Test} {
		for _, p := range ps {
			if prev, dup := seen[p.SrcText]; dup {
				t.Fatalf("source %q in %s and %s", p.SrcText, prev, split)
			}
			seen[p.SrcText] = split
			if n := len(p.Src); n < opts.MinLen || n > opts.MaxLen {
				t.Fatalf("%q has %d words, want %d-%d", p.SrcText, n, opts.MinLen, opts.MaxLen)
			}
			for _, id := range append(slices.Clone(p.Src), p.Tgt...) {
				if id < NumSpecials {
					t.Fatalf("special or unknown id %d inside %q", id, p.SrcText)
				}
			}
			if ds.SrcVocab.Decode(p.Src) != p.SrcText || ds.TgtVocab.Decode(p.Tgt) != p.TgtText {
				t.Fatalf("ids do not decode to the texts of %q -> %q", p.SrcText, p.TgtText)
			}
		}
	}
}
