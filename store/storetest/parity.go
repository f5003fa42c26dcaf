package storetest

import (
	"fmt"
	"reflect"
	"testing"

	"github.com/attnsearch/attnsearch/store"
	"github.com/c-bata/goptuna"
)

// penv is one storage under a parity scenario.
type penv struct {
	s     goptuna.Storage
	study int
	ids   []int // trial IDs in creation order
}

// pstep is one call of a scenario; it returns a storage-independent result.
type pstep struct {
	name string
	do   func(e *penv) (any, error)
}

// Distributions used by the parity scenarios, one of each goptuna kind.
func parityDists() map[string]struct {
	d  any
	ir float64
} {
	return map[string]struct {
		d  any
		ir float64
	}{
		"uniform":  {goptuna.UniformDistribution{Low: -1, High: 1}, 0.25},
		"log":      {goptuna.LogUniformDistribution{Low: 1e-5, High: 1}, 3e-4},
		"int":      {goptuna.IntUniformDistribution{Low: 1, High: 8}, 5},
		"stepint":  {goptuna.StepIntUniformDistribution{Low: 64, High: 512, Step: 64}, 256},
		"discrete": {goptuna.DiscreteUniformDistribution{Low: 0, High: 0.5, Q: 0.1}, 0.3},
		"cat":      {goptuna.CategoricalDistribution{Choices: []string{"rope", "sinusoidal", "learned"}}, 2},
	}
}

func newTrialStep() pstep {
	return pstep{"CreateNewTrial", func(e *penv) (any, error) {
		id, err := e.s.CreateNewTrial(e.study)
		if err == nil {
			e.ids = append(e.ids, id)
		}
		return nil, err
	}}
}

func getTrialStep(i int) pstep {
	return pstep{fmt.Sprintf("GetTrial(%d)", i), func(e *penv) (any, error) {
		ft, err := e.s.GetTrial(e.ids[i])
		return normTrial(ft), err
	}}
}

func allTrials() pstep {
	return pstep{"GetAllTrials", func(e *penv) (any, error) {
		fts, err := e.s.GetAllTrials(e.study)
		return normTrials(fts), err
	}}
}

func setState(i int, st goptuna.TrialState) pstep {
	return pstep{fmt.Sprintf("SetTrialState(%d,%v)", i, st), func(e *penv) (any, error) {
		return nil, e.s.SetTrialState(e.ids[i], st)
	}}
}

func setValue(i int, v float64) pstep {
	return pstep{fmt.Sprintf("SetTrialValue(%d,%v)", i, v), func(e *penv) (any, error) {
		return nil, e.s.SetTrialValue(e.ids[i], v)
	}}
}

func setIV(i, st int, v float64) pstep {
	return pstep{fmt.Sprintf("SetTrialIntermediateValue(%d,%d)", i, st), func(e *penv) (any, error) {
		return nil, e.s.SetTrialIntermediateValue(e.ids[i], st, v)
	}}
}

func best() pstep {
	return pstep{"GetBestTrial", func(e *penv) (any, error) {
		ft, err := e.s.GetBestTrial(e.study)
		return normTrial(ft), err
	}}
}

func direction(d goptuna.StudyDirection) pstep {
	return pstep{"SetStudyDirection", func(e *penv) (any, error) { return nil, e.s.SetStudyDirection(e.study, d) }}
}

func complete(i int, v float64) []pstep {
	return []pstep{setValue(i, v), setState(i, goptuna.TrialStateComplete)}
}

// scenario concatenates steps and step lists.
func scenario(parts ...any) []pstep {
	var out []pstep
	for _, p := range parts {
		switch p := p.(type) {
		case pstep:
			out = append(out, p)
		case []pstep:
			out = append(out, p...)
		default:
			panic(fmt.Sprintf("scenario part %T", p))
		}
	}
	return out
}

// parityWithInMemory runs the same calls on goptuna's InMemoryStorage and on the storage under
// test and requires identical results (after blanking IDs and exact times) wherever
// InMemoryStorage is right.
func parityWithInMemory(t *testing.T, open Opener) {
	dists := parityDists()
	setAllParams := pstep{"SetTrialParam(all kinds)", func(e *penv) (any, error) {
		for _, name := range []string{"uniform", "log", "int", "stepint", "discrete", "cat"} {
			if err := e.s.SetTrialParam(e.ids[0], name, dists[name].ir, dists[name].d); err != nil {
				return nil, err
			}
		}
		return nil, nil
	}}
	cases := []struct {
		name  string
		steps []pstep
	}{
		{"params of every distribution kind", scenario(newTrialStep(), setAllParams, getTrialStep(0),
			pstep{"GetTrialParams", func(e *penv) (any, error) { return e.s.GetTrialParams(e.ids[0]) }},
			pstep{"GetTrialParam(stepint)", func(e *penv) (any, error) { return e.s.GetTrialParam(e.ids[0], "stepint") }},
			pstep{"GetTrialParam(missing)", func(e *penv) (any, error) { _, err := e.s.GetTrialParam(e.ids[0], "nope"); return nil, err }},
			pstep{"SetTrialParam(overwrite)", func(e *penv) (any, error) {
				return nil, e.s.SetTrialParam(e.ids[0], "int", 7, goptuna.IntUniformDistribution{Low: 1, High: 8})
			}},
			getTrialStep(0),
			pstep{"SetTrialParam(unknown distribution)", func(e *penv) (any, error) { return nil, e.s.SetTrialParam(e.ids[0], "x", 1, 42) }},
		)},
		{"values and intermediate values", scenario(newTrialStep(), setIV(0, 0, 0.9), setIV(0, 3, 0.5), setIV(0, 1, 0.7),
			setIV(0, 3, 0.1), setValue(0, 0.5), getTrialStep(0), setState(0, goptuna.TrialStatePruned), getTrialStep(0))},
		{"a finished trial is immutable", scenario(newTrialStep(), complete(0, 1.5),
			setValue(0, 2), setIV(0, 1, 2), setState(0, goptuna.TrialStateFail), setState(0, goptuna.TrialStateComplete),
			pstep{"SetTrialParam", func(e *penv) (any, error) {
				return nil, e.s.SetTrialParam(e.ids[0], "uniform", 0, goptuna.UniformDistribution{Low: -1, High: 1})
			}},
			pstep{"SetTrialUserAttr", func(e *penv) (any, error) { return nil, e.s.SetTrialUserAttr(e.ids[0], "k", "v") }},
			pstep{"SetTrialSystemAttr", func(e *penv) (any, error) { return nil, e.s.SetTrialSystemAttr(e.ids[0], "k", "v") }},
			getTrialStep(0))},
		{"trial and study attributes", scenario(newTrialStep(),
			pstep{"set trial attrs", func(e *penv) (any, error) {
				for _, kv := range [][3]string{{"u", "a", "1"}, {"u", "a", "2"}, {"u", "", "empty key"}, {"s", "reason", "ünïcødé\n"}} {
					var err error
					if kv[0] == "u" {
						err = e.s.SetTrialUserAttr(e.ids[0], kv[1], kv[2])
					} else {
						err = e.s.SetTrialSystemAttr(e.ids[0], kv[1], kv[2])
					}
					if err != nil {
						return nil, err
					}
				}
				return nil, nil
			}},
			pstep{"GetTrialUserAttrs", func(e *penv) (any, error) { return e.s.GetTrialUserAttrs(e.ids[0]) }},
			pstep{"GetTrialSystemAttrs", func(e *penv) (any, error) { return e.s.GetTrialSystemAttrs(e.ids[0]) }},
			pstep{"set study attrs", func(e *penv) (any, error) {
				if err := e.s.SetStudyUserAttr(e.study, "dataset", "synthetic"); err != nil {
					return nil, err
				}
				if err := e.s.SetStudyUserAttr(e.study, "dataset", "copy"); err != nil {
					return nil, err
				}
				return nil, e.s.SetStudySystemAttr(e.study, "seed", "7")
			}},
			pstep{"GetStudyUserAttrs", func(e *penv) (any, error) { return e.s.GetStudyUserAttrs(e.study) }},
			pstep{"GetStudySystemAttrs", func(e *penv) (any, error) { return e.s.GetStudySystemAttrs(e.study) }},
		)},
		{"best trial minimize", scenario(best(), newTrialStep(), newTrialStep(), newTrialStep(), newTrialStep(), complete(0, 3), complete(1, -2),
			setValue(2, -9), setState(2, goptuna.TrialStatePruned), setState(3, goptuna.TrialStateFail), best())},
		{"best trial maximize", scenario(direction(goptuna.StudyDirectionMaximize), newTrialStep(), newTrialStep(), newTrialStep(),
			complete(0, 3), complete(1, 5), complete(2, 5), best(),
			pstep{"GetStudyDirection", func(e *penv) (any, error) { return e.s.GetStudyDirection(e.study) }})},
		{"best trial with none complete", scenario(newTrialStep(), setState(0, goptuna.TrialStateFail), best())},
		{"unknown IDs", scenario(newTrialStep(),
			pstep{"GetTrial(999)", func(e *penv) (any, error) { _, err := e.s.GetTrial(999); return nil, err }},
			pstep{"SetTrialValue(999)", func(e *penv) (any, error) { return nil, e.s.SetTrialValue(999, 1) }},
			pstep{"SetTrialState(999)", func(e *penv) (any, error) { return nil, e.s.SetTrialState(999, goptuna.TrialStateComplete) }},
			pstep{"GetTrialNumberFromID(999)", func(e *penv) (any, error) { _, err := e.s.GetTrialNumberFromID(999); return nil, err }},
			pstep{"GetTrialUserAttrs(999)", func(e *penv) (any, error) { _, err := e.s.GetTrialUserAttrs(999); return nil, err }},
			pstep{"GetStudyDirection(999)", func(e *penv) (any, error) { _, err := e.s.GetStudyDirection(999); return nil, err }},
			pstep{"GetBestTrial(999)", func(e *penv) (any, error) { _, err := e.s.GetBestTrial(999); return nil, err }},
			pstep{"CreateNewTrial(999)", func(e *penv) (any, error) { _, err := e.s.CreateNewTrial(999); return nil, err }},
		)},
		{"numbers count from zero", scenario(newTrialStep(), newTrialStep(), newTrialStep(),
			pstep{"GetTrialNumberFromID", func(e *penv) (any, error) {
				var ns []int
				for _, id := range e.ids {
					n, err := e.s.GetTrialNumberFromID(id)
					if err != nil {
						return nil, err
					}
					ns = append(ns, n)
				}
				return ns, nil
			}}, allTrials())},
		{"clone a trial", scenario(newTrialStep(), setAllParams, setIV(0, 2, 0.25), complete(0, 0.125),
			pstep{"CloneTrial", func(e *penv) (any, error) {
				ft, err := e.s.GetTrial(e.ids[0])
				if err != nil {
					return nil, err
				}
				id, err := e.s.CloneTrial(e.study, ft)
				e.ids = append(e.ids, id)
				return nil, err
			}}, getTrialStep(1), allTrials())},
		{"study summaries", scenario(direction(goptuna.StudyDirectionMaximize), newTrialStep(), newTrialStep(), complete(0, 1), complete(1, 2),
			pstep{"GetAllStudySummaries", func(e *penv) (any, error) {
				sums, err := e.s.GetAllStudySummaries()
				type sum struct {
					Name         string
					Direction    goptuna.StudyDirection
					Best         goptuna.FrozenTrial
					UA, SA       map[string]string
					StartIsFirst bool
				}
				var out []sum
				for _, x := range sums {
					first, _ := e.s.GetTrial(e.ids[0])
					out = append(out, sum{x.Name, x.Direction, normTrial(x.BestTrial), x.UserAttrs, x.SystemAttrs, x.DatetimeStart.Equal(first.DatetimeStart)})
				}
				return out, err
			}},
			pstep{"GetStudyNameFromID", func(e *penv) (any, error) { return e.s.GetStudyNameFromID(e.study) }})},
		{"enqueued trials through Study.Optimize", scenario(pstep{"Optimize", func(e *penv) (any, error) {
			study, err := goptuna.LoadStudy("parity", goptuna.StudyOptionStorage(e.s), goptuna.StudyOptionLogger(nil),
				goptuna.StudyOptionSampler(goptuna.NewRandomSampler(goptuna.RandomSamplerOptionSeed(3))))
			if err != nil {
				return nil, err
			}
			for _, x := range []float64{0.5, -0.25} {
				if err := study.EnqueueTrial(map[string]float64{"x": x, "layers": 3}); err != nil {
					return nil, err
				}
			}
			return nil, study.Optimize(func(tr goptuna.Trial) (float64, error) {
				x, err := tr.SuggestFloat("x", -1, 1)
				if err != nil {
					return 0, err
				}
				l, err := tr.SuggestInt("layers", 1, 6)
				if err != nil {
					return 0, err
				}
				if err := tr.SetUserAttr("l", fmt.Sprint(l)); err != nil {
					return 0, err
				}
				return x*x + float64(l), nil
			}, 5)
		}}, allTrials(), best())},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			mem := &penv{s: goptuna.NewInMemoryStorage()}
			ours := &penv{s: open(t, store.Hooks{})}
			for _, e := range []*penv{mem, ours} {
				id, err := e.s.CreateNewStudy("parity")
				must(t, err)
				e.study = id
			}
			for i, st := range tc.steps {
				want, werr := st.do(mem)
				got, gerr := st.do(ours)
				if errClass(werr) != errClass(gerr) {
					t.Fatalf("step %d %s: error %q (%v), InMemory %q (%v)", i, st.name, errClass(gerr), gerr, errClass(werr), werr)
				}
				if !reflect.DeepEqual(got, want) {
					t.Fatalf("step %d %s:\n got  %#v\n want %#v", i, st.name, got, want)
				}
			}
		})
	}
}
