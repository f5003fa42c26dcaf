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
	kinds map[string]K
	order []string
}

// New returns an empty set of kinds of what.
func New[K any](what string) *Set[K] { return &Set[K]{what: what, kinds: map[string]K{}} }

// Add adds k under name; adding a name twice is a programming error and panics.
func (s *Set[K]) Add(name string, k K) {
	if _, dup := s.kinds[name]; dup {
		panic(fmt.Sprintf("%s: kind %q registered twice", s.what, name))
	}
	s.kinds[name] = k
	s.order = append(s.order, name)
}

// Lookup returns the kind called name.
func (s *Set[K]) Lookup(name string) (K, bool) {
	k, ok := s.kinds[name]
	return k, ok
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
