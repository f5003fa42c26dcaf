package search

import (
	"fmt"
	"math"

	"github.com/attnsearch/attnsearch/space"
	"github.com/c-bata/goptuna"
)

// suggest draws p's value through the trial's Suggest* calls, typed as space.Point holds it.
// Integer log ranges use goptuna's log-uniform float distribution on [low-0.5, high+0.5], rounded
// to the nearest integer (goptuna v0.9.0 has no log-int distribution); the trial's stored
// parameter is then that continuous draw.
func suggest(t *goptuna.Trial, p space.Param) (any, error) {
	switch p.Kind {
	case space.KindFixed:
		return p.Fixed(), nil
	case space.KindCategorical:
		return t.SuggestCategorical(p.Name, p.Choices)
	case space.KindInt:
		switch {
		case p.Log:
			f, err := t.SuggestLogFloat(p.Name, p.Low-0.5, p.High+0.5)
			if err != nil {
				return nil, err
			}
			return int64(math.Min(p.High, math.Max(p.Low, math.Round(f)))), nil
		case p.Step > 1:
			v, err := t.SuggestStepInt(p.Name, int(p.Low), int(p.High), int(p.Step))
			return int64(v), err
		default:
			v, err := t.SuggestInt(p.Name, int(p.Low), int(p.High))
			return int64(v), err
		}
	case space.KindFloat:
		switch {
		case p.Log:
			return t.SuggestLogFloat(p.Name, p.Low, p.High)
		case p.Step > 0:
			return t.SuggestDiscreteFloat(p.Name, p.Low, p.High, p.Step)
		default:
			return t.SuggestFloat(p.Name, p.Low, p.High)
		}
	}
	return nil, fmt.Errorf("unknown kind %q", p.Kind)
}

// sampleParams draws one point through the trial: the declared parameters in file order.
func sampleParams(spec *space.Spec, t *goptuna.Trial) (space.Point, error) {
	pt := make(space.Point, len(spec.Params))
	for _, p := range spec.Params {
		v, err := suggest(t, p)
		if err != nil {
			return nil, fmt.Errorf("search: sample %s: %w", p.Name, err)
		}
		pt[p.Name] = v
	}
	return pt, nil
}

// samplePoint draws one point through the trial (sampleParams) and resolves its typed Config
// (structural repair; an unrepairable point wraps space.ErrStructural).
func samplePoint(spec *space.Spec, t *goptuna.Trial) (space.Point, space.Config, error) {
	pt, err := sampleParams(spec, t)
	if err != nil {
		return nil, space.Config{}, err
	}
	cfg, err := spec.Resolve(pt)
	if err != nil {
		return pt, space.Config{}, err
	}
	return pt, cfg, nil
}
