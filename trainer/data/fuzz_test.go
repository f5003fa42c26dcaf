package data

import (
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/attnsearch/attnsearch/trainer/bleu"
)

// FuzzDetokenizeKeeps13a checks that detokenised word tokens re-tokenise, under sacreBLEU's 13a,
// to the same tokens as the original text, so that BLEU of decoded output against the raw
// reference equals BLEU on the tokens (valid UTF-8 without non-ASCII punctuation, whose 13a
// tokenisation is stable).
func FuzzDetokenizeKeeps13a(f *testing.F) {
	for _, s := range []string{"Tom isn't here, is he?", "at 2:30 p.m.", `"Hi," she said (softly).`,
		"1990-2000", "$5, 10%", "a/b ¿qué? «oui»", "Wait...", "x-\ny &amp; z"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if !utf8.ValidString(s) || strings.ContainsFunc(s, isSplitPunct) {
			// The loaders reject invalid UTF-8. Non-ASCII punctuation is split off words, and
			// whether a quote like “ opens or closes is a guess (TestLoadAlignedTatoeba checks
			// the guesses on real text); the fuzzer covers the ASCII rules.
			return
		}
		// Where 13a re-tokenises its own space-joined tokens differently (",000" after "." is one
		// token, after a space two), no spacing can reproduce the original tokens: skip.
		if t13 := bleu.Tokenize13a(s); !slices.Equal(bleu.Tokenize13a(strings.Join(t13, " ")), t13) {
			return
		}
		toks := Tokens(Word, s)
		d := Detokenize(toks)
		if got, want := bleu.Tokenize13a(d), bleu.Tokenize13a(s); !slices.Equal(got, want) {
			t.Fatalf("text %q, tokens %q, detokenised %q: 13a %q, want %q", s, toks, d, got, want)
		}
	})
}
