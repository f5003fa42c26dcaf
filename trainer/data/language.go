package data

import (
	"fmt"
	"math"
	"math/rand/v2"
	"sort"

	"github.com/attnsearch/attnsearch/space"
)

// The rich synthetic language pair (task.synthetic.grammar: rich) behaves like translation
// between an analytic SVO source language (English-like) and an inflecting SOV target language
// (German/Japanese-like). Every phenomenon below is a deterministic function of the source
// sentence, so a perfect model scores BLEU 100, but each needs a different kind of attention:
//
//	source  S  -> NP VP PP{0,2}  |  NP COP ADJ PP{0,2}
//	        VP -> V | V NP                       (intransitive | transitive verbs)
//	        NP -> DET ADJ{0,2} [N] N [RC]        (the optional first noun makes a compound)
//	        RC -> that VP | that NP V            (subject or object relative clause, nested ≤ 2)
//	        PP -> PREP NP
//	target  S  -> NP.nom [NP.acc] PP* V.tense.num    |  NP.nom PP* ADJ.gender.num COP.tense.num
//	        NP -> ART.def.gender.num.case N.num ADJ.gender.num* (adjectives mirrored) [RC]
//	        RC -> REL.gender.num.nom [NP.acc] V  |  REL.gender.num.acc NP.nom V   (verb last)
//	        PP -> NP.dat POSTP
//
// Phenomena: word order (SVO -> SOV, adjectives after the noun in mirrored order,
// prepositions -> postpositions, verbs last in relative clauses); agreement and inflection
// (every noun lemma has a hidden gender; articles inflect for definiteness, gender, number and
// case; adjectives — attributive and predicative, the latter separated from its subject by any
// relative clause — for gender and number; relative pronouns for the head noun's gender and
// number and their own case; verbs and the copula for tense and the subject's number, which the
// source past tense does not show); lexical ambiguity (some frequent nouns have two target
// senses, chosen by the class of the verb whose subject or object they are — for a subject that
// verb comes after any relative clause — or of the preposition that governs them); compounding
// (a fixed list of noun–noun pairs, "water bottle", becomes one inflected target word).
// Lemmas are drawn Zipf-distributed (exponent richZipf) from a seeded lexicon of
// opts.Vocab content lemmas (55% nouns, 20% verbs, 25% adjectives); the vocabularies are the
// whole closed lexicon of word forms (see SyntheticVocabSizes).

// Grammars accepted by space.Synthetic.Grammar.
const (
	GrammarSimple = "simple" // the small SVO -> SOV task (the default; "" means simple)
	GrammarRich   = "rich"   // the rich language pair described above
)

// richZipf is the exponent of the lemma frequency law (frequency ∝ rank^-richZipf).
const richZipf = 1.0

// Grammatical categories of the rich language.
const (
	numSg, numPl                   = 0, 1
	caseNom, caseAcc, caseDat      = 0, 1, 2
	tensePres, tensePast, tenseFut = 0, 1, 2
)

// Source function words of the rich language.
const (
	rsThe, rsA, rsSome, rsThat, rsWill = "the", "a", "some", "that", "will"
)

// rsCopula is the source copula: [tense][number] (future: "will be", two tokens).
var rsCopula = [3][2]string{{"is", "are"}, {"was", "were"}, {"be", "be"}}

// Target inflection suffixes of the rich language.
var (
	rtNounPl   = [3]string{"e", "en", "er"}                                 // plural suffix by gender
	rtAdj      = [3][2]string{{"er", "en"}, {"e", "en"}, {"es", "en"}}      // [gender][number]
	rtVerb     = [3][2]string{{"et", "en"}, {"ete", "eten"}, {"ar", "arn"}} // [tense][number]
	rtCopStem  = "sai"
	rtCompLink = "s"
)

// richNoun is one noun lemma; tgt[1] is the second sense of an ambiguous noun ("" otherwise).
type richNoun struct {
	src    string
	gender int
	tgt    [2]string
}

// richVerb is one verb lemma; class selects the sense of ambiguous nouns it governs.
type richVerb struct {
	src, tgt   string
	class      int
	transitive bool
}

// richAdj is one adjective lemma.
type richAdj struct{ src, tgt string }

// richPrep is one preposition and its postposition; class selects noun senses like a verb's.
type richPrep struct {
	src, tgt string
	class    int
}

// richCompound is a compound noun: modifier and head noun indices and the target stem
// (modifier stem + link + head stem; it inflects like its head).
type richCompound struct {
	mod, head int
	tgt       string
}

// richLexicon is the generated lexicon of the rich language pair. Lemma slices are in Zipf rank
// order (index 0 is the most frequent).
type richLexicon struct {
	nouns                             []richNoun
	verbs                             []richVerb
	adjs                              []richAdj
	preps                             []richPrep
	compounds                         []richCompound
	art                               [2][3][2][3]string // [definite][gender][number][case]
	rel                               [3][2][2]string    // [gender][number][case nom/acc]
	nounCDF, verbCDF, adjCDF, compCDF []float64
}

// richCounts splits the content lemmas into nouns, verbs and adjectives, and gives the number
// of compounds and prepositions.
func richCounts(vocab int) (nouns, verbs, adjs, compounds, preps int) {
	nouns = vocab * 55 / 100
	verbs = vocab * 20 / 100
	adjs = vocab - nouns - verbs
	return nouns, verbs, adjs, nouns / 6, 8
}

// richAmbiguous reports whether noun rank i has two senses: every fifth noun among the 200 most
// frequent.
func richAmbiguous(i int) bool { return i < 200 && i%5 == 2 }

// newRichLexicon draws the lexicon from rng. Every source form and every target form is distinct
// from all others of its side.
func newRichLexicon(rng *rand.Rand, vocab int) (*richLexicon, error) {
	if vocab < 20 {
		return nil, fmt.Errorf("data: synthetic vocab %d: the rich grammar needs at least 20 content lemmas", vocab)
	}
	nN, nV, nA, nC, nP := richCounts(vocab)
	srcSeen := map[string]bool{rsThe: true, rsA: true, rsSome: true, rsThat: true, rsWill: true}
	for _, row := range rsCopula {
		for _, w := range row {
			srcSeen[w] = true
		}
	}
	tgtSeen := map[string]bool{}
	// fresh draws a word from the syllable sets whose forms (word+suffix) are all unused.
	fresh := func(seen map[string]bool, cons, vows string, minSyl, maxSyl int, suffixes ...string) string {
		if len(suffixes) == 0 {
			suffixes = []string{""}
		}
		for tries := 0; ; tries++ {
			syl := minSyl + rng.IntN(maxSyl-minSyl+1) + tries/1000
			w := pseudoWord(rng, cons, vows, syl)
			if claim(seen, w, suffixes) {
				return w
			}
		}
	}
	const srcCons, srcVows = "bcdfghklmnprstvw", "aeiou"
	const tgtCons, tgtVows = "bdfgkmnprstvz", "aeiou"
	lx := &richLexicon{}
	// Function words first, so that content words avoid them.
	for def := range 2 {
		for g := range 3 {
			for n := range 2 {
				for c := range 3 {
					lx.art[def][g][n][c] = fresh(tgtSeen, "dlmn", "aeiou", 1, 1)
				}
			}
		}
	}
	for g := range 3 {
		for n := range 2 {
			for c := range 2 {
				lx.rel[g][n][c] = fresh(tgtSeen, "jwh", "aeiou", 1, 1)
			}
		}
	}
	for _, row := range rtVerb {
		for _, s := range row {
			tgtSeen[rtCopStem+s] = true
		}
	}
	for i := range nP {
		lx.preps = append(lx.preps, richPrep{
			src:   fresh(srcSeen, srcCons, srcVows, 1, 1),
			tgt:   fresh(tgtSeen, tgtCons, tgtVows, 1, 1),
			class: i % 2,
		})
	}
	nounSfx := func(g int) []string { return []string{"", rtNounPl[g]} }
	for i := range nN {
		g := rng.IntN(3)
		n := richNoun{src: fresh(srcSeen, srcCons, srcVows, 1, 3, "", "s"), gender: g}
		n.tgt[0] = fresh(tgtSeen, tgtCons, tgtVows, 1, 3, nounSfx(g)...)
		if richAmbiguous(i) {
			n.tgt[1] = fresh(tgtSeen, tgtCons, tgtVows, 1, 3, nounSfx(g)...)
		}
		lx.nouns = append(lx.nouns, n)
	}
	verbSfx := []string{}
	for _, row := range rtVerb {
		verbSfx = append(verbSfx, row[:]...)
	}
	for i := range nV {
		lx.verbs = append(lx.verbs, richVerb{
			src:        fresh(srcSeen, srcCons, srcVows, 1, 3, "", "s", "ed"),
			tgt:        fresh(tgtSeen, tgtCons, tgtVows, 1, 3, verbSfx...),
			class:      rng.IntN(2),
			transitive: i%3 != 2,
		})
	}
	adjSfx := []string{rtAdj[0][0], rtAdj[1][0], rtAdj[2][0], rtAdj[0][1]}
	for range nA {
		lx.adjs = append(lx.adjs, richAdj{
			src: fresh(srcSeen, srcCons, srcVows, 1, 3),
			tgt: fresh(tgtSeen, tgtCons, tgtVows, 1, 3, adjSfx...),
		})
	}
	// Compounds: distinct pairs of unambiguous nouns (Zipf-drawn, so that they are mostly
	// nouns the data shows alone too), modifier before head.
	lx.nounCDF, lx.verbCDF = zipfCDF(nN), zipfCDF(nV)
	lx.adjCDF, lx.compCDF = zipfCDF(nA), zipfCDF(nC)
	pairs := map[[2]int]bool{}
	for len(lx.compounds) < nC {
		m, h := zipf(rng, lx.nounCDF), zipf(rng, lx.nounCDF)
		if m == h || richAmbiguous(m) || richAmbiguous(h) || pairs[[2]int{m, h}] {
			continue
		}
		stem := lx.nouns[m].tgt[0] + rtCompLink + lx.nouns[h].tgt[0]
		g := lx.nouns[h].gender
		if tgtSeen[stem] || tgtSeen[stem+rtNounPl[g]] {
			continue
		}
		tgtSeen[stem], tgtSeen[stem+rtNounPl[g]] = true, true
		pairs[[2]int{m, h}] = true
		lx.compounds = append(lx.compounds, richCompound{mod: m, head: h, tgt: stem})
	}
	return lx, nil
}

// zipfCDF returns the cumulative distribution of ranks 0..n-1 under frequency ∝ (rank+1)^-richZipf.
func zipfCDF(n int) []float64 {
	cdf := make([]float64, n)
	sum := 0.0
	for i := range n {
		sum += math.Pow(float64(i+1), -richZipf)
		cdf[i] = sum
	}
	for i := range cdf {
		cdf[i] /= sum
	}
	return cdf
}

// zipf draws a rank from cdf.
func zipf(rng *rand.Rand, cdf []float64) int {
	u := rng.Float64()
	i := sort.SearchFloat64s(cdf, u)
	return min(i, len(cdf)-1)
}

// nounSrc is the source form of noun i.
func (lx *richLexicon) nounSrc(i, num int) string {
	if num == numPl {
		return lx.nouns[i].src + "s"
	}
	return lx.nouns[i].src
}

// nounTgt is the target form of noun i in the given sense.
func (lx *richLexicon) nounTgt(i, sense, num int) string {
	n := lx.nouns[i]
	stem := n.tgt[0]
	if n.tgt[1] != "" {
		stem = n.tgt[sense]
	}
	if num == numPl {
		return stem + rtNounPl[n.gender]
	}
	return stem
}

// verbSrc returns the source tokens of verb i in a tense with a subject of number num.
func (lx *richLexicon) verbSrc(i, tense, num int) []string {
	s := lx.verbs[i].src
	switch {
	case tense == tensePast:
		return []string{s + "ed"}
	case tense == tenseFut:
		return []string{rsWill, s}
	case num == numSg:
		return []string{s + "s"}
	}
	return []string{s}
}

// copulaSrc returns the source copula tokens.
func copulaSrc(tense, num int) []string {
	if tense == tenseFut {
		return []string{rsWill, rsCopula[tenseFut][num]}
	}
	return []string{rsCopula[tense][num]}
}

// vocabs returns the source and target vocabularies: every form of the lexicon, in a fixed
// order.
func (lx *richLexicon) vocabs() (*Vocab, *Vocab, error) {
	src := []string{rsThe, rsA, rsSome, rsThat, rsWill}
	for _, row := range rsCopula[:2] {
		src = append(src, row[:]...)
	}
	src = append(src, rsCopula[tenseFut][0])
	var tgt []string
	for def := range 2 {
		for g := range 3 {
			for n := range 2 {
				tgt = append(tgt, lx.art[def][g][n][:]...)
			}
		}
	}
	for g := range 3 {
		for n := range 2 {
			tgt = append(tgt, lx.rel[g][n][:]...)
		}
	}
	for _, row := range rtVerb {
		for _, s := range row {
			tgt = append(tgt, rtCopStem+s)
		}
	}
	for _, p := range lx.preps {
		src, tgt = append(src, p.src), append(tgt, p.tgt)
	}
	for i, n := range lx.nouns {
		src = append(src, n.src, n.src+"s")
		for sense := range 2 {
			if sense == 1 && n.tgt[1] == "" {
				break
			}
			tgt = append(tgt, lx.nounTgt(i, sense, numSg), lx.nounTgt(i, sense, numPl))
		}
	}
	for _, c := range lx.compounds {
		tgt = append(tgt, c.tgt, c.tgt+rtNounPl[lx.nouns[c.head].gender])
	}
	for _, v := range lx.verbs {
		src = append(src, v.src, v.src+"s", v.src+"ed")
		for _, row := range rtVerb {
			for _, s := range row {
				tgt = append(tgt, v.tgt+s)
			}
		}
	}
	for _, a := range lx.adjs {
		src = append(src, a.src)
		tgt = append(tgt, a.tgt+rtAdj[0][0], a.tgt+rtAdj[1][0], a.tgt+rtAdj[2][0], a.tgt+rtAdj[0][1])
	}
	return wordVocabs(src, tgt)
}

// rtok is one target token while a sentence is generated; class is the class that chose the
// sense of an ambiguous noun (-1 for every other token).
type rtok struct {
	s     string
	class int
}

// richNP is a generated noun phrase: its source and target tokens for a given case, and the
// head's gender and number (for agreement outside the phrase). senseAt is the index in tgt of an
// ambiguous head noun whose sense is not fixed yet (-1 if none): the governing verb or
// preposition fixes it (resolve) before the phrase is placed.
type richNP struct {
	src         []string
	tgt         []rtok
	gender, num int
	noun        int // head noun lemma (-1 for a compound head)
	senseAt     int
	hasRC       bool
}

// richGen draws sentences.
type richGen struct {
	lx  *richLexicon
	rng *rand.Rand
}

// richNotes records, for the tests, where phenomena occur in one generated pair (target
// indices).
type richNotes struct {
	senses    []richLink // a: an ambiguous noun, b: the class that chose its sense
	predAgree []richLink // a: a predicative adjective, b: its subject's head noun
	verbAgree []richLink // a: the main verb or copula, b: its subject's head noun
}

// richLink ties a target position to another position or a value; cross says whether a
// relative clause lies between the two.
type richLink struct {
	a, b  int
	cross bool
}

// plain returns a target token that is not an ambiguous noun.
func plain(s string) rtok { return rtok{s: s, class: -1} }

// nounPhrase draws an NP for the given case; depth limits nested relative clauses.
func (g *richGen) nounPhrase(c, depth int) richNP {
	lx, rng := g.lx, g.rng
	num := numSg
	if rng.IntN(3) == 0 {
		num = numPl
	}
	def := 1
	if rng.IntN(5) < 2 {
		def = 0
	}
	np := richNP{num: num, noun: -1, senseAt: -1}
	switch {
	case def == 1:
		np.src = append(np.src, rsThe)
	case num == numSg:
		np.src = append(np.src, rsA)
	default:
		np.src = append(np.src, rsSome)
	}
	// Head: a compound (one phrase in ten) or a simple noun.
	var headSrc []string
	var headTgt string
	if rng.IntN(10) == 0 {
		k := lx.compounds[zipf(rng, lx.compCDF)]
		headSrc = []string{lx.nouns[k.mod].src, lx.nounSrc(k.head, num)}
		np.gender = lx.nouns[k.head].gender
		headTgt = k.tgt
		if num == numPl {
			headTgt += rtNounPl[np.gender]
		}
	} else {
		n := zipf(rng, lx.nounCDF)
		np.noun, np.gender = n, lx.nouns[n].gender
		headSrc = []string{lx.nounSrc(n, num)}
		headTgt = lx.nounTgt(n, 0, num)
	}
	np.tgt = append(np.tgt, plain(lx.art[def][np.gender][num][c]))
	nAdj := [...]int{0, 0, 0, 1, 1, 2}[rng.IntN(6)]
	adjs := make([]int, 0, 2)
	for len(adjs) < nAdj {
		a := zipf(rng, lx.adjCDF)
		if len(adjs) == 1 && adjs[0] == a {
			continue
		}
		adjs = append(adjs, a)
	}
	for _, a := range adjs {
		np.src = append(np.src, lx.adjs[a].src)
	}
	np.src = append(np.src, headSrc...)
	if np.noun >= 0 && lx.nouns[np.noun].tgt[1] != "" {
		np.senseAt = len(np.tgt)
	}
	np.tgt = append(np.tgt, plain(headTgt))
	for i := len(adjs) - 1; i >= 0; i-- {
		np.tgt = append(np.tgt, plain(lx.adjs[adjs[i]].tgt+rtAdj[np.gender][num]))
	}
	if depth < 2 && rng.IntN(100) < [2]int{18, 10}[depth] {
		g.relClause(&np, depth)
	}
	return np
}

// relClause appends a subject or object relative clause to np (source "that ...", target a
// relative pronoun agreeing with np's head, the clause's verb last).
func (g *richGen) relClause(np *richNP, depth int) {
	lx, rng := g.lx, g.rng
	tense := rng.IntN(3)
	np.hasRC = true
	np.src = append(np.src, rsThat)
	if rng.IntN(2) == 0 {
		// Subject relative: that V [NP]  ->  REL.nom [NP.acc] V (agreeing with the head's number).
		v := zipf(rng, lx.verbCDF)
		np.src = append(np.src, lx.verbSrc(v, tense, np.num)...)
		np.tgt = append(np.tgt, plain(lx.rel[np.gender][np.num][0]))
		if lx.verbs[v].transitive {
			obj := g.nounPhrase(caseAcc, depth+1)
			g.resolve(&obj, lx.verbs[v].class)
			np.src = append(np.src, obj.src...)
			np.tgt = append(np.tgt, obj.tgt...)
		}
		np.tgt = append(np.tgt, plain(lx.verbs[v].tgt+rtVerb[tense][np.num]))
		return
	}
	// Object relative: that NP V  ->  REL.acc NP.nom V (agreeing with the clause's subject).
	v := g.transitiveVerb()
	subj := g.nounPhrase(caseNom, depth+1)
	np.src = append(np.src, subj.src...)
	np.src = append(np.src, lx.verbSrc(v, tense, subj.num)...)
	np.tgt = append(np.tgt, plain(lx.rel[np.gender][np.num][1]))
	g.resolve(&subj, lx.verbs[v].class)
	np.tgt = append(np.tgt, subj.tgt...)
	np.tgt = append(np.tgt, plain(lx.verbs[v].tgt+rtVerb[tense][subj.num]))
}

// transitiveVerb draws a transitive verb (Zipf over all verbs, redrawn until transitive).
func (g *richGen) transitiveVerb() int {
	for {
		v := zipf(g.rng, g.lx.verbCDF)
		if g.lx.verbs[v].transitive {
			return v
		}
	}
}

// resolve fixes the sense of np's ambiguous head (if any) from the governing class.
func (g *richGen) resolve(np *richNP, class int) {
	if np.senseAt < 0 {
		return
	}
	np.tgt[np.senseAt] = rtok{s: g.lx.nounTgt(np.noun, class, np.num), class: class}
	np.senseAt = -1
}

// sentence draws one sentence pair and its notes.
func (g *richGen) sentence() (src, tgt []string, notes richNotes) {
	lx, rng := g.lx, g.rng
	var out []rtok
	tense := rng.IntN(3)
	subj := g.nounPhrase(caseNom, 0)
	src = append(src, subj.src...)
	var preds []rtok
	var obj *richNP
	copular := rng.IntN(5) == 0
	class := 0
	if copular {
		src = append(src, copulaSrc(tense, subj.num)...)
		a := zipf(rng, lx.adjCDF)
		src = append(src, lx.adjs[a].src)
		preds = []rtok{plain(lx.adjs[a].tgt + rtAdj[subj.gender][subj.num]), plain(rtCopStem + rtVerb[tense][subj.num])}
	} else {
		v := zipf(rng, lx.verbCDF)
		class = lx.verbs[v].class
		src = append(src, lx.verbSrc(v, tense, subj.num)...)
		if lx.verbs[v].transitive {
			o := g.nounPhrase(caseAcc, 0)
			g.resolve(&o, class)
			src = append(src, o.src...)
			obj = &o
		}
		preds = []rtok{plain(lx.verbs[v].tgt + rtVerb[tense][subj.num])}
	}
	g.resolve(&subj, class)
	out = append(out, subj.tgt...)
	if obj != nil {
		out = append(out, obj.tgt...)
	}
	for range [...]int{0, 0, 0, 0, 1, 1, 1, 2}[rng.IntN(8)] {
		p := lx.preps[rng.IntN(len(lx.preps))]
		np := g.nounPhrase(caseDat, 1)
		g.resolve(&np, p.class)
		src = append(append(src, p.src), np.src...)
		out = append(append(out, np.tgt...), plain(p.tgt))
	}
	if copular {
		notes.predAgree = append(notes.predAgree, richLink{a: len(out), b: 1, cross: subj.hasRC})
	}
	out = append(out, preds...)
	notes.verbAgree = append(notes.verbAgree, richLink{a: len(out) - 1, b: 1, cross: subj.hasRC})
	tgt = make([]string, len(out))
	for i, t := range out {
		tgt[i] = t.s
		if t.class >= 0 {
			notes.senses = append(notes.senses, richLink{a: i, b: t.class})
		}
	}
	return src, tgt, notes
}

// richMinWords and richMaxWords bound the source sentence lengths a task may ask for (space
// checks the same bounds: space.RichMinWords, space.RichMaxWords).
const (
	richMinWords = 3
	richMaxWords = 60
)

// richSynthetic generates the rich task (see the grammar at the top of this file).
func richSynthetic(opts space.Synthetic) (*Dataset, error) {
	if err := checkSizes(opts); err != nil {
		return nil, err
	}
	if opts.MaxLen < richMinWords || opts.MinLen > richMaxWords {
		return nil, fmt.Errorf("data: synthetic lengths %d-%d: the rich grammar makes sentences of %d to about %d words", opts.MinLen, opts.MaxLen, richMinWords, richMaxWords)
	}
	rng := rand.New(rand.NewPCG(uint64(opts.Seed), 0x7a11e5))
	lx, err := newRichLexicon(rng, opts.Vocab)
	if err != nil {
		return nil, err
	}
	sv, tv, err := lx.vocabs()
	if err != nil {
		return nil, err
	}
	ds := &Dataset{Name: "synthetic-rich", SrcVocab: sv, TgtVocab: tv}
	gen := &richGen{lx: lx, rng: rng}
	sentence := func() ([]string, []string) {
		s, t, _ := gen.sentence()
		return s, t
	}
	if err := drawSplits(ds, opts, sentence, "widen the length range or lower the split sizes"); err != nil {
		return nil, err
	}
	return ds, nil
}

// richVocabSizes returns the vocabulary sizes of the rich task (0, 0 when vocab is too small).
func richVocabSizes(opts space.Synthetic) (src, tgt int) {
	lx, err := newRichLexicon(rand.New(rand.NewPCG(uint64(opts.Seed), 0x7a11e5)), opts.Vocab)
	if err != nil {
		return 0, 0
	}
	sv, tv, err := lx.vocabs()
	if err != nil {
		return 0, 0
	}
	return sv.Size(), tv.Size()
}
