package data

import (
	"fmt"
	"sort"
	"strings"

	"github.com/attnsearch/attnsearch/trainer/bpe"
)

// Specials are the texts of the special tokens, indexed by their ids PAD, UNK, BOS, EOS.
var specials = [...]string{"<pad>", "<unk>", "<bos>", "<eos>"}

// NumSpecials is the number of special tokens at the start of every vocabulary.
const NumSpecials = 4

// Vocab maps tokens of one tokenizer level to ids; ids 0-3 are PAD, UNK, BOS, EOS. It is
// read-only after construction and safe for concurrent use.
type Vocab struct {
	level  string
	tokens []string
	index  map[string]int
	bpe    *bpe.Model // bpe level: the merges that split word tokens into subwords
}

// NewVocab builds a vocabulary of the given level ("" = word) from tokens in id order (the
// specials are prepended; duplicates and special texts are an error).
func NewVocab(level string, tokens []string) (*Vocab, error) {
	if err := CheckLevel(level); err != nil {
		return nil, err
	}
	if level == "" {
		level = Word
	}
	v := &Vocab{level: level, tokens: make([]string, 0, NumSpecials+len(tokens)),
		index: make(map[string]int, NumSpecials+len(tokens))}
	for _, t := range append(specials[:], tokens...) {
		if _, dup := v.index[t]; dup {
			return nil, fmt.Errorf("data: vocabulary: token %q appears twice", t)
		}
		if t == "" {
			return nil, fmt.Errorf("data: vocabulary: empty token at id %d", len(v.tokens))
		}
		v.index[t] = len(v.tokens)
		v.tokens = append(v.tokens, t)
	}
	return v, nil
}

// BuildVocab counts the tokens of lines (already split at level) and keeps those seen at least
// minFreq times (minFreq < 1 counts as 1), most frequent first, ties by token text, cut so that
// the vocabulary has at most maxVocab entries including the specials (0 = no cap). Byte level
// ignores the counts: its vocabulary is always the specials plus all 256 bytes.
func BuildVocab(level string, lines [][]string, minFreq, maxVocab int) (*Vocab, error) {
	if maxVocab != 0 && maxVocab <= NumSpecials {
		return nil, fmt.Errorf("data: vocabulary: max_vocab %d leaves no room after the %d special tokens", maxVocab, NumSpecials)
	}
	if level == Byte {
		all := make([]string, 256)
		for i := range all {
			all[i] = string([]byte{byte(i)})
		}
		return NewVocab(Byte, all)
	}
	minFreq = max(minFreq, 1)
	counts := map[string]int{}
	for _, l := range lines {
		for _, t := range l {
			counts[t]++
		}
	}
	kept := make([]string, 0, len(counts))
	for t, c := range counts {
		if c >= minFreq && !isSpecialText(t) {
			kept = append(kept, t)
		}
	}
	sort.Slice(kept, func(i, j int) bool {
		ci, cj := counts[kept[i]], counts[kept[j]]
		if ci != cj {
			return ci > cj
		}
		return kept[i] < kept[j]
	})
	if maxVocab > 0 && len(kept) > maxVocab-NumSpecials {
		kept = kept[:maxVocab-NumSpecials]
	}
	return NewVocab(level, kept)
}

// isSpecialText reports whether t is the text of a special token.
func isSpecialText(t string) bool {
	for _, s := range specials {
		if s == t {
			return true
		}
	}
	return false
}

// Size is the number of ids, specials included.
func (v *Vocab) Size() int { return len(v.tokens) }

// Level is the tokenizer level: word, char, byte or bpe.
func (v *Vocab) Level() string { return v.level }

// ID returns the id of token, or UNK when it is not in the vocabulary.
func (v *Vocab) ID(token string) int {
	if id, ok := v.index[token]; ok {
		return id
	}
	return UNK
}

// Token returns the text of id ("<unk>" for an id out of range).
func (v *Vocab) Token(id int) string {
	if id < 0 || id >= len(v.tokens) {
		return specials[UNK]
	}
	return v.tokens[id]
}

// Encode tokenises text at the vocabulary's level and maps it to ids (no BOS/EOS added); at bpe
// level the word tokens are split by the vocabulary's merges.
func (v *Vocab) Encode(text string) []int {
	toks := Tokens(v.level, text)
	if v.bpe != nil {
		toks = v.bpe.EncodeWords(toks)
	}
	return v.EncodeTokens(toks)
}

// EncodeTokens maps already split tokens to ids.
func (v *Vocab) EncodeTokens(tokens []string) []int {
	ids := make([]int, len(tokens))
	for i, t := range tokens {
		ids[i] = v.ID(t)
	}
	return ids
}

// Decode turns ids back into text: it stops at EOS, drops PAD, BOS and UNK (an <unk> can never
// match a reference word, and its brackets would add spurious 13a tokens), and detokenises
// (word level: Detokenize; bpe level: subwords joined into words (bpe.Join), then Detokenize;
// char and byte level: concatenation, invalid UTF-8 replaced by U+FFFD).
func (v *Vocab) Decode(ids []int) string {
	toks := make([]string, 0, len(ids))
	for _, id := range ids {
		if id == EOS {
			break
		}
		if id == PAD || id == BOS || id == UNK || id < 0 || id >= len(v.tokens) {
			continue
		}
		toks = append(toks, v.tokens[id])
	}
	switch v.level {
	case Char:
		return strings.TrimSpace(strings.Join(toks, ""))
	case Byte:
		return strings.ToValidUTF8(strings.Join(toks, ""), "\uFFFD")
	case BPE:
		return Detokenize(bpe.Join(toks))
	default:
		return Detokenize(toks)
	}
}
