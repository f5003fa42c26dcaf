package kindset

import (
	"fmt"
	"maps"
	"slices"

	"github.com/attnsearch/attnsearch/space"
)

// Set holds the kinds of one registry by name, in registration order.
type Set[K any] struct {
	what  string // what the kinds are, for messages ("sampler", "pruner")
	about About[K]
	kinds map[string]K
	order []string
}

// About is what a Set needs to know of its kinds.
type About[K any] struct {
	Name    func(K) string         // the kind's name
	Options func(K) []space.Option // the options it declares
	Built   func(K) bool           // whether it has its constructor
}

// New returns an empty set of kinds of what.
func New[K any](what string, about About[K]) *Set[K] {
	return &Set[K]{what: what, about: about, kinds: map[string]K{}}
}

// Register adds k; registering a name twice, or a kind without its constructor, is a
// programming error and panics.
func (s *Set[K]) Register(k K) {
	name := s.about.Name(k)
	if _, dup := s.kinds[name]; dup {
		panic(fmt.Sprintf("%s: kind %q registered twice", s.what, name))
	}
	if !s.about.Built(k) {
		panic(fmt.Sprintf("%s: kind %q has no constructor", s.what, name))
	}
	s.kinds[name] = k
	s.order = append(s.order, name)
}

// Lookup returns the kind called name.
func (s *Set[K]) Lookup(name string) (K, bool) {
	k, ok := s.kinds[name]
	return k, ok
}

// KindOptions returns the options of the kind called name (space.Registry).
func (s *Set[K]) KindOptions(name string) ([]space.Option, bool) {
	k, ok := s.kinds[name]
	if !ok {
		return nil, false
	}
	return s.about.Options(k), true
}

// Names lists the kinds in registration order.
func (s *Set[K]) Names() []string { return slices.Clone(s.order) }

// Check validates the options opts given to kind against the options it declares: each must be
// declared and within its bounds; absent ones are fine.
func Check(what, kind string, options []space.Option, opts map[string]float64) error {
	for _, key := range slices.Sorted(maps.Keys(opts)) {
		i := slices.IndexFunc(options, func(o space.Option) bool { return o.Name == key })
		if i < 0 {
			return fmt.Errorf("%s %s: unknown option %q", what, kind, key)
		}
		if err := options[i].Check(opts[key]); err != nil {
			return fmt.Errorf("%s %s: %s: %w", what, kind, key, err)
		}
	}
	return nil
}
