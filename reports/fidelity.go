package reports

import (
	"fmt"

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
	rep, err := Load(st, study)
	if err != nil || fidelity == "all" {
		return rep, err
	}
	supernet := false
	for _, t := range rep.Trials {
		supernet = supernet || t.Fidelity == record.FidelityInherited
	}
	if fidelity == "" {
		if !supernet {
			return rep, nil
		}
		fidelity = record.FidelityRetrained
	}
	id, err := st.GetStudyIDFromName(study)
	if err != nil {
		return nil, fmt.Errorf("reports: study %q: %w", study, err)
	}
	trials, err := st.GetAllTrials(id)
	if err != nil {
		return nil, fmt.Errorf("reports: study %q trials: %w", study, err)
	}
	var keep []goptuna.FrozenTrial
	for _, t := range trials {
		if t.UserAttrs[record.KeyFidelity] == fidelity {
			keep = append(keep, t)
		}
	}
	return Build(study, rep.Info, keep)
}
