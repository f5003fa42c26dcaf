package sampler

import (
	"fmt"

	"github.com/attnsearch/attnsearch/search/internal/kindset"
	"github.com/attnsearch/attnsearch/space"
	"github.com/c-bata/goptuna"
)

// Option describes one numeric option of a sampler kind as a space file gives it; it is the
// parser's space.Option, so that space validates options without importing this package.
type Option = space.Option

// Algorithm draws the points of one study.
type Algorithm interface {
	// Sample draws one parameter of trial independently of the others; seed is the per-point
	// seed of this parameter and view the study without FAIL trials.
	Sample(view *goptuna.Study, trial goptuna.FrozenTrial, name string, dist interface{}, seed int64) (float64, error)
	// SampleRelative draws the parameters of space jointly for the point with the given ordinal,
	// or returns nil to leave every parameter to Sample.
	SampleRelative(view *goptuna.Study, trial goptuna.FrozenTrial, space map[string]interface{}, ordinal int, seed int64) (map[string]float64, error)
}

// Kind is one registered sampler kind.
type Kind struct {
	Name     string   // kind as written in a space file (study.sampler.kind)
	Options  []Option // options the kind accepts
	Relative bool     // samples jointly: search declares the space's distributions up front and calls SampleRelative
	// New builds the algorithm of one study from the study seed and the options the file gives
	// (validated against Options; absent options are absent from the map).
	New func(studySeed int64, opts map[string]float64) (Algorithm, error)
}

// Option returns the kind's option called name.
func (k Kind) Option(name string) (Option, bool) {
	for _, o := range k.Options {
		if o.Name == name {
			return o, true
		}
	}
	return Option{}, false
}

// Registry holds sampler kinds by name (Register, Lookup, Names and KindOptions come from
// kindset.Set: registering a name twice, or a kind without New, panics).
type Registry struct {
	*kindset.Set[Kind]
}

var _ space.Registry = (*Registry)(nil)

// NewRegistry returns an empty registry.
func NewRegistry() *Registry {
	return &Registry{kindset.New("sampler", kindset.About[Kind]{
		Name:    func(k Kind) string { return k.Name },
		Options: func(k Kind) []Option { return k.Options },
		Built:   func(k Kind) bool { return k.New != nil },
	})}
}

// New builds the algorithm of kind name; an unknown kind or an invalid option is an error.
func (r *Registry) New(name string, studySeed int64, opts map[string]float64) (Algorithm, Kind, error) {
	k, ok := r.Lookup(name)
	if !ok {
		return nil, Kind{}, fmt.Errorf("sampler: unknown kind %q (known: %v)", name, r.Names())
	}
	if err := kindset.Check("sampler", name, k.Options, opts); err != nil {
		return nil, k, err
	}
	a, err := k.New(studySeed, opts)
	if err != nil {
		return nil, k, fmt.Errorf("sampler %s: %w", name, err)
	}
	return a, k, nil
}

// Builtin returns a registry holding the sampler kinds of attnsearch, one registration line each.
func Builtin() *Registry {
	r := NewRegistry()
	r.Register(TPE)
	r.Register(CMAES)
	r.Register(Random)
	r.Register(Sobol)
	r.Register(MOTPE)
	r.Register(NSGA2)
	r.Register(Auto)
	return r
}
