// Package bpe learns and applies byte-pair encoding (Sennrich et al., 2016) over words: Learn
// counts the words of a training split, starts from their characters (the last one marked as
// word-final) and repeatedly merges the most frequent adjacent pair of symbols — ties broken by
// the pair's text, so the same input always gives the same merges — until the subword inventory
// reaches the wanted size or no pair occurs twice. Encode splits a word into subwords by
// applying the merges in the order they were learned; every subword but a word's last carries
// the continuation mark "@@" (subword-nmt's convention), so Join restores the words exactly.
//
// No Go library on the module proxy list offered a small, dependency-free BPE learner with
// deterministic ties, so this is a short implementation; trainer/data uses it for the "bpe"
// tokenizer level.
package bpe
