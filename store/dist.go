package store

import (
	"encoding/json"
	"fmt"
	"maps"
	"math"
	"slices"
	"sync"

	"github.com/c-bata/goptuna"
)

// DistCache decodes goptuna distribution JSON once per distinct text; the zero value is ready to use.
type DistCache struct {
	mu sync.RWMutex
	m  map[string]any
}

// maxDistCache bounds the number of cached distributions.
const maxDistCache = 4096

// Get returns a fresh copy of the distribution encoded by js.
func (c *DistCache) Get(js string) (any, error) {
	c.mu.RLock()
	d, ok := c.m[js]
	c.mu.RUnlock()
	if !ok {
		var err error
		d, err = goptuna.JSONToDistribution([]byte(js))
		if err != nil {
			return nil, fmt.Errorf("distribution %s: %w", js, err)
		}
		c.mu.Lock()
		if c.m == nil {
			c.m = make(map[string]any)
		}
		if len(c.m) < maxDistCache {
			c.m[js] = d
		}
		c.mu.Unlock()
	}
	return CopyDist(d), nil
}

// Param is one stored parameter of a trial, as both back ends hold it.
type Param struct {
	Name     string
	Internal float64 // goptuna's internal representation
	Dist     string  // goptuna's distribution JSON
}

// Frozen completes head (a stored trial's ID, StudyID, Number, State, Value, times and its own
// IntermediateValues) into a goptuna.FrozenTrial with params decoded and copies of the user and
// system attributes: it shares no memory with params, user or system.
func (c *DistCache) Frozen(head goptuna.FrozenTrial, params []Param, user, system map[string]string) (goptuna.FrozenTrial, error) {
	ft := head
	ft.InternalParams = make(map[string]float64, len(params))
	ft.Params = make(map[string]interface{}, len(params))
	ft.Distributions = make(map[string]interface{}, len(params))
	ft.UserAttrs = make(map[string]string, len(user))
	ft.SystemAttrs = make(map[string]string, len(system))
	for _, p := range params {
		if err := c.AddParam(&ft, p.Name, p.Internal, p.Dist); err != nil {
			return goptuna.FrozenTrial{}, err
		}
	}
	maps.Copy(ft.UserAttrs, user)
	maps.Copy(ft.SystemAttrs, system)
	return ft, nil
}

// AddParam decodes one stored parameter of ft (its internal value and distribution JSON) into
// ft's InternalParams, Params and Distributions, which must be allocated.
func (c *DistCache) AddParam(ft *goptuna.FrozenTrial, name string, internal float64, dist string) error {
	d, err := c.Get(dist)
	if err != nil {
		return fmt.Errorf("trial %d param %q: %w", ft.ID, name, err)
	}
	x, err := ExternalOf(d, internal)
	if err != nil {
		return fmt.Errorf("trial %d param %q: %w", ft.ID, name, err)
	}
	ft.InternalParams[name] = internal
	ft.Params[name] = x
	ft.Distributions[name] = d
	return nil
}

// ExportParam is the export of a stored parameter: its internal value, the value its
// distribution (dist, JSON) gives it, and the distribution.
func (c *DistCache) ExportParam(internal float64, dist string) (ExportParam, error) {
	d, err := c.Get(dist)
	if err != nil {
		return ExportParam{}, err
	}
	x, err := ExternalOf(d, internal)
	if err != nil {
		return ExportParam{}, err
	}
	return ExportParam{Internal: Float(internal), External: x, Distribution: json.RawMessage(dist)}, nil
}

// ExportParams is the export of trial trialID's stored params (see ExportParam), by name.
func (c *DistCache) ExportParams(trialID int, params []Param) (map[string]ExportParam, error) {
	out := make(map[string]ExportParam, len(params))
	for _, p := range params {
		ep, err := c.ExportParam(p.Internal, p.Dist)
		if err != nil {
			return nil, fmt.Errorf("trial %d param %q: %w", trialID, p.Name, err)
		}
		out[p.Name] = ep
	}
	return out, nil
}

// CopyDist returns a distribution sharing no memory with d.
func CopyDist(d any) any {
	if c, ok := d.(goptuna.CategoricalDistribution); ok {
		c.Choices = slices.Clone(c.Choices)
		return c
	}
	return d
}

// ExternalOf is goptuna.ToExternalRepresentation without its panic on a categorical index out of range.
func ExternalOf(d any, ir float64) (any, error) {
	if c, ok := d.(goptuna.CategoricalDistribution); ok {
		if ir != math.Trunc(ir) || ir < 0 || int(ir) >= len(c.Choices) {
			return nil, fmt.Errorf("categorical index %v outside [0, %d)", ir, len(c.Choices))
		}
	}
	return goptuna.ToExternalRepresentation(d, ir)
}
