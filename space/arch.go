package space

// Arch holds the architecture facts a Config does not carry: vocabularies, tying and positions.
// It is the one description the cost model (objective.Estimate) and the trainer both use.
type Arch struct {
	SrcVocab, TgtVocab int    // vocabulary sizes, specials included
	TieEmbeddings      bool   // target embedding shares the output projection's weight (the bias stays)
	Positions          string // sinusoidal (no parameters) | learned (one MaxPositions x d_model table per side)
	MaxPositions       int    // rows of each learned position table
}

// MaxPositions bounds, before any data is read, the learned position rows the trainer builds
// (its exact need is the longest sentence of the loaded data plus one): max_len + 1, or for the
// synthetic task min(synthetic.max_len, max_len) + 1 (target sentences are never longer than
// their source there).
func (t Task) MaxPositions() int {
	if t.Kind == "synthetic" && t.Synthetic.MaxLen > 0 && t.Synthetic.MaxLen < t.MaxLen {
		return t.Synthetic.MaxLen + 1
	}
	return t.MaxLen + 1
}

// Arch is the architecture of the spec's training settings with the given vocabulary sizes and
// the task's bound on positions (Task.MaxPositions); trainer.ArchFor raises MaxPositions to what
// the loaded data needs.
func (s *Spec) Arch(srcVocab, tgtVocab int) Arch {
	pos := s.Training.Positions
	if pos == "" {
		pos = "sinusoidal"
	}
	return Arch{SrcVocab: srcVocab, TgtVocab: tgtVocab, TieEmbeddings: s.Training.TieEmbeddings,
		Positions: pos, MaxPositions: s.Task.MaxPositions()}
}
