package search

import (
	"context"
	"fmt"

	"github.com/attnsearch/attnsearch/space"
)

// supernetKind is the weight-sharing strategy (study.strategy supernet) over a built-in task: it
// takes those studies whatever their task kind, prepares them as builtinKind does, and drives
// the study through its three phases (runSupernet, supernet.go), whose retrained trials are
// evaluated and scored as builtinKind's.
var supernetKind = TaskKind{
	Name:        "supernet",
	Claims:      func(spec *space.Spec) bool { return spec.IsSupernet() },
	Figures:     builtinKind.Figures,
	Transformer: true,
	Unit:        builtinKind.Unit,
	Describe:    builtinKind.Describe,
	Searches: func(spec *space.Spec) string {
		sn := spec.Supernet
		return fmt.Sprintf("supernet strategy (SuperTransformer, then %s scored with inherited weights, then the best %d retrained), sampler %s",
			plural(sn.Trials, "sub-network", "sub-networks"), sn.TopK, spec.Study.Sampler.Kind)
	},
	Trials:   func(spec *space.Spec) int { return spec.Supernet.Trials + spec.Supernet.TopK },
	Prepare:  builtinKind.Prepare,
	Evaluate: builtinKind.Evaluate,
	Step:     builtinKind.Step,
	Epochs:   builtinKind.Epochs,
	Run: func(ctx context.Context, p *Prepared, st Storage) (*Result, error) {
		return p.runSupernet(ctx, st)
	},
}
