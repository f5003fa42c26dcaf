package bleu

import (
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// nltkCase is one hypothesis set scored by NLTK 3.8's corpus_bleu on mt_ref.py's tok13a, as
// printed by testdata/nltk_cases.py.
type nltkCase struct {
	name           string
	lines          int
	bleu           float64 // NLTK corpus_bleu x 100
	num, den       [4]int  // NLTK's summed modified-precision numerators and denominators
	hypLen, refLen int
}

// nltkCases are pinned from `/usr/bin/python3 trainer/bleu/testdata/nltk_cases.py` (NLTK 3.8).
var nltkCases = []nltkCase{
	{"identity", 500, 99.96833939764701, [4]int{3867, 3367, 2867, 2367}, [4]int{3867, 3367, 2867, 2370}, 3867, 3867},
	{"drop10", 500, 83.78085218235725, [4]int{3557, 2886, 2277, 1739}, [4]int{3557, 3059, 2565, 2086}, 3557, 3867},
	{"drop30", 500, 46.0722562339207, [4]int{2709, 1786, 1108, 679}, [4]int{2709, 2225, 1771, 1369}, 2709, 3867},
	{"swap20", 500, 62.61969303212721, [4]int{3867, 2278, 1492, 1035}, [4]int{3867, 3367, 2867, 2370}, 3867, 3867},
	{"truncate60", 500, 29.541667325854437, [4]int{1862, 1362, 896, 509}, [4]int{1862, 1396, 1009, 780}, 1862, 3867},
	{"lower", 500, 44.47625578532755, [4]int{2777, 1789, 1077, 647}, [4]int{3867, 3367, 2867, 2370}, 3867, 3867},
	{"copysource", 500, 4.7216375042032885e-77, [4]int{704, 24, 5, 0}, [4]int{3775, 3275, 2775, 2278}, 3775, 3867},
	{"shuffled", 500, 1.6547966050795102e-153, [4]int{493, 4, 0, 0}, [4]int{3867, 3367, 2867, 2370}, 3867, 3867},
	{"half50", 500, 52.329581512545, [4]int{2276, 1689, 1432, 1181}, [4]int{3797, 3297, 2797, 2300}, 3797, 3867},
	{"first50", 50, 100.0, [4]int{368, 318, 268, 218}, [4]int{368, 318, 268, 218}, 368, 368},
	{"long_drop10", 226, 79.62713739211122, [4]int{2061, 1703, 1384, 1114}, [4]int{2061, 1835, 1609, 1383}, 2061, 2303},
	{"long_drop30", 226, 44.4830329715418, [4]int{1615, 1096, 696, 427}, [4]int{1615, 1389, 1163, 937}, 1615, 2303},
	{"long_swap20", 226, 64.46467774943946, [4]int{2303, 1442, 1007, 743}, [4]int{2303, 2077, 1851, 1625}, 2303, 2303},
	{"long_truncate60", 226, 39.37468929217648, [4]int{1192, 966, 740, 514}, [4]int{1192, 966, 740, 514}, 1192, 2303},
	{"long_lower", 226, 48.987491663466535, [4]int{1726, 1192, 782, 515}, [4]int{2303, 2077, 1851, 1625}, 2303, 2303},
	{"long_half50", 226, 51.72832383557166, [4]int{1309, 1033, 918, 803}, [4]int{2197, 1971, 1745, 1519}, 2197, 2303},
	{"long_shuffled", 226, 1.2671543915703192, [4]int{322, 16, 9, 8}, [4]int{2303, 2077, 1851, 1625}, 2303, 2303},
}

// readLines reads a testdata file, one sentence per line.
func readLines(t *testing.T, name string) []string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return strings.Split(strings.TrimSuffix(string(b), "\n"), "\n")
}

func TestNLTKCrossCheck(t *testing.T) {
	refs, longRefs := readLines(t, "ref.txt"), readLines(t, "long_ref.txt")
	agreed := 0
	for _, c := range nltkCases {
		t.Run(c.name, func(t *testing.T) {
			hyps := readLines(t, c.name+".hyp")
			if len(hyps) != c.lines {
				t.Fatalf("%d hypotheses, want %d", len(hyps), c.lines)
			}
			r := refs[:len(hyps)]
			if strings.HasPrefix(c.name, "long_") {
				r = longRefs[:len(hyps)]
			}
			var st Stats
			for i := range hyps {
				st.Add(Tokenize13a(hyps[i]), Tokenize13a(r[i]))
			}
			if st.Correct != c.num || st.NLTKTotal != c.den || st.HypLen != c.hypLen || st.RefLen != c.refLen {
				t.Fatalf("stats correct %v nltk-total %v hyp %d ref %d; NLTK: %v %v %d %d",
					st.Correct, st.NLTKTotal, st.HypLen, st.RefLen, c.num, c.den, c.hypLen, c.refLen)
			}
			got := NLTK(hyps, r)
			if math.Abs(got-c.bleu) > 1e-9*math.Max(1, c.bleu) {
				t.Errorf("NLTK variant %.15g, NLTK %.15g", got, c.bleu)
			}
			s := Corpus(hyps, r)
			zero := false
			for _, n := range c.num {
				zero = zero || n == 0
			}
			switch {
			case zero:
				// sacreBLEU smooths what NLTK zeroes: check the smoothed precisions instead.
				smooth := 1.0
				for n := range MaxOrder {
					if st.Correct[n] == 0 {
						smooth *= 2
						if want := 100 / (smooth * float64(st.Total[n])); math.Abs(s.Precisions[n]-want) > 1e-12 {
							t.Errorf("precision %d = %g, want exp-smoothed %g", n+1, s.Precisions[n], want)
						}
					}
				}
				if s.BLEU <= got || s.BLEU <= 0 {
					t.Errorf("sacreBLEU %g should be positive and above NLTK's unsmoothed %g", s.BLEU, got)
				}
			case st.Total == st.NLTKTotal:
				if math.Abs(s.BLEU-c.bleu) > 0.01 {
					t.Errorf("sacreBLEU %.4f, NLTK %.4f: differ by more than 0.01", s.BLEU, c.bleu)
				}
				agreed++
			default:
				// Hypotheses shorter than n: NLTK counts a denominator of 1 for each, sacreBLEU 0.
				// Recompute NLTK's figure with sacreBLEU's denominators; it must equal ours.
				sum := 0.0
				for n := range MaxOrder {
					sum += math.Log(float64(c.num[n])/float64(st.Total[n])) / MaxOrder
				}
				bp := 1.0
				if c.hypLen < c.refLen {
					bp = math.Exp(1 - float64(c.refLen)/float64(c.hypLen))
				}
				if want := 100 * bp * math.Exp(sum); math.Abs(s.BLEU-want) > 0.01 {
					t.Errorf("sacreBLEU %.4f, NLTK with sacreBLEU's denominators %.4f", s.BLEU, want)
				}
				t.Logf("sacreBLEU %.4f vs NLTK %.4f (denominators %v vs %v)", s.BLEU, c.bleu, st.Total, st.NLTKTotal)
			}
		})
	}
	if agreed < 7 {
		t.Errorf("only %d cases compared sacreBLEU with NLTK directly, want at least 7", agreed)
	}
}
