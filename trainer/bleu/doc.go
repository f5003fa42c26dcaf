// Package bleu scores translations: corpus BLEU-4 exactly as sacreBLEU computes it by default
// (13a tokenisation, case-sensitive, brevity penalty, "exp" smoothing), NLTK's corpus_bleu variant
// for cross-checks, teacher-forced token accuracy and exact match.
//
// BLEU figures and n-gram precisions are on sacreBLEU's 0-100 scale; accuracy and exact match
// are fractions in [0, 1].
package bleu
