package data

import (
	"context"
	"fmt"
	"hash/fnv"
	"path/filepath"
	"sort"
	"strings"

	"github.com/attnsearch/attnsearch/space"
	"github.com/attnsearch/attnsearch/trainer/bpe"
)

// DefaultSplitSize is the TSV validation and test size used when Options leave it 0.
const DefaultSplitSize = 500

// splitSalt is mixed into the hash that orders TSV pairs, fixing the split for every file.
const splitSalt = "attnsearch-tsv-split-v1\x00"

// Load reads the task's data set: the synthetic task (Synthetic), an aligned directory
// (LoadAligned) or a TSV file or .zip (LoadTSV), dispatching on task.Kind ("" = synthetic). The length limit in
// tokens is task.MaxLen, lowered to maxLen when maxLen > 0 (the model's position limit); 0 and 0
// mean no limit.
func Load(ctx context.Context, task space.Task, maxLen int) (*Dataset, error) {
	limit := task.MaxLen
	if maxLen > 0 && (limit <= 0 || maxLen < limit) {
		limit = maxLen
	}
	if err := CheckLevel(task.Tokenizer); err != nil {
		return nil, err
	}
	switch task.Kind {
	case "synthetic", "":
		most := synMaxWords
		if task.Synthetic.Grammar == GrammarRich {
			most = richMaxWords // targets are never longer than their sources
		}
		if longest := min(task.Synthetic.MaxLen, most); limit > 0 && longest > limit {
			return nil, fmt.Errorf("data: synthetic max_len %d exceeds the length limit %d", longest, limit)
		}
		return Synthetic(task.Synthetic)
	case "aligned":
		return LoadAligned(ctx, task.Path, corpusOptions(task, limit))
	case "tsv":
		return LoadTSV(ctx, task.Path, corpusOptions(task, limit))
	}
	return nil, fmt.Errorf("data: task kind %q: want synthetic, aligned or tsv", task.Kind)
}

// corpusOptions copies the corpus settings of task into Options.
func corpusOptions(task space.Task, limit int) Options {
	return Options{Tokenizer: task.Tokenizer, MaxVocab: task.MaxVocab, MinFreq: task.MinFreq,
		MaxLines: task.MaxLines, ValidSize: task.ValidSize, TestSize: task.TestSize, MaxLen: limit}
}

// Options are the settings of a real corpus.
type Options struct {
	Tokenizer string // word | char | byte ("" = word)
	MaxVocab  int    // vocabulary cap per side, specials included (0 = none)
	MinFreq   int    // minimum training frequency (< 1 counts as 1)
	MaxLines  int    // at most this many training pairs (0 = all)
	ValidSize int    // TSV: pairs split off for validation (0 = DefaultSplitSize)
	TestSize  int    // TSV: pairs split off for test (0 = DefaultSplitSize)
	MaxLen    int    // longest sentence in tokens (0 = no limit); longer pairs are skipped
}

// rawPair is one pair of input lines before tokenisation.
type rawPair struct {
	src, tgt string
}

// tokPair is a pair split into tokens.
type tokPair struct {
	src, tgt       string
	srcTok, tgtTok []string
}

// LoadAligned reads dir/{train,valid,test}.{src,tgt}, one sentence per line, aligned by line.
// See the package comment for the error and skip policy; MaxLines keeps the first training pairs.
func LoadAligned(ctx context.Context, dir string, o Options) (*Dataset, error) {
	ds := &Dataset{Name: dir}
	var splits [3][]tokPair
	for i, split := range []string{"train", "valid", "test"} {
		sp, tp := filepath.Join(dir, split+".src"), filepath.Join(dir, split+".tgt")
		src, err := readLines(ctx, sp)
		if err != nil {
			return nil, err
		}
		tgt, err := readLines(ctx, tp)
		if err != nil {
			return nil, err
		}
		if len(src) != len(tgt) {
			return nil, fmt.Errorf("data: %s has %d lines but %s has %d", sp, len(src), tp, len(tgt))
		}
		raw := make([]rawPair, len(src))
		for j := range src {
			raw[j] = rawPair{src[j].text, tgt[j].text}
		}
		if i == 0 && o.MaxLines > 0 {
			raw = keepNonEmpty(raw, o.MaxLines, &ds.Skipped)
		}
		splits[i], err = tokenizePairs(ctx, raw, o, &ds.Skipped)
		if err != nil {
			return nil, err
		}
		if len(splits[i]) == 0 {
			return nil, fmt.Errorf("data: %s: split %s has no usable pair", dir, split)
		}
	}
	return finish(ctx, ds, splits, o)
}

// keepNonEmpty returns the first n pairs with both sides non-blank, counting the blank ones it
// passes in *skipped (tokenizePairs then finds none left to skip).
func keepNonEmpty(raw []rawPair, n int, skipped *int) []rawPair {
	out := make([]rawPair, 0, min(n, len(raw)))
	for _, p := range raw {
		if len(out) == n {
			break
		}
		if strings.TrimSpace(p.src) == "" || strings.TrimSpace(p.tgt) == "" {
			*skipped++
			continue
		}
		out = append(out, p)
	}
	return out
}

// tokenizePairs trims and tokenises pairs, skipping (and counting) blank pairs and pairs over
// the length limit.
func tokenizePairs(ctx context.Context, raw []rawPair, o Options, skipped *int) ([]tokPair, error) {
	out := make([]tokPair, 0, len(raw))
	for i, p := range raw {
		if i%4096 == 0 {
			if err := ctx.Err(); err != nil {
				return nil, fmt.Errorf("data: tokenise: %w", err)
			}
		}
		s, t := strings.TrimSpace(p.src), strings.TrimSpace(p.tgt)
		if s == "" || t == "" {
			*skipped++
			continue
		}
		st, tt := Tokens(o.Tokenizer, s), Tokens(o.Tokenizer, t)
		// (bpe: subwords are never fewer than words, so this drops nothing finish would keep.)
		if o.MaxLen > 0 && (len(st) > o.MaxLen || len(tt) > o.MaxLen) {
			*skipped++
			continue
		}
		out = append(out, tokPair{src: s, tgt: t, srcTok: st, tgtTok: tt})
	}
	return out, nil
}

// finish builds both vocabularies from the training split and encodes every split. At bpe level
// it first learns each side's merges on the training split's words (subword inventory max_vocab
// including the specials), splits every split's words into subwords and skips (and counts) the
// pairs now longer than MaxLen.
func finish(ctx context.Context, ds *Dataset, splits [3][]tokPair, o Options) (*Dataset, error) {
	level := o.Tokenizer
	if level == "" {
		level = Word
	}
	var srcBPE, tgtBPE *bpe.Model
	if level == BPE {
		var err error
		if srcBPE, tgtBPE, err = learnBPE(ctx, ds, &splits, o); err != nil {
			return nil, err
		}
	}
	srcLines := make([][]string, len(splits[0]))
	tgtLines := make([][]string, len(splits[0]))
	for i, p := range splits[0] {
		srcLines[i], tgtLines[i] = p.srcTok, p.tgtTok
	}
	var err error
	if ds.SrcVocab, err = BuildVocab(level, srcLines, o.MinFreq, o.MaxVocab); err != nil {
		return nil, fmt.Errorf("data: %s: source %w", ds.Name, err)
	}
	if ds.TgtVocab, err = BuildVocab(level, tgtLines, o.MinFreq, o.MaxVocab); err != nil {
		return nil, fmt.Errorf("data: %s: target %w", ds.Name, err)
	}
	ds.SrcVocab.bpe, ds.TgtVocab.bpe = srcBPE, tgtBPE
	enc := func(ps []tokPair) []Pair {
		out := make([]Pair, len(ps))
		for i, p := range ps {
			out[i] = Pair{SrcText: p.src, TgtText: p.tgt,
				Src: ds.SrcVocab.EncodeTokens(p.srcTok), Tgt: ds.TgtVocab.EncodeTokens(p.tgtTok)}
		}
		return out
	}
	ds.Train, ds.Valid, ds.Test = enc(splits[0]), enc(splits[1]), enc(splits[2])
	return ds, nil
}

// LoadTSV reads a Tatoeba/Anki file, "english<TAB>other[<TAB>attribution]" per line (English is
// the source), or a .zip holding one such file, and splits it deterministically: pairs are
// grouped by source sentence, groups ordered by a salted FNV-1a hash of the source text, the
// first groups go to test until TestSize pairs are reached, the next to valid until ValidSize,
// the rest to train (so no source sentence is in two splits, and each of test and valid may
// exceed its size by the rest of its last group). MaxLines keeps the first training pairs in
// that hash order, a deterministic sample, and the pairs after it are neither tokenised nor
// counted. Blank lines, pairs with a blank side and pairs over the length limit are skipped and
// counted; the length limit is applied before the split sizes are filled.
func LoadTSV(ctx context.Context, path string, o Options) (*Dataset, error) {
	lines, name, err := readTSVSource(ctx, path)
	if err != nil {
		return nil, err
	}
	if o.ValidSize <= 0 {
		o.ValidSize = DefaultSplitSize
	}
	if o.TestSize <= 0 {
		o.TestSize = DefaultSplitSize
	}
	ds := &Dataset{Name: path}
	raw := make([]rawPair, 0, len(lines))
	for _, l := range lines {
		if strings.TrimSpace(l.text) == "" {
			ds.Skipped++
			continue
		}
		f := strings.Split(l.text, "\t")
		if len(f) < 2 || len(f) > 3 {
			return nil, fmt.Errorf("data: %s:%d: want 2 or 3 tab-separated fields (english, other, attribution), got %d", name, l.no, len(f))
		}
		raw = append(raw, rawPair{f[0], f[1]})
	}
	groups := map[string][]rawPair{}
	for _, p := range raw {
		k := strings.TrimSpace(p.src)
		groups[k] = append(groups[k], p)
	}
	type hashed struct {
		h   uint64
		key string
	}
	keys := make([]hashed, 0, len(groups))
	for k := range groups {
		h := fnv.New64a()
		h.Write([]byte(splitSalt))
		h.Write([]byte(k))
		keys = append(keys, hashed{h.Sum64(), k})
	}
	sort.Slice(keys, func(i, j int) bool {
		if keys[i].h != keys[j].h {
			return keys[i].h < keys[j].h
		}
		return keys[i].key < keys[j].key
	})
	var splits [3][]tokPair
	usable := 0
	for _, hk := range keys {
		k := hk.key
		i := 0 // train
		switch {
		case len(splits[2]) < o.TestSize:
			i = 2
		case len(splits[1]) < o.ValidSize:
			i = 1
		case o.MaxLines > 0 && len(splits[0]) >= o.MaxLines:
			continue // the rest is not needed (and not examined)
		}
		ps, err := tokenizePairs(ctx, groups[k], o, &ds.Skipped)
		if err != nil {
			return nil, err
		}
		usable += len(ps)
		splits[i] = append(splits[i], ps...)
	}
	if o.MaxLines > 0 && len(splits[0]) > o.MaxLines {
		splits[0] = splits[0][:o.MaxLines]
	}
	for i, split := range []string{"train", "valid", "test"} {
		if len(splits[i]) == 0 {
			return nil, fmt.Errorf("data: %s: split %s is empty (%d usable pairs, valid_size %d, test_size %d)", name, split, usable, o.ValidSize, o.TestSize)
		}
	}
	return finish(ctx, ds, splits, o)
}

// learnBPE learns the source and target merges on the training split's words, replaces the word
// tokens of every split by subwords and drops the pairs longer than o.MaxLen subwords.
func learnBPE(ctx context.Context, ds *Dataset, splits *[3][]tokPair, o Options) (src, tgt *bpe.Model, err error) {
	if o.MaxVocab <= NumSpecials {
		return nil, nil, fmt.Errorf("data: %s: tokenizer bpe needs max_vocab (the subword vocabulary size per side) above %d, got %d", ds.Name, NumSpecials, o.MaxVocab)
	}
	srcCounts, tgtCounts := map[string]int{}, map[string]int{}
	for _, p := range splits[0] {
		for _, w := range p.srcTok {
			srcCounts[w]++
		}
		for _, w := range p.tgtTok {
			tgtCounts[w]++
		}
	}
	if src, err = bpe.Learn(ctx, srcCounts, o.MaxVocab-NumSpecials); err != nil {
		return nil, nil, fmt.Errorf("data: %s: source %w", ds.Name, err)
	}
	if tgt, err = bpe.Learn(ctx, tgtCounts, o.MaxVocab-NumSpecials); err != nil {
		return nil, nil, fmt.Errorf("data: %s: target %w", ds.Name, err)
	}
	for i, split := range []string{"train", "valid", "test"} {
		kept := splits[i][:0]
		for _, p := range splits[i] {
			p.srcTok, p.tgtTok = src.EncodeWords(p.srcTok), tgt.EncodeWords(p.tgtTok)
			if o.MaxLen > 0 && (len(p.srcTok) > o.MaxLen || len(p.tgtTok) > o.MaxLen) {
				ds.Skipped++
				continue
			}
			kept = append(kept, p)
		}
		if len(kept) == 0 {
			return nil, nil, fmt.Errorf("data: %s: split %s has no pair of at most %d subwords", ds.Name, split, o.MaxLen)
		}
		splits[i] = kept
	}
	return src, tgt, nil
}
