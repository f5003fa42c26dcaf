// Package data turns translation corpora into token ids for the trainer: the built-in synthetic
// translation task, aligned plain-text directories and Tatoeba/Anki TSV files (optionally inside a
// .zip), word/char/byte tokenisation with frequency-cut vocabularies built from the training split
// only, detokenisation for fair BLEU, and deterministic length-bucketed batching.
//
// Input policy (Load, LoadAligned, LoadTSV):
//   - errors (the whole load fails, the message names file, line and column where there is one):
//     a missing or unreadable file, aligned .src/.tgt files with different line counts, invalid
//     UTF-8, a line longer than MaxLineBytes bytes, a TSV line with fewer than 2 or more than 3
//     tab-separated fields, a .zip without exactly one data member, a split left empty;
//   - skipped and counted in Dataset.Skipped: a pair whose source or target is empty or
//     whitespace only, and a pair with more than the length limit of tokens on either side
//     (in every split: the model cannot hold longer sentences).
//
// A UTF-8 byte-order mark at the start of a file and a trailing "\r" on a line are removed.
package data
