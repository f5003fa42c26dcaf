package bpe

import (
	"container/heap"
	"context"
	"fmt"
	"sort"
	"strings"
)

// Mark ends every subword that is not the last of its word.
const Mark = "@@"

// endOfWord marks a word-final symbol while learning and encoding (never part of a token).
const endOfWord = "\x00"

// Model is a learned list of merges. It is read-only after Learn and safe for concurrent use.
type Model struct {
	merges []pair       // in learning order
	rank   map[pair]int // merge -> its index in merges
	alpha  int          // distinct initial symbols of the training words
}

// pair is two adjacent symbols.
type pair struct{ a, b string }

// Merges returns the number of learned merges.
func (m *Model) Merges() int { return len(m.merges) }

// Alphabet returns the number of distinct initial symbols (characters, word-final or not) seen
// in training.
func (m *Model) Alphabet() int { return m.alpha }

// Learn learns merges from words and their counts until alphabet + merges reaches size (the
// subword inventory wanted) or no adjacent pair occurs at least twice. Words are split into
// Unicode characters; empty words are ignored. It checks ctx every 256 merges.
func Learn(ctx context.Context, counts map[string]int, size int) (*Model, error) {
	if size < 1 {
		return nil, fmt.Errorf("bpe: vocabulary size %d: must be at least 1", size)
	}
	// Words in a fixed order, so that everything below is deterministic.
	keys := make([]string, 0, len(counts))
	for w, c := range counts {
		if w != "" && c > 0 {
			keys = append(keys, w)
		}
	}
	sort.Strings(keys)
	words := make([]lword, len(keys))
	alpha := map[string]bool{}
	for i, w := range keys {
		words[i] = lword{syms: split(w), freq: counts[w]}
		for _, s := range words[i].syms {
			alpha[s] = true
		}
	}
	m := &Model{rank: map[pair]int{}, alpha: len(alpha)}
	st := &state{count: map[pair]int{}, where: map[pair]map[int]bool{}}
	for i := range words {
		st.add(i, words[i], 1)
	}
	for p, c := range st.count {
		heap.Push(&st.h, entry{p, c})
	}
	for len(alpha)+len(m.merges) < size {
		if len(m.merges)%256 == 0 {
			if err := ctx.Err(); err != nil {
				return nil, fmt.Errorf("bpe: learn: %w", err)
			}
		}
		best, ok := st.pop()
		if !ok {
			break
		}
		m.rank[best] = len(m.merges)
		m.merges = append(m.merges, best)
		idx := make([]int, 0, len(st.where[best]))
		for i := range st.where[best] {
			idx = append(idx, i)
		}
		sort.Ints(idx)
		for _, i := range idx {
			w := words[i]
			merged := mergeAll(w.syms, best)
			if len(merged) == len(w.syms) {
				continue // stale entry: the pair is no longer in this word
			}
			st.add(i, w, -1)
			words[i].syms = merged
			st.add(i, words[i], 1)
		}
		delete(st.where, best)
		delete(st.count, best)
	}
	return m, nil
}

// lword is a training word as symbols, with its count.
type lword struct {
	syms []string
	freq int
}

// split turns a word into its characters, the last one marked word-final.
func split(w string) []string {
	var out []string
	for _, r := range w {
		out = append(out, string(r))
	}
	out[len(out)-1] += endOfWord
	return out
}

// mergeAll replaces every non-overlapping occurrence of p in syms (left to right) by one symbol.
func mergeAll(syms []string, p pair) []string {
	out := make([]string, 0, len(syms))
	for i := 0; i < len(syms); i++ {
		if i+1 < len(syms) && syms[i] == p.a && syms[i+1] == p.b {
			out = append(out, p.a+p.b)
			i++
			continue
		}
		out = append(out, syms[i])
	}
	return out
}

// state holds the pair counts while learning: counts, the words each pair occurs in (a superset:
// entries go stale and are skipped), and a max-heap of (count, pair) with lazy deletion.
type state struct {
	count map[pair]int
	where map[pair]map[int]bool
	h     pairHeap
}

// add adds (sign 1) or removes (sign -1) the pairs of word i and pushes their new counts.
func (st *state) add(i int, w lword, sign int) {
	for k := 0; k+1 < len(w.syms); k++ {
		p := pair{w.syms[k], w.syms[k+1]}
		st.count[p] += sign * w.freq
		if sign > 0 {
			if st.where[p] == nil {
				st.where[p] = map[int]bool{}
			}
			st.where[p][i] = true
		}
		if c := st.count[p]; c > 0 {
			heap.Push(&st.h, entry{p, c})
		} else {
			delete(st.count, p)
		}
	}
}

// pop returns the most frequent pair occurring at least twice (ties: the smallest text).
func (st *state) pop() (pair, bool) {
	for st.h.Len() > 0 {
		e := heap.Pop(&st.h).(entry)
		if st.count[e.p] != e.c {
			continue // stale
		}
		if e.c < 2 {
			return pair{}, false
		}
		return e.p, true
	}
	return pair{}, false
}

// entry is one heap element.
type entry struct {
	p pair
	c int
}

// pairHeap orders entries by count (high first), then by pair text (low first).
type pairHeap []entry

func (h pairHeap) Len() int { return len(h) }
func (h pairHeap) Less(i, j int) bool {
	if h[i].c != h[j].c {
		return h[i].c > h[j].c
	}
	if h[i].p.a != h[j].p.a {
		return h[i].p.a < h[j].p.a
	}
	return h[i].p.b < h[j].p.b
}
func (h pairHeap) Swap(i, j int) { h[i], h[j] = h[j], h[i] }
func (h *pairHeap) Push(x any)   { *h = append(*h, x.(entry)) }
func (h *pairHeap) Pop() any {
	old := *h
	e := old[len(old)-1]
	*h = old[:len(old)-1]
	return e
}

// Encode splits word into subwords: its characters, merged by the learned merges in learning
// order; every subword but the last ends with Mark. An empty word gives nil.
func (m *Model) Encode(word string) []string {
	if word == "" {
		return nil
	}
	syms := split(word)
	for len(syms) > 1 {
		best, bestRank := pair{}, -1
		for k := 0; k+1 < len(syms); k++ {
			if r, ok := m.rank[pair{syms[k], syms[k+1]}]; ok && (bestRank < 0 || r < bestRank) {
				best, bestRank = pair{syms[k], syms[k+1]}, r
			}
		}
		if bestRank < 0 {
			break
		}
		syms = mergeAll(syms, best)
	}
	out := make([]string, len(syms))
	for i, s := range syms {
		if i == len(syms)-1 {
			out[i] = strings.TrimSuffix(s, endOfWord)
		} else {
			out[i] = s + Mark
		}
	}
	return out
}

// EncodeWords encodes each word and concatenates the subwords.
func (m *Model) EncodeWords(words []string) []string {
	var out []string
	for _, w := range words {
		out = append(out, m.Encode(w)...)
	}
	return out
}

// Join turns subwords back into words: a subword ending with Mark is glued to the next one (a
// trailing one, as a truncated decode leaves it, ends its word without the mark).
func Join(subwords []string) []string {
	var out []string
	var cur strings.Builder
	open := false
	for _, s := range subwords {
		if t, ok := strings.CutSuffix(s, Mark); ok && t != "" {
			cur.WriteString(t)
			open = true
			continue
		}
		cur.WriteString(s)
		out = append(out, cur.String())
		cur.Reset()
		open = false
	}
	if open {
		out = append(out, cur.String())
	}
	return out
}
