package data

import (
	"fmt"
	"math/rand/v2"
	"strings"

	"github.com/attnsearch/attnsearch/space"
)

// The synthetic task translates a small SVO source language with determiners and tense
// auxiliaries into an SOV target language:
//
//	source: DET ADJ* NOUN [did|will] VERB [DET ADJ* NOUN] [with DET ADJ* NOUN]
//	target: NOUN ADJ* [NOUN ADJ*] [NOUN ADJ* ko] VERB
//
// A noun phrase has 0 to 2 distinct adjectives. Determiners disappear into the number inflection of the noun and its adjectives ("the" =
// singular, "some" = plural), the tense auxiliary into the verb's suffix (present, past "did",
// future "will"), "with NP" becomes a postpositional phrase "NP ko", adjectives follow their
// noun, the verb goes last, and every content word is mapped through a seeded bijection onto a
// target lexicon of different-looking stems. The target is a function of the source.

// Source function words and the target postposition.
const (
	synDetSg  = "the"
	synDetPl  = "some"
	synPast   = "did"
	synFuture = "will"
	synWith   = "with"
	synPost   = "ko"
)

// Target inflection suffixes: noun (sg, pl), adjective (sg, pl), verb (present, past, future).
var (
	synNounSuffix = [2]string{"", "ur"}
	synAdjSuffix  = [2]string{"e", "ek"}
	synVerbSuffix = [3]string{"at", "it", "ot"}
)

// synMinWords and synMaxWords bound the source sentence length the grammar can produce.
const (
	synMinWords = 3
	synMaxWords = 15
)

// synCounts splits the content vocabulary into nouns, verbs and adjectives.
func synCounts(vocab int) (nouns, verbs, adjs int) {
	nouns = (vocab + 1) / 2
	verbs = max(1, vocab/4)
	adjs = vocab - nouns - verbs
	return nouns, verbs, adjs
}

// SyntheticVocabSizes returns the exact source and target vocabulary sizes, specials included,
// of the data set Synthetic(opts) generates (they depend only on opts.Grammar and opts.Vocab); it
// returns 0, 0 when opts.Vocab is below 4 (rich grammar: 20), which Synthetic rejects.
func SyntheticVocabSizes(opts space.Synthetic) (src, tgt int) {
	if opts.Grammar == GrammarRich {
		return richVocabSizes(opts)
	}
	if opts.Vocab < 4 {
		return 0, 0
	}
	n, v, a := synCounts(opts.Vocab)
	return NumSpecials + 5 + opts.Vocab, NumSpecials + 1 + 2*n + 2*a + 3*v
}

// synLexicon is the generated word lists of both languages.
type synLexicon struct {
	srcNoun, srcVerb, srcAdj []string
	tgtNoun, tgtVerb, tgtAdj []string // target stems, same index as the source word
}

// newSynLexicon draws the source words and their target stems from rng; every source word and
// every inflected target form is distinct from all others and from the function words.
func newSynLexicon(rng *rand.Rand, vocab int) synLexicon {
	n, v, a := synCounts(vocab)
	srcSeen := map[string]bool{synDetSg: true, synDetPl: true, synPast: true, synFuture: true, synWith: true}
	tgtSeen := map[string]bool{synPost: true}
	srcWord := func() string {
		for {
			w := pseudoWord(rng, "bcdfglmnprstvw", "aeiou", 2+rng.IntN(2))
			if !srcSeen[w] {
				srcSeen[w] = true
				return w
			}
		}
	}
	tgtStem := func(suffixes []string) string {
		for {
			w := pseudoWord(rng, "kzxqhjy", "aouäö", 2+rng.IntN(2))
			if claim(tgtSeen, w, suffixes) {
				return w
			}
		}
	}
	var lx synLexicon
	for range n {
		lx.srcNoun = append(lx.srcNoun, srcWord())
		lx.tgtNoun = append(lx.tgtNoun, tgtStem(synNounSuffix[:]))
	}
	for range v {
		lx.srcVerb = append(lx.srcVerb, srcWord())
		lx.tgtVerb = append(lx.tgtVerb, tgtStem(synVerbSuffix[:]))
	}
	for range a {
		lx.srcAdj = append(lx.srcAdj, srcWord())
		lx.tgtAdj = append(lx.tgtAdj, tgtStem(synAdjSuffix[:]))
	}
	return lx
}

// pseudoWord draws syllables consonant+vowel, ending in a consonant.
func pseudoWord(rng *rand.Rand, cons, vows string, syllables int) string {
	c, v := []rune(cons), []rune(vows)
	var b strings.Builder
	for range syllables {
		b.WriteRune(c[rng.IntN(len(c))])
		b.WriteRune(v[rng.IntN(len(v))])
	}
	b.WriteRune(c[rng.IntN(len(c))])
	return b.String()
}

// vocabs returns the source and target vocabularies of the lexicon (fixed order).
func (lx synLexicon) vocabs() (*Vocab, *Vocab, error) {
	src := []string{synDetSg, synDetPl, synPast, synFuture, synWith}
	src = append(append(append(src, lx.srcNoun...), lx.srcVerb...), lx.srcAdj...)
	tgt := []string{synPost}
	for _, s := range lx.tgtNoun {
		for _, suf := range synNounSuffix {
			tgt = append(tgt, s+suf)
		}
	}
	for _, s := range lx.tgtVerb {
		for _, suf := range synVerbSuffix {
			tgt = append(tgt, s+suf)
		}
	}
	for _, s := range lx.tgtAdj {
		for _, suf := range synAdjSuffix {
			tgt = append(tgt, s+suf)
		}
	}
	return wordVocabs(src, tgt)
}

// claim marks every form w+s (s in suffixes) as seen and reports true when none of them was seen
// before; otherwise it marks nothing and reports false.
func claim(seen map[string]bool, w string, suffixes []string) bool {
	for _, s := range suffixes {
		if seen[w+s] {
			return false
		}
	}
	for _, s := range suffixes {
		seen[w+s] = true
	}
	return true
}

// wordVocabs builds the word-level source and target vocabularies of a synthetic lexicon's
// closed word lists.
func wordVocabs(src, tgt []string) (sv, tv *Vocab, err error) {
	if sv, err = NewVocab(Word, src); err != nil {
		return nil, nil, fmt.Errorf("data: synthetic source %w", err)
	}
	if tv, err = NewVocab(Word, tgt); err != nil {
		return nil, nil, fmt.Errorf("data: synthetic target %w", err)
	}
	return sv, tv, nil
}

// nounPhrase draws a noun phrase; it returns the source and target words.
func (lx synLexicon) nounPhrase(rng *rand.Rand) (src, tgt []string) {
	num := rng.IntN(2)
	noun := rng.IntN(len(lx.srcNoun))
	nAdj := min([...]int{0, 0, 1, 1, 2}[rng.IntN(5)], len(lx.srcAdj))
	src = append(src, [2]string{synDetSg, synDetPl}[num])
	tgt = append(tgt, lx.tgtNoun[noun]+synNounSuffix[num])
	prev := -1
	for range nAdj {
		a := rng.IntN(len(lx.srcAdj))
		for a == prev { // the adjectives of one phrase are distinct
			a = rng.IntN(len(lx.srcAdj))
		}
		prev = a
		src = append(src, lx.srcAdj[a])
		tgt = append(tgt, lx.tgtAdj[a]+synAdjSuffix[num])
	}
	src = append(src, lx.srcNoun[noun])
	return src, tgt
}

// sentence draws one sentence pair.
func (lx synLexicon) sentence(rng *rand.Rand) (src, tgt []string) {
	subjS, subjT := lx.nounPhrase(rng)
	src = append(src, subjS...)
	tgt = append(tgt, subjT...)
	tense := rng.IntN(3)
	switch tense {
	case 1:
		src = append(src, synPast)
	case 2:
		src = append(src, synFuture)
	}
	verb := rng.IntN(len(lx.srcVerb))
	src = append(src, lx.srcVerb[verb])
	if rng.IntN(10) < 6 {
		s, t := lx.nounPhrase(rng)
		src = append(src, s...)
		tgt = append(tgt, t...)
	}
	if rng.IntN(10) < 3 {
		s, t := lx.nounPhrase(rng)
		src = append(append(src, synWith), s...)
		tgt = append(append(tgt, t...), synPost)
	}
	tgt = append(tgt, lx.tgtVerb[verb]+synVerbSuffix[tense])
	return src, tgt
}

// Synthetic generates the built-in translation task from opts: with opts.Grammar "rich" the rich
// language pair (language.go), otherwise ("simple" or "") the simple grammar above: Train,
// Valid and Test pairs with pairwise distinct source sentences (so the splits are disjoint),
// source lengths in [MinLen, MaxLen] words (the grammar yields 3 to 15), vocabularies of exactly
// SyntheticVocabSizes(opts) entries (the whole closed lexicon, not cut by frequency). The same
// opts give the same data set.
func Synthetic(opts space.Synthetic) (*Dataset, error) {
	switch opts.Grammar {
	case GrammarRich:
		return richSynthetic(opts)
	case GrammarSimple, "":
	default:
		return nil, fmt.Errorf("data: synthetic grammar %q: want simple or rich", opts.Grammar)
	}
	if opts.Vocab < 4 {
		return nil, fmt.Errorf("data: synthetic vocab %d: need at least 4 content words", opts.Vocab)
	}
	if err := checkSizes(opts); err != nil {
		return nil, err
	}
	if opts.MaxLen < synMinWords || opts.MinLen > synMaxWords {
		return nil, fmt.Errorf("data: synthetic lengths %d-%d: the grammar makes sentences of %d to %d words", opts.MinLen, opts.MaxLen, synMinWords, synMaxWords)
	}
	rng := rand.New(rand.NewPCG(uint64(opts.Seed), 0x5eed0f5e7))
	lx := newSynLexicon(rng, opts.Vocab)
	sv, tv, err := lx.vocabs()
	if err != nil {
		return nil, err
	}
	ds := &Dataset{Name: "synthetic", SrcVocab: sv, TgtVocab: tv}
	sentence := func() ([]string, []string) { return lx.sentence(rng) }
	if err := drawSplits(ds, opts, sentence, "raise vocab or the length range, or lower the split sizes"); err != nil {
		return nil, err
	}
	return ds, nil
}

// checkSizes checks what both grammars ask of opts: three non-empty splits and a length range.
func checkSizes(opts space.Synthetic) error {
	switch {
	case opts.Train < 1 || opts.Valid < 1 || opts.Test < 1:
		return fmt.Errorf("data: synthetic sizes train %d, valid %d, test %d: each must be at least 1", opts.Train, opts.Valid, opts.Test)
	case opts.MaxLen < opts.MinLen:
		return fmt.Errorf("data: synthetic min_len %d exceeds max_len %d", opts.MinLen, opts.MaxLen)
	}
	return nil
}

// drawSplits fills ds's Train, Valid and Test with opts' numbers of pairs drawn from sentence,
// keeping those whose source has MinLen to MaxLen words and is new; hint ends the error when too
// few distinct sentences come in 50 draws per wanted pair (plus 10000).
func drawSplits(ds *Dataset, opts space.Synthetic, sentence func() (src, tgt []string), hint string) error {
	want := opts.Train + opts.Valid + opts.Test
	seen := make(map[string]bool, want)
	pairs := make([]Pair, 0, want)
	maxDraws := 50*want + 10000
	for draws := 0; len(pairs) < want; draws++ {
		if draws == maxDraws {
			return fmt.Errorf("data: synthetic: only %d distinct sentences of %d-%d words after %d draws, %d wanted: %s", len(pairs), opts.MinLen, opts.MaxLen, draws, want, hint)
		}
		s, t := sentence()
		if len(s) < opts.MinLen || len(s) > opts.MaxLen {
			continue
		}
		st := strings.Join(s, " ")
		if seen[st] {
			continue
		}
		seen[st] = true
		pairs = append(pairs, Pair{SrcText: st, TgtText: strings.Join(t, " "),
			Src: ds.SrcVocab.EncodeTokens(s), Tgt: ds.TgtVocab.EncodeTokens(t)})
	}
	ds.Train = pairs[:opts.Train:opts.Train]
	ds.Valid = pairs[opts.Train : opts.Train+opts.Valid : opts.Train+opts.Valid]
	ds.Test = pairs[opts.Train+opts.Valid:]
	return nil
}

// TaskVocab returns the vocabulary sizes of task before any data is read and where they come
// from: exact for the synthetic task, task.max_vocab (an upper bound) for a corpus, else 0, 0.
func TaskVocab(task space.Task) (src, tgt int, exact bool, source string) {
	if task.Kind == "synthetic" {
		src, tgt = SyntheticVocabSizes(task.Synthetic)
		return src, tgt, true, "synthetic task (exact)"
	}
	if task.MaxVocab > 0 {
		return task.MaxVocab, task.MaxVocab, false, "task.max_vocab (upper bound: the corpus may yield fewer)"
	}
	return 0, 0, false, "none: task.max_vocab is 0 (no cap)"
}
