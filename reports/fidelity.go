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

// Supernet reports whether trials hold inherited-weight trials (a supernet study's search phase).
func Supernet(trials []goptuna.FrozenTrial) bool {
	for _, t := range trials {
		if t.UserAttrs[record.KeyFidelity] == record.FidelityInherited {
			return true
		}
	}
	return false
}

// OfFidelity returns the stored trials whose fidelity is fidelity ("all": every trial).
func OfFidelity(trials []goptuna.FrozenTrial, fidelity string) []goptuna.FrozenTrial {
	if fidelity == "all" {
		return trials
	}
	var keep []goptuna.FrozenTrial
	for _, t := range trials {
		if t.UserAttrs[record.KeyFidelity] == fidelity {
			keep = append(keep, t)
		}
	}
	return keep
}
