package reports

import (
	"github.com/attnsearch/attnsearch/record"
	"github.com/c-bata/goptuna"
)

// Fidelities are the accepted values of LoadFidelity's fidelity: "" (the study's own choice:
// the retrained trials of a supernet study, every trial otherwise), and the explicit ones.
func Fidelities() []string {
	return []string{record.FidelityRetrained, record.FidelityInherited, "all"}
}

// LoadFidelity is Load over the trials of one fidelity: record.FidelityInherited (a supernet
// study's search phase), record.FidelityRetrained (its retrain phase), "all", or "" for the
// study's own choice (the retrained trials when the study has inherited ones, else all).
func LoadFidelity(st goptuna.Storage, study, fidelity string) (*Report, error) {
	return LoadWith(st, study, LoadOptions{Fidelity: fidelity})
}

// ofFidelity keeps the trials of fidelity (see LoadFidelity), in place.
func ofFidelity(trials []record.Trial, fidelity string) []record.Trial {
	if fidelity == "all" {
		return trials
	}
	if fidelity == "" {
		supernet := false
		for _, t := range trials {
			supernet = supernet || t.Fidelity == record.FidelityInherited
		}
		if !supernet {
			return trials
		}
		fidelity = record.FidelityRetrained
	}
	keep := trials[:0]
	for _, t := range trials {
		if t.Fidelity == fidelity {
			keep = append(keep, t)
		}
	}
	return keep
}

// Supernet reports whether r holds inherited-weight trials (a supernet study's search phase).
func (r *Report) Supernet() bool {
	for _, t := range r.Trials {
		if t.Fidelity == record.FidelityInherited {
			return true
		}
	}
	return false
}

// Phase returns the report of r's trials of one fidelity (record.FidelityInherited: a supernet
// study's search phase, record.FidelityRetrained: its retrain phase), built from r's decoded
// trials, with the phase's own front, hypervolume and attempts.
func (r *Report) Phase(fidelity string) (*Report, error) {
	var ts []record.Trial
	for _, t := range r.Trials {
		if t.Fidelity == fidelity {
			t.Pareto, t.Attempt = false, 0
			ts = append(ts, t)
		}
	}
	return BuildTrials(r.Study, r.Info, ts)
}
