package bleu

import (
	"fmt"
	"math"
	"slices"
	"testing"
)

// TestTokenize13a pins outputs of mt_ref.py's tok13a (Python) on tricky lines.
func TestTokenize13a(t *testing.T) {
	cases := []struct {
		in   string
		want []string
	}{
		{"Tom isn't very happy, is he?", []string{"Tom", "isn't", "very", "happy", ",", "is", "he", "?"}},
		{"It costs $3.50, or 3,000 yen.", []string{"It", "costs", "$", "3.50", ",", "or", "3,000", "yen", "."}},
		{"1990-2000 and well-known", []string{"1990", "-", "2000", "and", "well-known"}},
		{"Wait... what?!", []string{"Wait", ".", ".", ".", "what", "?", "!"}},
		{"\"Hello,\" she said (quietly).", []string{"\"", "Hello", ",", "\"", "she", "said", "(", "quietly", ")", "."}},
		{"a&amp;b &quot;x&quot; &lt;tag&gt;", []string{"a", "&", "b", "\"", "x", "\"", "<", "tag", ">"}},
		{"e-mail: john@example.com / 50%", []string{"e-mail", ":", "john", "@", "example", ".", "com", "/", "50", "%"}},
		{"Er sagte: „Hallo!“", []string{"Er", "sagte", ":", "„Hallo", "!", "“"}},
		{"  spaced\tout\u00a0nbsp\u2009thin  ", []string{"spaced", "out", "nbsp", "thin"}},
		{"<skipped> line-\nbreak", []string{"linebreak"}},
		{"x.y,z 5.a a.5 .5 5.", []string{"x", ".", "y", ",", "z", "5", ".", "a", "a", ".", "5", ".", "5", "5", "."}},
		{"Ünïcödé — dash… «quote»", []string{"Ünïcödé", "—", "dash…", "«quote»"}},
		{"", nil},
		{"a\x1cb", []string{"a", "b"}},
		{"3-4-5", []string{"3", "-", "4", "-", "5"}},
		{"[a]{b}^c_d`e|f~g", []string{"[", "a", "]", "{", "b", "}", "^", "c", "_", "d", "`", "e", "|", "f", "~", "g"}},
	}
	for _, c := range cases {
		if got := Tokenize13a(c.in); !slices.Equal(got, c.want) {
			t.Errorf("Tokenize13a(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

// TestCorpusHandComputed checks sacreBLEU's arithmetic on cases worked out by hand.
func TestCorpusHandComputed(t *testing.T) {
	cases := []struct {
		name       string
		hyps, refs []string
		bleu       float64
		prec       [4]float64
		bp         float64
	}{
		{"identical", []string{"the cat sat on the mat"}, []string{"the cat sat on the mat"},
			100, [4]float64{100, 100, 100, 100}, 1},
		// hyp 4 tokens, ref 6: BP = exp(1-6/4); all orders match fully.
		{"brevity", []string{"the cat sat on"}, []string{"the cat sat on the mat"},
			100 * math.Exp(1-6.0/4), [4]float64{100, 100, 100, 100}, math.Exp(1 - 6.0/4)},
		// "a b c d" vs "a b x d": 1-grams 3/4, 2-grams 1/3, 3-grams 0/2 -> 100/(2*2), 4-grams 0/1 -> 100/(4*1).
		{"exp smoothing", []string{"a b c d"}, []string{"a b x d"},
			math.Exp((math.Log(75) + math.Log(100.0/3) + math.Log(25) + math.Log(25)) / 4), [4]float64{75, 100.0 / 3, 25, 25}, 1},
		// 3-token hypothesis: no 4-grams at all, so the score is 0 (sacreBLEU breaks at total 0).
		{"too short", []string{"a b c"}, []string{"a b c"}, 0, [4]float64{100, 100, 100, 0}, 1},
		{"no match", []string{"x y z w"}, []string{"a b c d"}, 0, [4]float64{}, 1},
		{"empty hypothesis", []string{""}, []string{"a b c d"}, 0, [4]float64{}, 0},
		{"case-sensitive", []string{"The Cat"}, []string{"the cat"}, 0, [4]float64{}, 1},
		// corpus statistics add up: second pair contributes the 4-grams the first lacks.
		{"corpus sums", []string{"a b c", "d e f g"}, []string{"a b c", "d e f g"},
			100, [4]float64{100, 100, 100, 100}, 1},
		// 13a splits the comma: "yes , sir" matches "yes, sir" exactly.
		{"13a punctuation", []string{"yes , sir , we go home"}, []string{"yes, sir, we go home"},
			100, [4]float64{100, 100, 100, 100}, 1},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := Corpus(c.hyps, c.refs)
			if math.Abs(s.BLEU-c.bleu) > 1e-9 {
				t.Errorf("BLEU %.12g, want %.12g (%v)", s.BLEU, c.bleu, s)
			}
			for i := range s.Precisions {
				if math.Abs(s.Precisions[i]-c.prec[i]) > 1e-9 {
					t.Errorf("precisions %v, want %v", s.Precisions, c.prec)
					break
				}
			}
			if math.Abs(s.BP-c.bp) > 1e-12 {
				t.Errorf("BP %g, want %g", s.BP, c.bp)
			}
		})
	}
}

func TestCorpusChecked(t *testing.T) {
	if _, err := CorpusChecked([]string{"a"}, nil); err == nil {
		t.Fatal("want an error for 1 hypothesis and 0 references")
	}
	s, err := CorpusChecked([]string{"a b c d e"}, []string{"a b c d e"})
	if err != nil || math.Abs(s.BLEU-100) > 1e-9 {
		t.Fatalf("got %v, %v", s, err)
	}
}

func TestTokenAccuracy(t *testing.T) {
	cases := []struct {
		name       string
		pred, gold [][]int
		want       float64
	}{
		{"all right", [][]int{{5, 6, 3}}, [][]int{{5, 6, 3}}, 1},
		{"pad ignored", [][]int{{5, 7, 3, 9}}, [][]int{{5, 6, 3, 0}}, 2.0 / 3},
		{"short prediction", [][]int{{5}}, [][]int{{5, 6}}, 0.5},
		{"missing row", nil, [][]int{{5, 6}}, 0},
		{"nothing to score", [][]int{{0}}, [][]int{{0}}, 0},
	}
	for _, c := range cases {
		if got := TokenAccuracy(c.pred, c.gold, 0); math.Abs(got-c.want) > 1e-12 {
			t.Errorf("%s: %g, want %g", c.name, got, c.want)
		}
	}
}

// TestStringMetrics checks the corpus metrics of hypothesis and reference strings other than
// Corpus: NLTK's BLEU at its edge cases (within 1e-9 relative) and ExactMatch (exactly).
func TestStringMetrics(t *testing.T) {
	nltk := func(got, want float64) bool { return math.Abs(got-want) <= 1e-9*math.Max(1, want) }
	exact := func(got, want float64) bool { return got == want }
	cases := []struct {
		metric     string
		f          func(hyps, refs []string) float64
		same       func(got, want float64) bool
		name       string
		hyps, refs []string
		want       float64
	}{
		{"NLTK", NLTK, nltk, "no unigram match", []string{"x y z w"}, []string{"a b c d"}, 0},
		{"NLTK", NLTK, nltk, "empty corpus", nil, nil, 0},
		// 3-token hypothesis: NLTK's 4-gram denominator is 1 with 0 matches -> float_info.min.
		{"NLTK", NLTK, nltk, "short hypothesis", []string{"a b c"}, []string{"a b c"}, 100 * math.Exp(0.25*math.Log(0x1p-1022))},
		{"NLTK", NLTK, nltk, "identical", []string{"a b c d e"}, []string{"a b c d e"}, 100},
		{"ExactMatch", ExactMatch, exact, "whitespace normalised", []string{" a  b ", "c"}, []string{"a b", "d"}, 0.5},
		{"ExactMatch", ExactMatch, exact, "case matters", []string{"A"}, []string{"a"}, 0},
		{"ExactMatch", ExactMatch, exact, "extra reference is a miss", []string{"a"}, []string{"a", "b"}, 0.5},
		{"ExactMatch", ExactMatch, exact, "empty", nil, nil, 0},
	}
	for _, c := range cases {
		if got := c.f(c.hyps, c.refs); !c.same(got, c.want) {
			t.Errorf("%s: %s = %g, want %g", c.name, c.metric, got, c.want)
		}
	}
}

func ExampleCorpus() {
	// 1-grams 10/12, 2-grams 7/10, 3-grams 5/8, 4-grams 4/6; hypotheses longer: BP 1.
	hyps := []string{"The cat sat on the mat.", "It is raining today."}
	refs := []string{"The cat sat on the mat.", "It rains today."}
	s := Corpus(hyps, refs)
	fmt.Printf("%.2f\n", s.BLEU)
	fmt.Println(s)
	// Output:
	// 70.21
	// BLEU = 70.21 83.3/70.0/62.5/66.7 (BP = 1.000 hyp_len = 12 ref_len = 11)
}

func BenchmarkCorpus500(b *testing.B) {
	refs := make([]string, 500)
	hyps := make([]string, 500)
	for i := range refs {
		refs[i] = fmt.Sprintf("Tom sagte, dass er %d Äpfel gekauft hat, nicht %d.", i, i+1)
		hyps[i] = fmt.Sprintf("Tom sagte, er hat %d Äpfel gekauft, nicht %d.", i, i+2)
	}
	b.ResetTimer()
	for b.Loop() {
		Corpus(hyps, refs)
	}
}
