package search

import (
	"fmt"
	"maps"
	"strings"

	"github.com/attnsearch/attnsearch/record"
	"github.com/attnsearch/attnsearch/search/internal/kindset"
	"github.com/attnsearch/attnsearch/search/sampler"
	"github.com/attnsearch/attnsearch/space"
	"github.com/attnsearch/attnsearch/store"
	"github.com/c-bata/goptuna"
	"github.com/c-bata/goptuna/medianstopping"
)

// noFailStorage is a view of a goptuna.Storage whose GetAllTrials hides FAIL trials, so that an
// interrupted attempt (which a retry repeats) does not count twice in sampling or pruning.
type noFailStorage struct {
	goptuna.Storage
}

// GetAllTrials returns the study's trials that are not FAIL.
func (s noFailStorage) GetAllTrials(studyID int) ([]goptuna.FrozenTrial, error) {
	all, err := s.Storage.GetAllTrials(studyID)
	if err != nil {
		return nil, err
	}
	kept := all[:0]
	for _, t := range all {
		if t.State != goptuna.TrialStateFail {
			kept = append(kept, t)
		}
	}
	return kept, nil
}

// AllTrialsFrom returns the study's trials numbered number or above, FAIL ones included
// (sampler.AllTrialsFrom): for the samplers' history, which keeps what it has read, so must see
// every number taken, and leaves FAIL trials out itself.
func (s noFailStorage) AllTrialsFrom(studyID, number int) ([]goptuna.FrozenTrial, error) {
	return store.TrialsFrom(s.Storage, studyID, number)
}

var _ sampler.AllTrialsFrom = noFailStorage{}

// viewPruner runs a goptuna pruner against the FAIL-free view of the study.
type viewPruner struct {
	inner goptuna.Pruner
	view  *goptuna.Study
}

// Prune asks the inner pruner, showing it the study without FAIL trials.
func (p *viewPruner) Prune(_ *goptuna.Study, trial goptuna.FrozenTrial) (bool, error) {
	return p.inner.Prune(p.view, trial)
}

// PrunerKind is one registered pruner kind, in the shape of a sampler kind (sampler.Kind).
type PrunerKind struct {
	Name    string         // kind as written in a space file (study.pruner.kind)
	Options []space.Option // options the kind accepts (with the defaults the parser fills in)
	// New builds the pruner of one study from the options the file gives (validated against
	// Options, defaults filled in; other absent options are absent from the map) and the study's
	// goals when several are listed; nil = no pruning.
	New func(opts map[string]float64, goals []record.Goal) (goptuna.Pruner, error)
}

// Pruners holds pruner kinds by name (Register, Lookup, Names and KindOptions come from
// kindset.Set: registering a name twice, or a kind without New, panics).
type Pruners struct {
	*kindset.Set[PrunerKind]
}

var _ space.Registry = (*Pruners)(nil)

// NewPruners returns an empty registry.
func NewPruners() *Pruners {
	return &Pruners{kindset.New("search: pruner", kindset.About[PrunerKind]{
		Name:    func(k PrunerKind) string { return k.Name },
		Options: func(k PrunerKind) []space.Option { return k.Options },
		Built:   func(k PrunerKind) bool { return k.New != nil },
	})}
}

// New builds the pruner the space file names ("" is none), the kind's defaults filled in for
// absent options (as the parser does); an unknown kind or an invalid option is an error.
func (r *Pruners) New(p space.Pruner, obj space.Objective) (goptuna.Pruner, error) {
	name := p.Kind
	if name == "" {
		name = "none"
	}
	k, ok := r.Lookup(name)
	if !ok {
		return nil, fmt.Errorf("search: unknown pruner %q (known: %s)", name, strings.Join(r.Names(), ", "))
	}
	if err := kindset.Check("search: pruner", name, k.Options, p.Options); err != nil {
		return nil, err
	}
	opts := maps.Clone(p.Options)
	for _, o := range k.Options {
		if _, ok := opts[o.Name]; !ok && o.Default != 0 {
			if opts == nil {
				opts = map[string]float64{}
			}
			opts[o.Name] = o.Default
		}
	}
	var goals []record.Goal
	if obj.Listed() {
		goals = obj.Goals()
	}
	pr, err := k.New(opts, goals)
	if err != nil {
		return nil, fmt.Errorf("search: %s pruner: %w", name, err)
	}
	return pr, nil
}

// BuiltinPruners returns a registry holding the pruner kinds of attnsearch, one registration
// line each.
func BuiltinPruners() *Pruners {
	r := NewPruners()
	r.Register(pruneNone)
	r.Register(pruneMedian)
	r.Register(prunePercentile)
	r.Register(pruneHalving)
	return r
}

// newPruner builds the pruner the space file names with the built-in kinds.
func newPruner(p space.Pruner, obj space.Objective) (goptuna.Pruner, error) {
	return BuiltinPruners().New(p, obj)
}

// The options of the built-in pruners: counts of trials and epochs.
var (
	optStartupTrials = space.Option{Name: "startup_trials", Int: true, Max: 1e6, Default: 5} // trials before pruning starts
	optWarmupSteps   = space.Option{Name: "warmup_steps", Int: true, Max: 1e6}               // epochs before a trial can be pruned
)

// pruneNone never prunes.
var pruneNone = PrunerKind{
	Name: "none",
	New:  func(map[string]float64, []record.Goal) (goptuna.Pruner, error) { return nil, nil },
}

// pruneMedian is goptuna's median stopping rule.
var pruneMedian = PrunerKind{
	Name:    "median",
	Options: []space.Option{optStartupTrials, optWarmupSteps},
	New: func(opts map[string]float64, _ []record.Goal) (goptuna.Pruner, error) {
		return percentilePruner(50, opts)
	},
}

// prunePercentile is goptuna's percentile rule: a trial below the given percentile of the
// others at the same step is pruned.
var prunePercentile = PrunerKind{
	Name: "percentile",
	Options: []space.Option{optStartupTrials, optWarmupSteps,
		{Name: "percentile", Min: 0, MinOpen: true, Max: 100, MaxOpen: true, Default: 50}},
	New: func(opts map[string]float64, _ []record.Goal) (goptuna.Pruner, error) {
		return percentilePruner(opts["percentile"], opts)
	},
}

// percentilePruner builds goptuna's medianstopping pruner at percentile q.
func percentilePruner(q float64, opts map[string]float64) (goptuna.Pruner, error) {
	p, err := medianstopping.NewPercentilePruner(q)
	if err != nil {
		return nil, err
	}
	p.NStartUpTrials = int(opts["startup_trials"])
	p.NWarmUpSteps = int(opts["warmup_steps"])
	return p, nil
}

// pruneHalving is successive halving (successiveHalving: Optuna's algorithm); with several goals
// it compares objective vectors (paretoHalving).
var pruneHalving = PrunerKind{
	Name: "successive_halving",
	Options: []space.Option{
		{Name: "min_resource", Int: true, Min: 1, Max: 1e6, Default: 1},     // epochs before the first rung
		{Name: "reduction_factor", Int: true, Min: 2, Max: 1e6, Default: 3}, // η
		{Name: "min_early_stopping_rate", Int: true, Max: 1e6},              // s
	},
	New: func(opts map[string]float64, goals []record.Goal) (goptuna.Pruner, error) {
		p := &successiveHalving{minResource: int(opts["min_resource"]), reductionFactor: int(opts["reduction_factor"]),
			minEarlyStoppingRate: int(opts["min_early_stopping_rate"])}
		if len(goals) > 1 {
			return &paretoHalving{successiveHalving: *p, goals: goals}, nil
		}
		return p, nil
	},
}
