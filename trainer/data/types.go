package data

// Special token ids, identical in every vocabulary.
const (
	PAD = 0 // padding
	UNK = 1 // unknown word
	BOS = 2 // begin of sentence (decoder input start)
	EOS = 3 // end of sentence
)

// Pair is one aligned sentence pair: the original text and its token ids (no BOS/EOS added).
type Pair struct {
	SrcText, TgtText string // original (detokenised) sentences
	Src, Tgt         []int  // token ids
}

// Dataset is a tokenised corpus split three ways, with vocabularies built from Train only.
type Dataset struct {
	Name               string // "synthetic" or the corpus path
	SrcVocab, TgtVocab *Vocab // per-side vocabularies
	Train, Valid, Test []Pair // disjoint splits
	Skipped            int    // pairs skipped by the documented policy (too long, empty)
}
