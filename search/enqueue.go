package search

import (
	"fmt"
	"strconv"

	"github.com/attnsearch/attnsearch/space"
	"github.com/c-bata/goptuna"
)

// startParams is the space's start point (each parameter's declared default, else its central
// value: space.Param.Start) in goptuna's internal representation, as suggest draws each kind: the
// value for numeric ranges (integer log ranges are drawn as floats) and the choice's index for
// a categorical. Fixed parameters are not drawn and are left out.
func startParams(spec *space.Spec) (map[string]float64, error) {
	out := map[string]float64{}
	for _, p := range spec.Params {
		switch p.Kind {
		case space.KindFixed:
			continue
		case space.KindCategorical:
			v, _ := p.Start()
			idx := 0 // a list of words has no default: its first choice
			for i, c := range p.Choices {
				if f, err := strconv.ParseFloat(c, 64); err == nil && f == v {
					idx = i
					break
				}
			}
			out[p.Name] = float64(idx)
		case space.KindInt, space.KindFloat:
			v, _ := p.Start()
			out[p.Name] = v
		default:
			return nil, fmt.Errorf("search: start point: %s of unknown kind %q", p.Name, p.Kind)
		}
	}
	return out, nil
}

// enqueueStart enqueues the start point as a WAITING trial (goptuna's fixed parameters): the
// next trial to be claimed, trained like any other and then part of the sampler's history.
func enqueueStart(study *goptuna.Study, spec *space.Spec) error {
	params, err := startParams(spec)
	if err != nil {
		return err
	}
	if err := study.EnqueueTrial(params); err != nil {
		return fmt.Errorf("search: enqueue the start point: %w", err)
	}
	return nil
}
