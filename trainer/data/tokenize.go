package data

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/attnsearch/attnsearch/trainer/bleu"
)

// Tokenizer levels accepted by space.Task.Tokenizer.
const (
	Word = "word" // 13a words, non-ASCII punctuation split off
	Char = "char" // Unicode characters, whitespace runs as one " " token
	Byte = "byte" // UTF-8 bytes, fixed 256-entry alphabet
	BPE  = "bpe"  // byte-pair subwords of word tokens, merges learned on the training split
)

// CheckLevel returns an error unless level is "", word, char, byte or bpe ("" means word).
func CheckLevel(level string) error {
	switch level {
	case "", Word, Char, Byte, BPE:
		return nil
	}
	return fmt.Errorf("data: tokenizer %q: want word, char, byte or bpe", level)
}

// Tokens splits text at the given level ("" = word; bpe: its word tokens, which a vocabulary's
// merges then split into subwords, see Vocab.Encode). Word level is sacreBLEU's 13a tokenisation
// with every non-ASCII punctuation or symbol character that is not inside a word also split off,
// so that detokenised output re-tokenises to the same BLEU tokens.
func Tokens(level, text string) []string {
	switch level {
	case Char:
		return charTokens(text)
	case Byte:
		out := make([]string, len(text))
		for i := 0; i < len(text); i++ {
			out[i] = text[i : i+1]
		}
		return out
	default:
		var out []string
		for _, t := range bleu.Tokenize13a(text) {
			out = splitUnicodePunct(t, out)
		}
		return out
	}
}

// charTokens returns the runes of text, whitespace runs collapsed to one " " and trimmed.
func charTokens(text string) []string {
	fields := strings.Fields(text)
	var out []string
	for i, f := range fields {
		if i > 0 {
			out = append(out, " ")
		}
		for _, r := range f {
			out = append(out, string(r))
		}
	}
	return out
}

// isSplitPunct reports whether r is a non-ASCII punctuation or symbol character.
func isSplitPunct(r rune) bool {
	return r >= utf8.RuneSelf && (unicode.IsPunct(r) || unicode.IsSymbol(r))
}

// isWordRune reports whether r is a letter or a digit.
func isWordRune(r rune) bool {
	return unicode.IsLetter(r) || unicode.IsDigit(r)
}

// splitUnicodePunct appends the pieces of tok to out: non-ASCII punctuation becomes its own
// token unless it sits between two letters or digits (an apostrophe or dash inside a word).
func splitUnicodePunct(tok string, out []string) []string {
	ascii := true
	for i := 0; i < len(tok) && ascii; i++ {
		ascii = tok[i] < utf8.RuneSelf
	}
	if ascii {
		return append(out, tok)
	}
	rs := []rune(tok)
	start := 0
	for i, r := range rs {
		if !isSplitPunct(r) {
			continue
		}
		if i > 0 && i+1 < len(rs) && isWordRune(rs[i-1]) && isWordRune(rs[i+1]) {
			continue
		}
		if i > start {
			out = append(out, string(rs[start:i]))
		}
		out = append(out, string(r))
		start = i + 1
	}
	if start < len(rs) {
		out = append(out, string(rs[start:]))
	}
	return out
}
