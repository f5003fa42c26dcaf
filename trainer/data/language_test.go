package data

import (
	"math"
	"math/rand/v2"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/attnsearch/attnsearch/space"
)

// richOpts are rich-grammar settings with a lexicon of a few thousand word forms per side
// (spaces/mt.yaml uses vocab 800, 1,582/2,932 forms, with 16,000 training pairs, calibrated to
// its time budget).
var richOpts = space.Synthetic{Grammar: GrammarRich, Train: 4000, Valid: 200, Test: 200, Vocab: 1000, MinLen: 4, MaxLen: 30, Seed: 1}

func TestRichDeterministicAndSplits(t *testing.T) {
	ds := mustSynthetic(t, richOpts)
	again := mustSynthetic(t, richOpts)
	if !reflect.DeepEqual(ds, again) {
		t.Fatal("same options gave different data sets")
	}
	other := richOpts
	other.Seed = 2
	ds2 := mustSynthetic(t, other)
	same := 0
	for i := range 100 {
		if ds.Train[i].SrcText == ds2.Train[i].SrcText {
			same++
		}
	}
	if same > 0 {
		t.Fatalf("seed 2 repeats %d of seed 1's first 100 sentences", same)
	}
	checkSplits(t, ds, richOpts)
	for _, ps := range [][]Pair{ds.Train, ds.Valid, ds.Test} {
		for _, p := range ps {
			if len(p.Tgt) > len(p.Src) {
				t.Fatalf("target longer than its source: %q -> %q", p.SrcText, p.TgtText)
			}
		}
	}
}

func TestRichErrors(t *testing.T) {
	cases := []struct {
		name string
		opts space.Synthetic
		want string
	}{
		{"small vocab", space.Synthetic{Grammar: GrammarRich, Train: 10, Valid: 1, Test: 1, Vocab: 19, MinLen: 4, MaxLen: 30}, "at least 20"},
		{"inverted lengths", space.Synthetic{Grammar: GrammarRich, Train: 10, Valid: 1, Test: 1, Vocab: 100, MinLen: 9, MaxLen: 8}, "exceeds max_len"},
		{"too long", space.Synthetic{Grammar: GrammarRich, Train: 10, Valid: 1, Test: 1, Vocab: 100, MinLen: 61, MaxLen: 70}, "the rich grammar makes"},
		{"empty split", space.Synthetic{Grammar: GrammarRich, Train: 10, Valid: 0, Test: 1, Vocab: 100, MinLen: 4, MaxLen: 30}, "at least 1"},
		{"unknown grammar", space.Synthetic{Grammar: "fancy", Train: 10, Valid: 1, Test: 1, Vocab: 100, MinLen: 4, MaxLen: 30}, `grammar "fancy"`},
		{"too many pairs for the lengths", space.Synthetic{Grammar: GrammarRich, Train: 5000, Valid: 1, Test: 1, Vocab: 20, MinLen: 3, MaxLen: 3}, "distinct sentences"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Synthetic(c.opts)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("err = %v, want it to contain %q", err, c.want)
			}
		})
	}
}

func TestRichStatistics(t *testing.T) {
	ds := mustSynthetic(t, richOpts)
	// Lengths: the whole range 4-30 is used, most sentences are short.
	hist := map[int]int{}
	total := 0
	for _, p := range ds.Train {
		hist[len(p.Src)]++
		total += len(p.Src)
	}
	mean := float64(total) / float64(len(ds.Train))
	if mean < 7 || mean > 14 || hist[4] == 0 || hist[25]+hist[26]+hist[27]+hist[28]+hist[29]+hist[30] == 0 {
		t.Fatalf("mean source length %.2f, %d of length 4, histogram %v", mean, hist[4], hist)
	}
	// Vocabulary: a few thousand word forms per side, and the training split uses most of the
	// source vocabulary (the target has more inflected forms than data to show them all).
	if s, g := ds.SrcVocab.Size(), ds.TgtVocab.Size(); s < 1500 || s > 3000 || g < 2500 || g > 5000 {
		t.Fatalf("vocabularies %d / %d", s, g)
	}
	counts := map[int]int{}
	for _, p := range ds.Train {
		for _, id := range p.Src {
			counts[id]++
		}
	}
	if len(counts) < ds.SrcVocab.Size()/2 {
		t.Fatalf("training split uses %d of %d source words", len(counts), ds.SrcVocab.Size())
	}
	// Zipf: the slope of log frequency against log rank over ranks 10-300 lies near -1.
	freq := make([]float64, 0, len(counts))
	for _, c := range counts {
		freq = append(freq, float64(c))
	}
	sort.Sort(sort.Reverse(sort.Float64Slice(freq)))
	var sx, sy, sxx, sxy, n float64
	for r := 10; r < 300; r++ {
		x, y := math.Log(float64(r+1)), math.Log(freq[r])
		sx, sy, sxx, sxy, n = sx+x, sy+y, sxx+x*x, sxy+x*y, n+1
	}
	if slope := (n*sxy - sx*sy) / (n*sxx - sx*sx); slope > -0.6 || slope < -1.6 {
		t.Fatalf("log-log slope of word frequencies %.2f, want about -1", slope)
	}
}

// richFixture draws sentences straight from the generator with their notes, and the lexicon's
// reverse maps the checks use.
type richFixture struct {
	lx      *richLexicon
	pairs   [][2][]string
	notes   []richNotes
	nounOf  map[string][3]int // target noun form -> lemma, sense, number
	adjOf   map[string][2]int // target adjective form -> gender (-1 for plural), number
	verbOf  map[string][3]int // target verb form -> lemma, tense, number (lemma -1: copula)
	compOf  map[string][2]int // target compound form -> compound, number
	srcNoun map[string][2]int // source noun form -> lemma, number
	srcVerb map[string]int    // source verb form -> lemma
	srcPrep map[string]int    // source preposition -> index
	relOf   map[string][3]int // relative pronoun -> gender, number, case
	artCase map[string]int    // article -> case
}

func newRichFixture(t *testing.T, n int) *richFixture {
	t.Helper()
	rng := rand.New(rand.NewPCG(5, 6))
	lx, err := newRichLexicon(rng, 1000)
	if err != nil {
		t.Fatal(err)
	}
	f := &richFixture{lx: lx, nounOf: map[string][3]int{}, adjOf: map[string][2]int{}, verbOf: map[string][3]int{},
		compOf: map[string][2]int{}, srcNoun: map[string][2]int{}, srcVerb: map[string]int{}, srcPrep: map[string]int{},
		relOf: map[string][3]int{}, artCase: map[string]int{}}
	for i, nn := range lx.nouns {
		for num := range 2 {
			f.srcNoun[lx.nounSrc(i, num)] = [2]int{i, num}
			for sense := range 2 {
				if sense == 0 || nn.tgt[1] != "" {
					f.nounOf[lx.nounTgt(i, sense, num)] = [3]int{i, sense, num}
				}
			}
		}
	}
	for _, a := range lx.adjs {
		for g := range 3 {
			f.adjOf[a.tgt+rtAdj[g][0]] = [2]int{g, 0}
		}
		f.adjOf[a.tgt+rtAdj[0][1]] = [2]int{-1, 1}
	}
	for i, v := range lx.verbs {
		f.srcVerb[v.src], f.srcVerb[v.src+"s"], f.srcVerb[v.src+"ed"] = i, i, i
		for tense, row := range rtVerb {
			for num, s := range row {
				f.verbOf[v.tgt+s] = [3]int{i, tense, num}
				f.verbOf[rtCopStem+s] = [3]int{-1, tense, num}
			}
		}
	}
	for i, c := range lx.compounds {
		f.compOf[c.tgt] = [2]int{i, 0}
		f.compOf[c.tgt+rtNounPl[lx.nouns[c.head].gender]] = [2]int{i, 1}
	}
	for i, p := range lx.preps {
		f.srcPrep[p.src] = i
	}
	for g := range 3 {
		for num := range 2 {
			for c := range 2 {
				f.relOf[lx.rel[g][num][c]] = [3]int{g, num, c}
			}
			for def := range 2 {
				for c := range 3 {
					f.artCase[lx.art[def][g][num][c]] = c
				}
			}
		}
	}
	gen := &richGen{lx: lx, rng: rng}
	for range n {
		s, tg, notes := gen.sentence()
		f.pairs = append(f.pairs, [2][]string{s, tg})
		f.notes = append(f.notes, notes)
	}
	return f
}

// headNoun returns the gender and number of the noun or compound at target index i.
func (f *richFixture) headNoun(t *testing.T, tg []string, i int) (gender, num int) {
	t.Helper()
	if n, ok := f.nounOf[tg[i]]; ok {
		return f.lx.nouns[n[0]].gender, n[2]
	}
	if c, ok := f.compOf[tg[i]]; ok {
		return f.lx.nouns[f.lx.compounds[c[0]].head].gender, c[1]
	}
	t.Fatalf("target %q: %q at %d is not a noun", strings.Join(tg, " "), tg[i], i)
	return 0, 0
}

// TestRichAgreementAcrossRelativeClause checks that the predicative adjective agrees in gender and
// number, and the main verb or copula in number, with the subject's head noun, also when a
// relative clause (with nouns of its own) stands between them.
func TestRichAgreementAcrossRelativeClause(t *testing.T) {
	f := newRichFixture(t, 4000)
	crossPred, crossVerb := 0, 0
	for k, n := range f.notes {
		tg := f.pairs[k][1]
		for _, l := range n.predAgree {
			g, num := f.headNoun(t, tg, l.b)
			a, ok := f.adjOf[tg[l.a]]
			if !ok {
				t.Fatalf("%q: %q is not an adjective", strings.Join(tg, " "), tg[l.a])
			}
			if a[1] != num || (num == numSg && a[0] != g) {
				t.Fatalf("%q: predicative %q (gender %d, number %d) does not agree with %q (gender %d, number %d)",
					strings.Join(tg, " "), tg[l.a], a[0], a[1], tg[l.b], g, num)
			}
			if l.cross {
				crossPred++
				if !slices.ContainsFunc(tg[l.b+1:l.a], func(s string) bool { _, rel := f.relOf[s]; return rel }) {
					t.Fatalf("%q: marked as crossing a relative clause, but none between", strings.Join(tg, " "))
				}
			}
		}
		for _, l := range n.verbAgree {
			_, num := f.headNoun(t, tg, l.b)
			v, ok := f.verbOf[tg[l.a]]
			if !ok || l.a != len(tg)-1 {
				t.Fatalf("%q: the main verb %q is not a verb or not last", strings.Join(tg, " "), tg[l.a])
			}
			if v[2] != num {
				t.Fatalf("%q: verb %q has number %d, subject %q number %d", strings.Join(tg, " "), tg[l.a], v[2], tg[l.b], num)
			}
			if l.cross {
				crossVerb++
			}
		}
	}
	if crossPred < 20 || crossVerb < 200 {
		t.Fatalf("only %d predicative and %d verb agreements across a relative clause in 4000 sentences", crossPred, crossVerb)
	}
}

// TestRichRelativePronouns checks that every relative pronoun agrees in gender and number with the
// noun phrase it follows (the nearest preceding head noun outside nested clauses is the noun
// before its article's adjectives) and that its case says subject or object relative.
func TestRichRelativePronouns(t *testing.T) {
	f := newRichFixture(t, 3000)
	checked := [2]int{}
	for _, p := range f.pairs {
		src, tg := p[0], p[1]
		rels := 0
		for i, w := range tg {
			r, ok := f.relOf[w]
			if !ok {
				continue
			}
			rels++
			// Walk back over the adjectives to the head noun.
			j := i - 1
			for j >= 0 {
				if _, adj := f.adjOf[tg[j]]; !adj {
					break
				}
				j--
			}
			g, num := f.headNoun(t, tg, j)
			if r[1] != num || r[0] != g {
				t.Fatalf("%q: relative pronoun %q (gender %d, number %d) after %q (gender %d, number %d)",
					strings.Join(tg, " "), w, r[0], r[1], tg[j], g, num)
			}
			// An accusative pronoun is followed by the clause's subject (a nominative article).
			if r[2] == 1 && f.artCase[tg[i+1]] != caseNom {
				t.Fatalf("%q: object relative %q not followed by a nominative article", strings.Join(tg, " "), w)
			}
			checked[r[2]]++
		}
		if n := strings.Count(" "+strings.Join(src, " ")+" ", " "+rsThat+" "); n != rels {
			t.Fatalf("%q has %d relative clauses, target %q has %d pronouns", strings.Join(src, " "), n, strings.Join(tg, " "), rels)
		}
	}
	if checked[0] < 100 || checked[1] < 100 {
		t.Fatalf("checked %d subject and %d object relatives", checked[0], checked[1])
	}
}

// TestRichWordOrder checks SVO -> SOV and adjective order on simple transitive sentences (no
// relative clause, no prepositional phrase): source DET ADJ* N V DET ADJ* N, target ART N ADJ*
// (mirrored) ART N ADJ* V, the subject's article nominative and the object's accusative.
func TestRichWordOrder(t *testing.T) {
	f := newRichFixture(t, 3000)
	checked := 0
	for _, p := range f.pairs {
		src, tg := p[0], p[1]
		vi := slices.IndexFunc(src, func(s string) bool { _, v := f.srcVerb[s]; return v })
		if vi < 0 || slices.Contains(src, rsThat) || slices.Contains(src, rsWill) || slices.ContainsFunc(src, func(s string) bool { _, pr := f.srcPrep[s]; return pr }) {
			continue
		}
		subj, obj := src[:vi], src[vi+1:]
		if len(obj) == 0 || len(subj)+len(obj) != len(tg)-1 {
			continue // intransitive, or a compound shortened the target
		}
		// The verb goes last and translates the source verb.
		if v, ok := f.verbOf[tg[len(tg)-1]]; !ok || v[0] != f.srcVerb[src[vi]] {
			t.Fatalf("%q -> %q: last word is not the verb", strings.Join(src, " "), strings.Join(tg, " "))
		}
		checkNP := func(s, g []string, c int) {
			if f.artCase[g[0]] != c {
				t.Fatalf("%q -> %q: article %q has case %d, want %d", strings.Join(src, " "), strings.Join(tg, " "), g[0], f.artCase[g[0]], c)
			}
			noun, ok := f.srcNoun[s[len(s)-1]]
			if !ok {
				t.Fatalf("%q: %q is not a noun", strings.Join(src, " "), s[len(s)-1])
			}
			if tn, ok := f.nounOf[g[1]]; !ok || tn[0] != noun[0] || tn[2] != noun[1] {
				t.Fatalf("%q -> %q: noun %q does not follow the article", strings.Join(src, " "), strings.Join(tg, " "), s[len(s)-1])
			}
			// Adjectives: source order a1 a2 before the noun, target a2 a1 after it.
			for i, a := range s[1 : len(s)-1] {
				ta := g[len(g)-1-i]
				stem := ""
				for _, adj := range f.lx.adjs {
					if adj.src == a {
						stem = adj.tgt
					}
				}
				if stem == "" || !strings.HasPrefix(ta, stem) {
					t.Fatalf("%q -> %q: adjective %q is not mirrored after the noun", strings.Join(src, " "), strings.Join(tg, " "), a)
				}
			}
		}
		checkNP(subj, tg[:len(subj)], caseNom)
		checkNP(obj, tg[len(subj):len(tg)-1], caseAcc)
		checked++
	}
	if checked < 200 {
		t.Fatalf("only %d simple transitive sentences checked", checked)
	}
}

// TestRichAmbiguity checks that an ambiguous noun's translation follows the class of its
// governing verb or preposition: each sense note's word is the sense of that class, and a noun
// seen with both classes is translated both ways.
func TestRichAmbiguity(t *testing.T) {
	f := newRichFixture(t, 4000)
	both := map[int][2]bool{}
	for k, n := range f.notes {
		tg := f.pairs[k][1]
		for _, l := range n.senses {
			w, ok := f.nounOf[tg[l.a]]
			if !ok || f.lx.nouns[w[0]].tgt[1] == "" {
				t.Fatalf("%q: sense note on %q, not an ambiguous noun", strings.Join(tg, " "), tg[l.a])
			}
			if w[1] != l.b {
				t.Fatalf("%q: %q is sense %d, governed by class %d", strings.Join(tg, " "), tg[l.a], w[1], l.b)
			}
			s := both[w[0]]
			s[w[1]] = true
			both[w[0]] = s
		}
		// Every ambiguous noun in the target carries a note.
		for i, w := range tg {
			if nn, ok := f.nounOf[w]; ok && f.lx.nouns[nn[0]].tgt[1] != "" &&
				!slices.ContainsFunc(n.senses, func(l richLink) bool { return l.a == i }) {
				t.Fatalf("%q: ambiguous %q without a governing class", strings.Join(tg, " "), w)
			}
		}
	}
	twoWays := 0
	for _, s := range both {
		if s[0] && s[1] {
			twoWays++
		}
	}
	if twoWays < 20 {
		t.Fatalf("only %d ambiguous nouns seen in both senses", twoWays)
	}
	// The source does not show the sense: both senses come from one source form.
	if f.lx.nouns[2].tgt[1] == "" || f.lx.nouns[2].tgt[0] == f.lx.nouns[2].tgt[1] {
		t.Fatalf("noun rank 2 should have two senses: %v", f.lx.nouns[2].tgt)
	}
}

// TestRichCompounds checks that every target compound translates the source noun-noun pair:
// modifier (singular) then head in the compound's number.
func TestRichCompounds(t *testing.T) {
	f := newRichFixture(t, 3000)
	found := 0
	for _, p := range f.pairs {
		src, tg := p[0], p[1]
		joined := " " + strings.Join(src, " ") + " "
		for _, w := range tg {
			c, ok := f.compOf[w]
			if !ok {
				continue
			}
			k := f.lx.compounds[c[0]]
			pair := " " + f.lx.nouns[k.mod].src + " " + f.lx.nounSrc(k.head, c[1]) + " "
			if !strings.Contains(joined, pair) {
				t.Fatalf("%q -> %q: compound %q without the source pair %q", strings.Join(src, " "), strings.Join(tg, " "), w, pair)
			}
			if !strings.HasPrefix(w, f.lx.nouns[k.mod].tgt[0]+rtCompLink+f.lx.nouns[k.head].tgt[0]) {
				t.Fatalf("compound %q is not modifier+link+head", w)
			}
			found++
		}
	}
	if found < 200 {
		t.Fatalf("only %d compounds in 3000 sentences", found)
	}
}

func TestLoadRichSynthetic(t *testing.T) {
	task := space.Task{Kind: "synthetic", Tokenizer: Word, Synthetic: richOpts}
	if _, err := Load(t.Context(), task, 29); err == nil || !strings.Contains(err.Error(), "exceeds the length limit 29") {
		t.Fatalf("Load with a limit below max_len: %v", err)
	}
	ds, err := Load(t.Context(), task, 31)
	if err != nil {
		t.Fatal(err)
	}
	if ds.Name != "synthetic-rich" || len(ds.Train) != richOpts.Train {
		t.Fatalf("loaded %s with %d training pairs", ds.Name, len(ds.Train))
	}
}
