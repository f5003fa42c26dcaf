package bleu

import (
	"fmt"
	"math"
	"strings"
)

// MaxOrder is the longest n-gram BLEU counts (BLEU-4).
const MaxOrder = 4

// Score is a corpus BLEU result with its sufficient statistics.
type Score struct {
	BLEU       float64           // corpus BLEU on the 0-100 scale
	Precisions [MaxOrder]float64 // n-gram precisions on the 0-100 scale (smoothed where sacreBLEU smooths)
	BP         float64           // brevity penalty
	HypLen     int               // total hypothesis tokens
	RefLen     int               // total reference tokens
	Correct    [MaxOrder]int     // clipped n-gram matches per order
	Total      [MaxOrder]int     // hypothesis n-grams per order
}

// String formats the score like sacreBLEU's verbose line.
func (s Score) String() string {
	p := make([]string, MaxOrder)
	for i, v := range s.Precisions {
		p[i] = fmt.Sprintf("%.1f", v)
	}
	return fmt.Sprintf("BLEU = %.2f %s (BP = %.3f hyp_len = %d ref_len = %d)",
		s.BLEU, strings.Join(p, "/"), s.BP, s.HypLen, s.RefLen)
}

// Stats holds corpus-level sufficient statistics; they add up over sentences.
type Stats struct {
	HypLen, RefLen int           // token counts
	Correct        [MaxOrder]int // clipped n-gram matches per order
	Total          [MaxOrder]int // hypothesis n-grams per order
	NLTKTotal      [MaxOrder]int // NLTK's denominators: n-grams per order, at least 1 per sentence
}

// Add accumulates the statistics of one tokenised hypothesis against one tokenised reference.
func (st *Stats) Add(hyp, ref []string) {
	st.HypLen += len(hyp)
	st.RefLen += len(ref)
	refCounts := ngramCounts(ref)
	hypCounts := ngramCounts(hyp)
	for g, c := range hypCounts {
		st.Correct[g.order()-1] += min(c, refCounts[g])
	}
	for n := 1; n <= MaxOrder; n++ {
		if len(hyp) < n {
			st.NLTKTotal[n-1]++ // NLTK's modified_precision: denominator max(1, count)
			continue
		}
		st.Total[n-1] += len(hyp) - n + 1
		st.NLTKTotal[n-1] += len(hyp) - n + 1
	}
}

// ngram is an n-gram of up to MaxOrder tokens; unused slots are "" (no token is empty).
type ngram [MaxOrder]string

// order is the number of tokens in g.
func (g ngram) order() int {
	n := 0
	for n < MaxOrder && g[n] != "" {
		n++
	}
	return n
}

// ngramCounts counts every n-gram of toks, 1 <= n <= MaxOrder.
func ngramCounts(toks []string) map[ngram]int {
	m := make(map[ngram]int, MaxOrder*len(toks))
	for i := range toks {
		var g ngram
		for n := 0; n < MaxOrder && i+n < len(toks); n++ {
			g[n] = toks[i+n]
			m[g]++
		}
	}
	return m
}

// statsOf tokenises both sides with 13a and sums the statistics. It panics on nothing: unequal
// lengths are reported by the callers.
func statsOf(hyps, refs []string) Stats {
	var st Stats
	for i := range hyps {
		st.Add(Tokenize13a(hyps[i]), Tokenize13a(refs[i]))
	}
	return st
}

// Corpus computes corpus BLEU-4 exactly as sacreBLEU's default BLEU() does: 13a tokenisation,
// case-sensitive, one reference per hypothesis, "exp" smoothing (an order with no match gets
// precision 100/(2^k·total), k counting such orders), brevity penalty exp(1-ref/hyp) when the
// hypotheses are shorter. Only the first min(len(hyps), len(refs)) pairs are scored; callers
// that need equal lengths check them (see CorpusChecked).
func Corpus(hyps, refs []string) Score {
	n := min(len(hyps), len(refs))
	return FromStats(statsOf(hyps[:n], refs[:n]))
}

// CorpusChecked is Corpus with an error when the two sides have different lengths.
func CorpusChecked(hyps, refs []string) (Score, error) {
	if len(hyps) != len(refs) {
		return Score{}, fmt.Errorf("bleu: %d hypotheses but %d references", len(hyps), len(refs))
	}
	return Corpus(hyps, refs), nil
}

// FromStats turns sufficient statistics into sacreBLEU's default score ("exp" smoothing,
// effective order off).
func FromStats(st Stats) Score {
	s := Score{HypLen: st.HypLen, RefLen: st.RefLen, Correct: st.Correct, Total: st.Total, BP: 1}
	if st.HypLen < st.RefLen {
		if st.HypLen > 0 {
			s.BP = math.Exp(1 - float64(st.RefLen)/float64(st.HypLen))
		} else {
			s.BP = 0
		}
	}
	anyCorrect := false
	for _, c := range st.Correct {
		anyCorrect = anyCorrect || c > 0
	}
	if !anyCorrect {
		return s
	}
	smooth := 1.0
	for n := 0; n < MaxOrder; n++ {
		if st.Total[n] == 0 {
			break // remaining precisions stay 0: the score is 0, as in sacreBLEU
		}
		if st.Correct[n] == 0 {
			smooth *= 2
			s.Precisions[n] = 100 / (smooth * float64(st.Total[n]))
		} else {
			s.Precisions[n] = 100 * float64(st.Correct[n]) / float64(st.Total[n])
		}
	}
	sum := 0.0
	for _, p := range s.Precisions {
		if p == 0 {
			return s // sacreBLEU's my_log(0) = -9999999999 makes exp(...) exactly 0
		}
		sum += math.Log(p)
	}
	s.BLEU = s.BP * math.Exp(sum/MaxOrder)
	return s
}

// NLTK computes corpus BLEU-4 (0-100) with NLTK 3.8's corpus_bleu semantics on 13a-tokenised
// text: uniform weights, no smoothing, one reference per hypothesis, each sentence's n-gram
// denominator at least 1 (so hypotheses shorter than n count), brevity penalty 0 for an empty
// corpus. When no unigram matches it returns 0; when a higher order has no match NLTK substitutes
// sys.float_info.min for that precision, which gives a positive figure below 1e-70 (returned as
// NLTK computes it, effectively 0).
func NLTK(hyps, refs []string) float64 {
	n := min(len(hyps), len(refs))
	return NLTKFromStats(statsOf(hyps[:n], refs[:n]))
}

// NLTKFromStats is NLTK on precomputed statistics.
func NLTKFromStats(st Stats) float64 {
	if st.Correct[0] == 0 {
		return 0
	}
	bp := 1.0
	switch {
	case st.HypLen > st.RefLen:
		bp = 1
	case st.HypLen == 0:
		bp = 0
	default:
		bp = math.Exp(1 - float64(st.RefLen)/float64(st.HypLen))
	}
	const floatInfoMin = 0x1p-1022 // Python's sys.float_info.min
	sum := 0.0
	for n := 0; n < MaxOrder; n++ {
		p := floatInfoMin
		if st.Correct[n] != 0 {
			p = float64(st.Correct[n]) / float64(st.NLTKTotal[n])
		}
		sum += 0.25 * math.Log(p)
	}
	return 100 * bp * math.Exp(sum)
}
