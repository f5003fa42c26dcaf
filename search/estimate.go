package search

import (
	"errors"
	"fmt"

	"github.com/attnsearch/attnsearch/objective"
	"github.com/attnsearch/attnsearch/space"
)

// ErrSmallVocab means a vocabulary smaller than objective.SmallestVocab (4 specials and a word).
var ErrSmallVocab = errors.New("vocabulary too small")

// Estimate is what the cost model says of one point before any training (attnsearch estimate):
// the architecture it counts and the point's assessment.
type Estimate struct {
	Arch       space.Arch           // the architecture counted, with the given vocabularies
	Assessment objective.Assessment // costs, violated budgets, the objective
	Violations []string             // Assessment.Violations as text
}

// EstimatePoint assesses cfg of spec with vocabularies of src and tgt words. srcExact and
// tgtExact say the sizes are the data's; otherwise they are upper bounds, and the check that
// some point of the space meets the budget uses the smallest vocabulary on that side. A
// vocabulary below objective.SmallestVocab is ErrSmallVocab; a budget no point can meet is the
// space file's error.
func EstimatePoint(spec *space.Spec, cfg space.Config, src, tgt int, srcExact, tgtExact bool) (*Estimate, error) {
	if src < objective.SmallestVocab || tgt < objective.SmallestVocab {
		return nil, fmt.Errorf("search: vocabulary sizes %d/%d, need at least %d: %w", src, tgt, objective.SmallestVocab, ErrSmallVocab)
	}
	a := spec.Arch(src, tgt)
	if err := objective.ValidateBound(spec, a, srcExact, tgtExact); err != nil {
		return nil, err
	}
	as := objective.Assess(spec, cfg, a)
	return &Estimate{Arch: a, Assessment: as, Violations: objective.Strings(as.Violations)}, nil
}
