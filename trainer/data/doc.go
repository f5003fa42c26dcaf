// Package data turns translation corpora into token ids for the trainer: the built-in synthetic
// translation task, aligned plain-text directories and Tatoeba/Anki TSV files (optionally inside a
// .zip), word/char/byte tokenisation with frequency-cut vocabularies built from the training split
// only, detokenisation for fair BLEU, and deterministic length-bucketed batching.
//
// Tokenisation (space.Task.Tokenizer): "word" is sacreBLEU's 13a tokenisation with non-ASCII
// punctuation also split off words, so that Vocab.Decode's detokenised text re-tokenises to the
// same 13a tokens (checked on every line of the Tatoeba corpus); "char" is Unicode characters
// with whitespace runs as one " " token; "byte" is UTF-8 bytes with a fixed 256-entry alphabet;
// "bpe" is byte-pair-encoded subwords of the word tokens (package trainer/bpe), merges learned
// per side on the training split until the side's subword inventory reaches MaxVocab (specials
// included), decoded by joining subwords into words and detokenising as at word level.
// Corpus vocabularies keep training tokens seen at least MinFreq times, most frequent first, cut
// to MaxVocab entries including the four specials; the synthetic task's vocabularies are its
// whole closed lexicon (SyntheticVocabSizes).
//
// Input policy (Load, LoadAligned, LoadTSV):
//   - errors (the whole load fails; the message names the file, the line and, for UTF-8, the
//     column in characters): a missing or unreadable file, aligned .src/.tgt files with different
//     line counts, invalid UTF-8, a line longer than MaxLineBytes bytes, a TSV line with fewer
//     than 2 or more than 3 tab-separated fields, a .zip without exactly one data member, a split
//     left empty, an unknown task kind or tokenizer;
//   - skipped and counted in Dataset.Skipped: a blank TSV line, a pair whose source or target is
//     empty or whitespace only, and a pair with more tokens than the length limit on either side
//     (in every split: the model cannot hold longer sentences).
//
// A UTF-8 byte-order mark at the start of a file and a trailing "\r" on a line are removed, and
// sentences are trimmed of surrounding whitespace.
package data
