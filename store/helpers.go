package store

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"maps"

	"github.com/c-bata/goptuna"
)

// GeneratedStudyName returns a new random study name with goptuna's "no-name-" prefix, for a
// study created without one.
func GeneratedStudyName() (string, error) {
	var u [16]byte
	if _, err := rand.Read(u[:]); err != nil {
		return "", err
	}
	return goptuna.DefaultStudyNamePrefix + hex.EncodeToString(u[:]), nil
}

// ParamDistJSON returns the JSON of the distribution of ft's parameter name, as both back ends
// store it.
func ParamDistJSON(ft goptuna.FrozenTrial, name string) (string, error) {
	d, ok := ft.Distributions[name]
	if !ok {
		return "", fmt.Errorf("distribution of param %q is not found", name)
	}
	js, err := goptuna.DistributionToJSON(d)
	if err != nil {
		return "", fmt.Errorf("param %q: %w", name, err)
	}
	return string(js), nil
}

// CloneTrial returns a deep copy of ft (maps.Clone copies a map's table at once, much faster
// than inserting its entries one by one; only categorical distributions hold further memory).
func CloneTrial(ft goptuna.FrozenTrial) goptuna.FrozenTrial {
	c := ft
	c.IntermediateValues = cloneMap(ft.IntermediateValues)
	c.InternalParams = cloneMap(ft.InternalParams)
	c.Params = cloneMap(ft.Params)
	c.Distributions = cloneMap(ft.Distributions)
	for k, d := range c.Distributions {
		if _, ok := d.(goptuna.CategoricalDistribution); ok {
			c.Distributions[k] = CopyDist(d)
		}
	}
	c.UserAttrs = cloneMap(ft.UserAttrs)
	c.SystemAttrs = cloneMap(ft.SystemAttrs)
	return c
}

// cloneMap is maps.Clone that never returns nil (goptuna's trials always carry their maps).
func cloneMap[K comparable, V any](m map[K]V) map[K]V {
	if m == nil {
		return map[K]V{}
	}
	return maps.Clone(m)
}
