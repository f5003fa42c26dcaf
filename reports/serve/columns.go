package serve

import (
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/c-bata/goptuna"
)

// columns is what the importances and the parameters' categories read of a study's trials, for
// a list of parameter names: a trial's maps are read once per version, and a version goes on
// from what an earlier one read of the finished trials they share (colCarry).
type columns struct {
	texts  []map[string]bool // per name: every text value seen, true when it is not a number
	ys     []float64         // the first goal of each COMPLETE feasible trial where it is finite
	params [][]any           // the parameters (per name) of those trials, in the same order
}

// colCarry is columns of the trials before k, for names: a later version whose first k trials
// are the same goes on from there.
type colCarry struct {
	k     int
	names string
	cols  columns
}

// columns returns the study's columns for names, computed once per version and names.
func (s *study) columns(names []string) columns {
	key := strings.Join(names, "\x00")
	s.colsMu.Lock()
	defer s.colsMu.Unlock()
	if c, ok := s.cols[key]; ok {
		return c
	}
	var c columns
	from := 0
	if old := s.colFrom; old != nil && old.names == key && old.k <= len(s.Trials) {
		from, c = old.k, old.cols
		c.texts = make([]map[string]bool, len(names))
		for j := range names {
			c.texts[j] = maps.Clone(old.cols.texts[j])
		}
	} else {
		c.texts = make([]map[string]bool, len(names))
		for j := range names {
			c.texts[j] = map[string]bool{}
		}
	}
	keep := 0 // the trials before it are the same in the study's next versions
	if s.kept != nil {
		keep = len(s.kept.trials)
	}
	for i := from; i <= len(s.Trials); i++ {
		if i == keep && len(s.Goals) > 0 {
			s.colCarry.Store(&colCarry{k: i, names: key, cols: columns{texts: c.texts,
				ys: slices.Clip(c.ys), params: slices.Clip(c.params)}}) // clipped: appends below copy
			if i < len(s.Trials) { // the carry's maps stay as they are: go on with copies
				for j := range c.texts {
					c.texts[j] = maps.Clone(c.texts[j])
				}
			}
		}
		if i == len(s.Trials) {
			break
		}
		t := s.Trials[i]
		row := make([]any, len(names))
		for j, n := range names {
			row[j] = t.Params[n]
			if v, ok := row[j].(string); ok {
				if _, seen := c.texts[j][v]; !seen {
					_, err := strconv.ParseFloat(v, 64)
					c.texts[j][v] = err != nil
				}
			}
		}
		if len(s.Goals) == 0 {
			continue
		}
		if y, ok := t.Metrics[s.Goals[0]]; ok && finite(y) && t.State == goptuna.TrialStateComplete && t.Feasible {
			c.ys = append(c.ys, y)
			c.params = append(c.params, row)
		}
	}
	if s.cols == nil {
		s.cols = map[string]columns{}
	}
	s.cols[key] = c
	return c
}
