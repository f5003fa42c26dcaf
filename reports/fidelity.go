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
	info, trials, err := read(st, study)
	if err != nil {
		return nil, err
	}
	if fidelity == "" {
		fidelity = "all"
		for _, t := range trials {
			if t.UserAttrs[record.KeyFidelity] == record.FidelityInherited {
				fidelity = record.FidelityRetrained
				break
			}
		}
	}
	if fidelity != "all" {
		var keep []goptuna.FrozenTrial
		for _, t := range trials {
			if t.UserAttrs[record.KeyFidelity] == fidelity {
				keep = append(keep, t)
			}
		}
		trials = keep
	}
	return Build(study, info, trials)
}
