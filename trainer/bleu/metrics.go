package bleu

import "strings"

// TokenMatches counts the positions of gold that are not ignore and where pred holds the same
// id (teacher-forced accuracy numerator and denominator). pred may be shorter than gold; its
// missing positions count as wrong.
func TokenMatches(pred, gold []int, ignore int) (correct, total int) {
	for i, g := range gold {
		if g == ignore {
			continue
		}
		total++
		if i < len(pred) && pred[i] == g {
			correct++
		}
	}
	return correct, total
}

// TokenAccuracy is the fraction (0-1) of non-ignored gold positions predicted exactly, over a
// batch of sequences; it is 0 when there is no such position.
func TokenAccuracy(pred, gold [][]int, ignore int) float64 {
	c, t := 0, 0
	for i, g := range gold {
		var p []int
		if i < len(pred) {
			p = pred[i]
		}
		ci, ti := TokenMatches(p, g, ignore)
		c += ci
		t += ti
	}
	if t == 0 {
		return 0
	}
	return float64(c) / float64(t)
}

// ExactMatch is the fraction (0-1) of hypotheses equal to their reference after collapsing
// whitespace runs and trimming the ends; it is 0 for an empty corpus. Extra entries on either
// side count as misses.
func ExactMatch(hyps, refs []string) float64 {
	n := max(len(hyps), len(refs))
	if n == 0 {
		return 0
	}
	hit := 0
	for i := 0; i < min(len(hyps), len(refs)); i++ {
		if strings.Join(strings.Fields(hyps[i]), " ") == strings.Join(strings.Fields(refs[i]), " ") {
			hit++
		}
	}
	return float64(hit) / float64(n)
}
