package bleu

import (
	"cmp"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// nltkCase is one hypothesis set scored by NLTK 3.8's corpus_bleu on mt_ref.py's tok13a, as
// written by testdata/nltk_cases.py.
type nltkCase struct {
	name           string
	lines          int
	bleu           float64 // NLTK corpus_bleu x 100
	num, den       [4]int  // NLTK's summed modified-precision numerators and denominators
	hypLen, refLen int
}

// nltkCases reads the cases pinned in testdata/nltk_cases.tsv (written by
// `/usr/bin/python3 trainer/bleu/testdata/nltk_cases.py`, NLTK 3.8): one tab-separated line per
// case with the fields of nltkCase in order, the arrays spread out; # starts a comment line.
func nltkCases(t *testing.T) []nltkCase {
	t.Helper()
	var cases []nltkCase
	for i, line := range readLines(t, "nltk_cases.tsv") {
		if strings.HasPrefix(line, "#") {
			continue
		}
		f := strings.Split(line, "\t")
		if len(f) != 13 {
			t.Fatalf("nltk_cases.tsv:%d: %d fields, want 13", i+1, len(f))
		}
		var bad error
		num := func(s string) int {
			n, err := strconv.Atoi(s)
			bad = cmp.Or(bad, err)
			return n
		}
		c := nltkCase{name: f[0], lines: num(f[1]), hypLen: num(f[11]), refLen: num(f[12])}
		for n := range 4 {
			c.num[n], c.den[n] = num(f[3+n]), num(f[7+n])
		}
		var err error
		c.bleu, err = strconv.ParseFloat(f[2], 64)
		if err = cmp.Or(bad, err); err != nil {
			t.Fatalf("nltk_cases.tsv:%d: %v", i+1, err)
		}
		cases = append(cases, c)
	}
	return cases
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
	for _, c := range nltkCases(t) {
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
