package search

import (
	"context"

	"github.com/attnsearch/attnsearch/record"
	"github.com/attnsearch/attnsearch/space"
)

// replayKind is a fake task kind, declared the way a new one is: it takes the studies whose name
// starts with "replay" (Claims), needs no data (its Prepare builds the architecture from fixed
// vocabularies and a fakeTrainer), and evaluates and scores trials as the built-in kind does.
var replayKind = TaskKind{
	Name:        "replay",
	Claims:      func(spec *space.Spec) bool { return len(spec.Study.Name) >= 6 && spec.Study.Name[:6] == "replay" },
	Figures:     record.FiguresTrained,
	Transformer: true,
	Unit:        "epoch",
	Describe:    func(*space.Spec) string { return "replayed figures" },
	Prepare: func(_ context.Context, p *Prepared) error {
		p.arch = p.spec.Arch(12, 12)
		if p.trainer == nil {
			p.trainer = &fakeTrainer{}
		}
		return nil
	},
	Evaluate: builtinKind.Evaluate,
	Step:     builtinKind.Step,
	Epochs:   builtinKind.Epochs,
}
