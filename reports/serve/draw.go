package serve

import (
	"cmp"
	"fmt"
	"html/template"
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/c-bata/goptuna"

	"github.com/attnsearch/attnsearch/objective/front"
	"github.com/attnsearch/attnsearch/record"
	"github.com/attnsearch/attnsearch/reports"
)

// drawing is what a study's page draws that does not depend on the request, computed once per version.
type drawing struct {
	Hypervolume  template.HTML
	HVNote       string
	History      template.HTML
	HistoryNote  string
	Curves       template.HTML
	CurvesNote   string
	Parallel     template.HTML
	ParallelNote string
	Importance   []importance
	vectors      []int // indices of trials with a full finite goal vector, COMPLETE and feasible
}

// importance is one parameter's importance.
type importance struct {
	Param string
	Value float64
	Width float64 // bar width in percent of the largest
}

// draw returns the study's drawing, computing it the first time.
func (s *study) draw() *drawing {
	s.drawOnce.Do(func() {
		d := &drawing{}
		for i, t := range s.Trials {
			if _, ok := s.vector(t); ok && t.State == goptuna.TrialStateComplete && t.Feasible {
				d.vectors = append(d.vectors, i)
			}
		}
		s.drawHypervolume(d)
		s.drawHistory(d)
		s.drawCurves(d)
		s.drawParallel(d)
		d.Importance = s.importances()
		s.drawn = d
	})
	return s.drawn
}

// href is the link prefix of a trial of the study.
func (s *study) href() string { return "/study/" + pathEscape(s.Name) + "/trial/" }

// hvPoints is the number of checkpoints of the hypervolume-over-trials line.
const hvPoints = 200

// drawHypervolume plots the hypervolume of the front of the trials completed so far, by trial
// number, at up to hvPoints evenly spaced checkpoints (the front is kept up to date trial by
// trial; its hypervolume is computed at a checkpoint when it changed).
func (s *study) drawHypervolume(d *drawing) {
	c := &chart{ID: "hypervolume", Title: "Hypervolume over trials", XLabel: "trial", YLabel: "hypervolume"}
	if s.Reference == nil {
		d.HVNote = "no hypervolume: the study declares no reference point"
		d.Hypervolume = c.SVG()
		return
	}
	ref := s.minimised(s.Reference)
	var cur [][]float64 // current front, minimised; never changed in place (a carry shares it)
	hv := 0.0
	dirty := false
	p := path{Class: "hv", N: -1}
	stride := max(1, len(s.Trials)/hvPoints)
	vi := 0
	from := 0
	if c := s.hvFrom; c != nil && c.stride == stride && slices.Equal(c.ref, ref) && c.k <= len(s.Trials) {
		from, vi, cur, hv, dirty, p.Pts = c.k, c.vi, c.cur, c.hv, c.dirty, slices.Clone(c.pts)
	}
	keep := 0 // the trials before it are the same in the study's next versions
	if s.kept != nil {
		keep = len(s.kept.trials)
	}
	for i := from; i <= len(s.Trials); i++ {
		if i == keep {
			s.hvCarry.Store(&hvCarry{k: i, stride: stride, ref: ref, vi: vi, cur: cur, hv: hv, dirty: dirty, pts: slices.Clone(p.Pts)})
		}
		if i == len(s.Trials) {
			break
		}
		t := s.Trials[i]
		if vi < len(d.vectors) && d.vectors[vi] == i {
			vi++
			v, _ := s.vector(t)
			m := s.minimised(v)
			dominated := false
			for _, f := range cur {
				if weaklyDominates(f, m) {
					dominated = true
					break
				}
			}
			if !dominated {
				next := [][]float64{m}
				for _, f := range cur {
					if !weaklyDominates(m, f) {
						next = append(next, f)
					}
				}
				cur, dirty = next, true
			}
		}
		if i%stride == 0 || i == len(s.Trials)-1 {
			if dirty {
				hv, dirty = front.HypervolumeMin(cur, ref), false
			}
			p.Pts = append(p.Pts, [2]float64{float64(t.Number), hv})
		}
	}
	c.Paths = []path{p}
	d.HVNote = fmt.Sprintf("reference %v; %d trials on the front now; %d checkpoints", s.Reference, len(s.Front), len(p.Pts))
	d.Hypervolume = c.SVG()
}

// hvCarry is where drawHypervolume stood before trial k of a version: a later version whose
// first k trials are the same (finished) goes on from there rather than from the first trial.
type hvCarry struct {
	k, stride, vi int
	ref           []float64
	cur           [][]float64
	hv            float64
	dirty         bool
	pts           [][2]float64
}

// weaklyDominates reports whether a is no worse than b in every component (minimised).
func weaklyDominates(a, b []float64) bool {
	for j := range a {
		if a[j] > b[j] {
			return false
		}
	}
	return true
}

// drawHistory plots the first goal of every finished trial by number, with the best so far.
func (s *study) drawHistory(d *drawing) {
	if len(s.Goals) == 0 {
		return
	}
	g := s.Goals[0]
	c := &chart{ID: "history", Title: "History: " + g + " by trial", XLabel: "trial", YLabel: g, Href: s.href()}
	var idx []int
	for i, t := range s.Trials {
		if v, ok := t.Metrics[g]; ok && finite(v) && (t.State == goptuna.TrialStateComplete || t.State == goptuna.TrialStatePruned) {
			idx = append(idx, i)
		}
	}
	maxi := s.Directions[0] == "maximize"
	best := math.NaN()
	bestPath := path{Class: "best", N: -1}
	improved := map[int]bool{}
	for k, i := range idx {
		t := s.Trials[i]
		v := t.Metrics[g]
		if t.State == goptuna.TrialStateComplete && t.Feasible && (math.IsNaN(best) || (maxi && v > best) || (!maxi && v < best)) {
			best = v
			improved[k] = true
			bestPath.Pts = append(bestPath.Pts, [2]float64{float64(t.Number), best})
		}
	}
	if len(idx) > 0 && !math.IsNaN(best) {
		bestPath.Pts = append(bestPath.Pts, [2]float64{float64(s.Trials[idx[len(idx)-1]].Number), best})
	}
	keep := thin(len(idx), maxPoints, func(k int) bool { return improved[k] })
	for _, k := range keep {
		t := s.Trials[idx[k]]
		c.Marks = append(c.Marks, mark{X: float64(t.Number), Y: t.Metrics[g], Class: "pt " + stateClass(t), N: t.Number,
			Title: fmt.Sprintf("trial %d: %s %s", t.Number, g, record.Display(t.Metrics[g]))})
	}
	c.Paths = []path{bestPath}
	d.HistoryNote = fmt.Sprintf("%d of %d finished trials drawn; the line is the best feasible so far", len(keep), len(idx))
	d.History = c.SVG()
}

// stateClass is the CSS class of a trial's state.
func stateClass(t record.Trial) string {
	switch {
	case t.Pareto:
		return "front"
	case t.State == goptuna.TrialStatePruned:
		return "pruned"
	case t.State == goptuna.TrialStateComplete && !t.Feasible:
		return "infeasible"
	case t.State == goptuna.TrialStateFail:
		return "fail"
	case t.State == goptuna.TrialStateRunning:
		return "running"
	}
	return "complete"
}

// curve returns a trial's per-epoch curve: its intermediate values by step.
func curve(t record.Trial) [][2]float64 {
	steps := make([]int, 0, len(t.Intermediate))
	for st := range t.Intermediate {
		steps = append(steps, st)
	}
	sort.Ints(steps)
	pts := make([][2]float64, 0, len(steps))
	for _, st := range steps {
		pts = append(pts, [2]float64{float64(st), t.Intermediate[st]})
	}
	return pts
}

// drawCurves plots the per-epoch curves (intermediate values) of the front's trials, the running
// ones and the latest others, up to maxCurves; pruned trials are drawn in their own colour.
func (s *study) drawCurves(d *drawing) {
	c := &chart{ID: "curves", Title: "Per-epoch curves (intermediate values)", XLabel: "epoch (step)", YLabel: "intermediate value"}
	with := 0
	var pick []int
	for i := len(s.Trials) - 1; i >= 0; i-- {
		t := s.Trials[i]
		if len(t.Intermediate) == 0 {
			continue
		}
		with++
		if t.Pareto || t.State == goptuna.TrialStateRunning || len(pick) < maxCurves {
			pick = append(pick, i)
		}
	}
	sort.Ints(pick)
	for _, i := range pick {
		t := s.Trials[i]
		c.Paths = append(c.Paths, path{Pts: curve(t), Class: "curve " + stateClass(t), N: t.Number})
	}
	d.CurvesNote = fmt.Sprintf("%d of %d trials with a curve drawn (the front, running trials and the latest); pruned trials in orange", len(pick), with)
	d.Curves = c.SVG()
}

// numeric returns a parameter value as a number: the number itself, or the index of a category among sorted choices.
func numeric(v any, cats map[string]float64) (float64, bool) {
	switch v := v.(type) {
	case string:
		if f, err := strconv.ParseFloat(v, 64); err == nil {
			return f, true
		}
		x, ok := cats[v]
		return x, ok
	case bool:
		if v {
			return 1, true
		}
		return 0, true
	}
	return record.Number(v)
}

// paramNames returns the parameter names of the study's trials, sorted.
func (s *study) paramNames() []string {
	if s.Rep != nil && len(s.Rep.Info.Searched) > 0 {
		return s.Rep.Info.Searched
	}
	seen := map[string]bool{}
	var out []string
	for _, t := range s.Trials {
		for k := range t.Params {
			if !seen[k] {
				seen[k] = true
				out = append(out, k)
			}
		}
	}
	sort.Strings(out)
	return out
}

// categories maps each parameter's non-numeric values to their sorted index (computed once per
// version and names).
func (s *study) categories(names []string) map[string]map[string]float64 {
	key := strings.Join(names, "\x00")
	s.catsMu.Lock() // not orderMu: a table order computes categories while it holds that
	defer s.catsMu.Unlock()
	if c, ok := s.cats[key]; ok {
		return c
	}
	out := map[string]map[string]float64{}
	cols := s.columns(names)
	for j, n := range names {
		vals := cols.texts[j]
		keys := make([]string, 0, len(vals))
		for k, cat := range vals {
			if cat {
				keys = append(keys, k)
			}
		}
		sort.Strings(keys)
		m := map[string]float64{}
		for i, k := range keys {
			m[k] = float64(i)
		}
		out[n] = m
	}
	if s.cats == nil {
		s.cats = map[string]map[string]map[string]float64{}
	}
	s.cats[key] = out
	return out
}

// drawParallel draws parallel coordinates: one axis per searched parameter and one for the first
// goal, each scaled to [0, 1]; one line per trial with a goal vector (the front and the latest, up
// to maxParallelRows).
func (s *study) drawParallel(d *drawing) {
	names := s.paramNames()
	if len(s.Goals) == 0 || len(names) == 0 {
		return
	}
	axes := append(append([]string{}, names...), s.Goals[0])
	cats := s.categories(names)
	var rows []int
	for k := len(d.vectors) - 1; k >= 0; k-- {
		i := d.vectors[k]
		if s.Trials[i].Pareto || len(rows) < maxParallelRows {
			rows = append(rows, i)
		}
	}
	lo := make([]float64, len(axes))
	hi := make([]float64, len(axes))
	vals := make([][]float64, len(rows))
	for a := range axes {
		lo[a], hi[a] = math.Inf(1), math.Inf(-1)
	}
	for r, i := range rows {
		t := s.Trials[i]
		vals[r] = make([]float64, len(axes))
		for a, n := range axes {
			var x float64
			var ok bool
			if a == len(axes)-1 {
				x, ok = t.Metrics[n]
			} else {
				x, ok = numeric(t.Params[n], cats[n])
			}
			if !ok || !finite(x) {
				x = math.NaN()
			} else {
				lo[a], hi[a] = math.Min(lo[a], x), math.Max(hi[a], x)
			}
			vals[r][a] = x
		}
	}
	const w, h, top, bottom, left, right = 900.0, 320.0, 24.0, 40.0, 40.0, 40.0
	step := (w - left - right) / float64(max(1, len(axes)-1))
	var b []byte
	b = fmt.Appendf(b, `<svg class="chart" id="parallel" viewBox="0 0 %g %g" role="img" aria-label="parallel coordinates">`, w, h)
	for a, n := range axes {
		x := left + float64(a)*step
		b = fmt.Appendf(b, `<line class="axis" x1="%.1f" x2="%.1f" y1="%g" y2="%g"/><text class="tick" x="%.1f" y="%g" text-anchor="middle">%s</text>`,
			x, x, top, h-bottom, x, h-bottom+16, template.HTMLEscapeString(n))
		if finite(lo[a]) {
			b = fmt.Appendf(b, `<text class="tick" x="%.1f" y="%g" text-anchor="middle">%s</text><text class="tick" x="%.1f" y="%g" text-anchor="middle">%s</text>`,
				x, top-6, record.Display(hi[a]), x, h-bottom+30, record.Display(lo[a]))
		}
	}
	for r := len(rows) - 1; r >= 0; r-- {
		t := s.Trials[rows[r]]
		var pts []byte
		for a := range axes {
			v := vals[r][a]
			if !finite(v) {
				continue
			}
			y := (top + h - bottom) / 2
			if hi[a] > lo[a] {
				y = h - bottom - (v-lo[a])/(hi[a]-lo[a])*(h-bottom-top)
			}
			pts = fmt.Appendf(pts, "%.1f,%.1f ", left+float64(a)*step, y)
		}
		b = fmt.Appendf(b, `<polyline class="pc %s" data-n="%d" points="%s"/>`, stateClass(t), t.Number, pts)
	}
	b = append(b, "</svg>"...)
	d.Parallel = template.HTML(b)
	d.ParallelNote = fmt.Sprintf("%d of %d completed feasible trials drawn (the front and the latest); categories by sorted name", len(rows), len(d.vectors))
}

// importances returns every searched parameter's correlation ratio with the first goal over the
// COMPLETE feasible trials (numbers in up to ten equal-count bins of at least five trials on
// average), normalised to sum to 1, largest first.
func (s *study) importances() []importance {
	names := s.paramNames()
	if len(s.Goals) == 0 || len(names) == 0 {
		return nil
	}
	cols := s.columns(names)
	ys := cols.ys
	if len(ys) < 2 {
		return nil
	}
	mean := 0.0
	for _, y := range ys {
		mean += y
	}
	mean /= float64(len(ys))
	total := 0.0
	for _, y := range ys {
		total += (y - mean) * (y - mean)
	}
	if total == 0 {
		return nil
	}
	cats := s.categories(names)
	var out []importance
	sum := 0.0
	for j, n := range names {
		groups := map[float64]*[2]float64{} // by group: count, sum
		isCat := len(cats[n]) > 0
		xs := make([]float64, len(ys))
		for k, row := range cols.params {
			x, ok := numeric(row[j], cats[n])
			if !ok {
				x = math.NaN()
			}
			xs[k] = x
		}
		bin := func(x float64) float64 { return x }
		if !isCat {
			sorted := append([]float64(nil), xs...)
			sort.Float64s(sorted)
			bins := min(10, max(2, len(sorted)/5)) // at least five trials a bin on average
			edges := make([]float64, 0, bins-1)
			for q := 1; q < bins; q++ {
				edges = append(edges, sorted[q*len(sorted)/bins])
			}
			bin = func(x float64) float64 { return float64(sort.SearchFloat64s(edges, x)) }
		}
		for k, x := range xs {
			g := groups[bin(x)]
			if g == nil {
				g = new([2]float64)
				groups[bin(x)] = g
			}
			g[0]++
			g[1] += ys[k]
		}
		between := 0.0
		// Summed in one order, the same every time (a NaN key is a group of its own each time).
		type group struct{ key, n, sum float64 }
		gs := make([]group, 0, len(groups))
		for k, g := range groups {
			gs = append(gs, group{k, g[0], g[1]})
		}
		slices.SortFunc(gs, func(a, b group) int { return cmp.Or(cmp.Compare(a.key, b.key), cmp.Compare(a.sum, b.sum)) })
		for _, g := range gs {
			m := g.sum / g.n
			between += g.n * (m - mean) * (m - mean)
		}
		v := between / total
		out = append(out, importance{Param: n, Value: v})
		sum += v
	}
	top := 0.0
	for i := range out {
		if sum > 0 {
			out[i].Value /= sum
		}
		top = math.Max(top, out[i].Value)
	}
	for i := range out {
		if top > 0 {
			out[i].Width = 100 * out[i].Value / top
		}
	}
	sort.SliceStable(out, func(a, b int) bool { return out[a].Value > out[b].Value })
	return out
}

// frontChart plots goal x against goal y for every COMPLETE feasible trial with a goal vector
// (evenly thinned beyond maxPoints, the front always kept), the front as a line.
func (s *study) frontChart(x, y int) template.HTML {
	s.orderMu.Lock()
	defer s.orderMu.Unlock()
	key := [2]int{x, y}
	if svg, ok := s.fronts[key]; ok {
		return svg
	}
	if s.fronts == nil {
		s.fronts = map[[2]int]template.HTML{}
	}
	svg := s.drawFront(x, y)
	s.fronts[key] = svg
	return svg
}

// drawFront draws frontChart's plot.
func (s *study) drawFront(x, y int) template.HTML {
	d := s.draw()
	id, title := "front", "Front"
	if s.Fidelity != "" {
		id, title = "front-"+s.Fidelity, phaseTitle[s.Fidelity]
	}
	c := &chart{ID: id, Title: fmt.Sprintf("%s: %s against %s", title, s.Goals[y], s.Goals[x]), XLabel: s.Goals[x] + " (" + s.Directions[x] + ")",
		YLabel: s.Goals[y] + " (" + s.Directions[y] + ")", Href: s.href()}
	keep := thin(len(d.vectors), maxPoints, func(k int) bool { return s.Trials[d.vectors[k]].Pareto })
	for _, k := range keep {
		t := s.Trials[d.vectors[k]]
		v, _ := s.vector(t)
		c.Marks = append(c.Marks, mark{X: v[x], Y: v[y], Class: "pt " + stateClass(t), N: t.Number,
			Title: fmt.Sprintf("trial %d: %s %s, %s %s", t.Number, s.Goals[x], record.Display(v[x]), s.Goals[y], record.Display(v[y]))})
	}
	// The front of the two goals shown, as a staircase in order of x.
	var pts [][2]float64
	var vs [][]float64
	for _, i := range d.vectors {
		v, _ := s.vector(s.Trials[i])
		vs = append(vs, []float64{v[x], v[y]})
	}
	if len(s.Goals) == 2 {
		for _, k := range reports.FrontOf(s.minimisedAll(vs, x, y)) {
			v, _ := s.vector(s.Trials[d.vectors[k]])
			pts = append(pts, [2]float64{v[x], v[y]})
		}
		sort.Slice(pts, func(a, b int) bool { return pts[a][0] < pts[b][0] })
		c.Paths = []path{{Pts: pts, Class: "frontline", N: -1}}
	}
	return c.SVG()
}

// phaseTitle names a supernet study's phase by the fidelity of its trials.
var phaseTitle = map[string]string{record.FidelityInherited: "Inherited-weight front", record.FidelityRetrained: "Retrained front"}

// phase is one phase of a supernet study as its page shows it.
type phase struct {
	Fidelity string
	Front    template.HTML
	Note     string
}

// phases draws the fronts of a supernet study's phases on goals x and y (nil for another study).
func (s *study) phases(x, y int) []phase {
	var out []phase
	for _, sub := range s.Phases {
		note := fmt.Sprintf("%d %s trials, %d complete and feasible; the front of these alone (%d) in blue", len(sub.Trials), sub.Fidelity, len(sub.draw().vectors), len(sub.Front))
		if sub.Rep != nil {
			note += ", hypervolume " + record.Display(sub.Rep.Hypervolume)
		}
		out = append(out, phase{Fidelity: sub.Fidelity, Front: sub.frontChart(x, y), Note: note + "."})
	}
	return out
}

// minimisedAll returns the pairs of goals x and y of vs with the maximised ones negated.
func (s *study) minimisedAll(vs [][]float64, x, y int) [][]float64 {
	sign := func(j int) float64 {
		if s.Directions[j] == "maximize" {
			return -1
		}
		return 1
	}
	out := make([][]float64, len(vs))
	for i, v := range vs {
		out[i] = []float64{sign(x) * v[0], sign(y) * v[1]}
	}
	return out
}

// trialCurve plots one trial's curve.
func trialCurve(t record.Trial) template.HTML {
	c := &chart{ID: "curve", Title: fmt.Sprintf("Trial %d: intermediate values", t.Number), XLabel: "epoch (step)", YLabel: "intermediate value"}
	c.Paths = []path{{Pts: curve(t), Class: "curve " + stateClass(t), N: t.Number}}
	for _, p := range curve(t) {
		c.Marks = append(c.Marks, mark{X: p[0], Y: p[1], Class: "pt " + stateClass(t), N: -1, Title: fmt.Sprintf("step %g: %s", p[0], record.Display(p[1]))})
	}
	return c.SVG()
}
