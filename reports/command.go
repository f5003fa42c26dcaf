package reports

// commandColumns are a command study's figure columns: its goals, then its constraints.
func (r *Report) commandColumns() []string {
	return append(append([]string(nil), r.Objectives...), r.Info.Objective.Constraints...)
}
