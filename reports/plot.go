package reports

import (
	"fmt"
	"github.com/attnsearch/attnsearch/objective"
	"github.com/attnsearch/attnsearch/record"
	"image/color"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"

	"github.com/c-bata/goptuna"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
	"gonum.org/v1/plot/vg/vgsvg"
)

// Plot colours.
var (
	colGrey  = color.RGBA{R: 150, G: 150, B: 150, A: 255}
	colBlue  = color.RGBA{R: 31, G: 119, B: 180, A: 255}
	colRed   = color.RGBA{R: 214, G: 39, B: 40, A: 255}
	colGreen = color.RGBA{R: 44, G: 160, B: 44, A: 255}
	colAmber = color.RGBA{R: 255, G: 127, B: 14, A: 255}
)

// SavePlot draws the two plots side by side (quality against cost with the front and the budget
// line; best score over trials) into path, an .svg or .png file.
func (r *Report) SavePlot(path string) error {
	ext := strings.ToLower(filepath.Ext(path))
	if ext != ".svg" && ext != ".png" {
		return fmt.Errorf("reports: plot %s: want a .svg or .png file", path)
	}
	// Drawn into a temporary file beside path and renamed, so that a failure leaves no partial image.
	f, err := os.CreateTemp(filepath.Dir(path), ".plot-*"+ext)
	if err != nil {
		return fmt.Errorf("reports: plot: %w", err)
	}
	defer os.Remove(f.Name())
	if err := r.WritePlot(f, ext[1:]); err != nil {
		f.Close()
		return fmt.Errorf("reports: plot %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("reports: plot %s: %w", path, err)
	}
	if err := os.Chmod(f.Name(), 0o644); err != nil {
		return fmt.Errorf("reports: plot %s: %w", path, err)
	}
	if err := os.Rename(f.Name(), path); err != nil {
		return fmt.Errorf("reports: plot %s: %w", path, err)
	}
	return nil
}

// WritePlot writes the plots as one image in format svg or png: quality against cost and the best
// score over trials; for an objective declared as maximize/minimize lists, one plot per pair of
// objectives (PairPlot) and the best score, two per row.
func (r *Report) WritePlot(w io.Writer, format string) error {
	var all []*plot.Plot
	if r.Info.Objective.Listed() {
		for i := 0; i < len(r.Objectives); i++ {
			for j := i + 1; j < len(r.Objectives); j++ {
				p, err := r.PairPlot(i, j)
				if err != nil {
					return err
				}
				all = append(all, p)
			}
		}
	} else {
		front, err := r.FrontPlot()
		if err != nil {
			return err
		}
		all = append(all, front)
	}
	best, err := r.BestPlot()
	if err != nil {
		return err
	}
	all = append(all, best)
	rows := (len(all) + 1) / 2
	plots := make([][]*plot.Plot, rows)
	for k, p := range all {
		plots[k/2] = append(plots[k/2], p)
	}
	if len(plots[rows-1]) == 1 { // plot.Align wants every row as wide as the tiles
		plots[rows-1] = append(plots[rows-1], nil)
	}
	width, height := 28*vg.Centimeter, 12*vg.Centimeter*vg.Length(rows)
	tiles := draw.Tiles{Rows: rows, Cols: 2, PadX: vg.Centimeter, PadY: vg.Centimeter, PadTop: vg.Millimeter * 3,
		PadBottom: vg.Millimeter * 3, PadLeft: vg.Millimeter * 3, PadRight: vg.Millimeter * 3}
	drawAll := func(dc draw.Canvas) {
		canvases := plot.Align(plots, tiles, dc)
		for i := range plots {
			for j, p := range plots[i] {
				if p != nil {
					p.Draw(canvases[i][j])
				}
			}
		}
	}
	switch format {
	case "png":
		img := vgimg.NewWith(vgimg.UseWH(width, height), vgimg.UseDPI(110))
		dc := draw.New(img)
		dc.SetColor(color.White)
		dc.Fill(dc.Rectangle.Path())
		drawAll(dc)
		_, err := vgimg.PngCanvas{Canvas: img}.WriteTo(w)
		return err
	case "svg":
		img := vgsvg.New(width, height)
		drawAll(draw.New(img))
		_, err := img.WriteTo(w)
		return err
	}
	return fmt.Errorf("unknown plot format %q", format)
}

// PairPlot is objective i (y) against objective j (x): the COMPLETE feasible trials in grey, the
// front over all objectives in blue (a point of that front may look dominated in a projection),
// and the reference of each axis as a dashed red line.
func (r *Report) PairPlot(i, j int) (*plot.Plot, error) {
	p := plot.New()
	p.Title.Text = fmt.Sprintf("%s: %s vs %s (hypervolume %.6g)", r.Study, r.Objectives[i], r.Objectives[j], r.Hypervolume)
	p.X.Label.Text = fmt.Sprintf("%s (%s)", r.Objectives[j], r.Directions[j])
	p.Y.Label.Text = fmt.Sprintf("%s (%s)", r.Objectives[i], r.Directions[i])
	p.Legend.Top = true
	var grey, blue plotter.XYs
	for _, t := range r.Trials {
		v, ok := r.vector(t)
		if !ok || t.State != goptuna.TrialStateComplete || !t.Feasible {
			continue
		}
		if t.Pareto {
			blue = append(blue, plotter.XY{X: v[j], Y: v[i]})
		} else {
			grey = append(grey, plotter.XY{X: v[j], Y: v[i]})
		}
	}
	for _, set := range []struct {
		pts    plotter.XYs
		col    color.Color
		radius vg.Length
		name   string
	}{{grey, colGrey, vg.Points(3), "feasible"}, {blue, colBlue, vg.Points(4), "Pareto front (all objectives)"}} {
		if err := scatter(p, set.pts, set.col, set.radius, draw.CircleGlyph{}, set.name); err != nil {
			return nil, err
		}
	}
	if len(grey)+len(blue) > 0 && len(r.Reference) == len(r.Objectives) {
		minX, maxX, minY, maxY := math.Inf(1), math.Inf(-1), math.Inf(1), math.Inf(-1)
		for _, pts := range []plotter.XYs{grey, blue} {
			for _, pt := range pts {
				minX, maxX = math.Min(minX, pt.X), math.Max(maxX, pt.X)
				minY, maxY = math.Min(minY, pt.Y), math.Max(maxY, pt.Y)
			}
		}
		rx, ry := r.Reference[j], r.Reference[i]
		minX, maxX, minY, maxY = math.Min(minX, rx), math.Max(maxX, rx), math.Min(minY, ry), math.Max(maxY, ry)
		for _, l := range []plotter.XYs{{{X: rx, Y: minY}, {X: rx, Y: maxY}}, {{X: minX, Y: ry}, {X: maxX, Y: ry}}} {
			line, err := plotter.NewLine(l)
			if err != nil {
				return nil, err
			}
			line.LineStyle.Color = colRed
			line.LineStyle.Width = vg.Points(1)
			line.LineStyle.Dashes = []vg.Length{vg.Points(5), vg.Points(3)}
			p.Add(line)
		}
		p.Legend.Add(fmt.Sprintf("reference (%s, %s)", record.FormatFloat(rx), record.FormatFloat(ry)))
	}
	p.Add(plotter.NewGrid())
	headroom(p)
	return p, nil
}

// FrontPlot is quality against cost: feasible trials in grey, the Pareto front in blue joined by
// its staircase, infeasible points (no quality) as red crosses at P = 0, and the budget of the
// cost as a dashed red line.
func (r *Report) FrontPlot() (*plot.Plot, error) {
	p := plot.New()
	p.Title.Text = fmt.Sprintf("%s: %s vs %s (hypervolume %.6g)", r.Study, r.Objectives[0], r.Objectives[1], r.Hypervolume)
	p.X.Label.Text = r.Objectives[1]
	p.Y.Label.Text = r.Objectives[0]
	p.Legend.Top = true
	var feas, inf, fr plotter.XYs
	minC, maxC := math.Inf(1), math.Inf(-1)
	for _, t := range r.Trials {
		c, okc := t.Metrics[r.Objectives[1]]
		if !okc || !finite(c) || t.State != goptuna.TrialStateComplete {
			continue
		}
		if !t.Feasible {
			inf = append(inf, plotter.XY{X: c, Y: 0})
		} else if q, okq := t.Metrics[r.Objectives[0]]; okq && finite(q) && !t.Pareto {
			feas = append(feas, plotter.XY{X: c, Y: q})
		} else {
			continue
		}
		minC, maxC = math.Min(minC, c), math.Max(maxC, c)
	}
	for _, i := range r.Front {
		q, c, _ := r.qualityCost(r.Trials[i])
		fr = append(fr, plotter.XY{X: c, Y: q})
		minC, maxC = math.Min(minC, c), math.Max(maxC, c)
	}
	budget := r.RefCost
	hasBudget := r.budgetSet()
	if hasBudget {
		minC, maxC = math.Min(minC, budget), math.Max(maxC, budget)
	}
	if minC > 0 && maxC/minC > 30 {
		p.X.Scale = plot.LogScale{}
		p.X.Tick.Marker = plot.LogTicks{Prec: -1}
	}
	if err := scatter(p, feas, colGrey, vg.Points(3), draw.CircleGlyph{}, "feasible"); err != nil {
		return nil, err
	}
	if err := scatter(p, inf, colRed, vg.Points(3), draw.CrossGlyph{}, "infeasible (rejected before training)"); err != nil {
		return nil, err
	}
	if len(fr) > 0 {
		var stairs plotter.XYs
		for k, pt := range fr {
			if k > 0 {
				stairs = append(stairs, plotter.XY{X: pt.X, Y: fr[k-1].Y})
			}
			stairs = append(stairs, pt)
		}
		l, err := plotter.NewLine(stairs)
		if err != nil {
			return nil, err
		}
		l.LineStyle.Color = colBlue
		l.LineStyle.Width = vg.Points(1.5)
		p.Add(l)
		if err := scatter(p, fr, colBlue, vg.Points(4), draw.CircleGlyph{}, "Pareto front"); err != nil {
			return nil, err
		}
	}
	if hasBudget && !math.IsInf(minC, 0) {
		ymax := 0.0
		for _, pts := range []plotter.XYs{feas, fr} {
			for _, pt := range pts {
				ymax = math.Max(ymax, pt.Y)
			}
		}
		if ymax == 0 {
			ymax = 1
		}
		l, err := plotter.NewLine(plotter.XYs{{X: budget, Y: 0}, {X: budget, Y: ymax * 1.05}})
		if err != nil {
			return nil, err
		}
		l.LineStyle.Color = colRed
		l.LineStyle.Width = vg.Points(1)
		l.LineStyle.Dashes = []vg.Length{vg.Points(5), vg.Points(3)}
		p.Add(l)
		p.Legend.Add(fmt.Sprintf("budget %s = %s", r.Objectives[1], record.FormatFloat(budget)), l)
	}
	p.Add(plotter.NewGrid())
	headroom(p)
	return p, nil
}

// budgetSet reports whether the study's budget bounds its objective cost.
func (r *Report) budgetSet() bool {
	d, ok := objective.CostDefOf(r.Info.Objective.Cost)
	return ok && d.Limit(r.Info.Budget) > 0
}

// BestPlot is the score of every feasible trial (pruned ones at their last intermediate score)
// against its number, with the best score so far as a staircase; infeasible trials, whose
// penalised scores would crush the axis, are left out and counted in the title.
func (r *Report) BestPlot() (*plot.Plot, error) {
	p := plot.New()
	p.X.Label.Text = "trial"
	p.Y.Label.Text = "score"
	p.Legend.Top = true
	p.Legend.Left = true
	var done, pruned, best plotter.XYs
	bestV, skipped := math.Inf(-1), 0
	for _, t := range r.Trials {
		if !t.HasValue || !finite(t.Value) {
			continue
		}
		if !t.Feasible && t.State == goptuna.TrialStateComplete {
			skipped++
			continue
		}
		pt := plotter.XY{X: float64(t.Number), Y: t.Value}
		if t.State == goptuna.TrialStatePruned {
			pruned = append(pruned, pt)
			continue
		}
		done = append(done, pt)
		if t.Value > bestV {
			if len(best) > 0 {
				best = append(best, plotter.XY{X: pt.X, Y: bestV})
			}
			bestV = t.Value
			best = append(best, pt)
		}
	}
	if len(best) > 0 && len(r.Trials) > 0 {
		best = append(best, plotter.XY{X: float64(r.Trials[len(r.Trials)-1].Number), Y: bestV})
	}
	p.Title.Text = fmt.Sprintf("best score over trials (%d infeasible not shown)", skipped)
	for _, s := range []struct {
		pts   plotter.XYs
		col   color.Color
		label string
	}{{done, colGreen, "complete"}, {pruned, colAmber, "pruned (last epoch score)"}} {
		if err := scatter(p, s.pts, s.col, vg.Points(3), draw.CircleGlyph{}, s.label); err != nil {
			return nil, err
		}
	}
	if len(best) > 0 {
		l, err := plotter.NewLine(best)
		if err != nil {
			return nil, err
		}
		l.LineStyle.Color = colBlue
		l.LineStyle.Width = vg.Points(1.5)
		p.Add(l)
		p.Legend.Add("best so far", l)
	}
	p.Add(plotter.NewGrid())
	headroom(p)
	return p, nil
}

// headroom raises the plot's Y maximum (set by Add from the data) so that the legend in the
// top corner clears the data.
func headroom(p *plot.Plot) {
	span := p.Y.Max - p.Y.Min
	if !(span > 0) {
		span = 1
	}
	p.Y.Max += 0.35 * span
}

// scatter adds pts to p as glyphs of col, radius and shape, with a legend entry; nothing when pts is empty.
func scatter(p *plot.Plot, pts plotter.XYs, col color.Color, radius vg.Length, shape draw.GlyphDrawer, legend string) error {
	if len(pts) == 0 {
		return nil
	}
	s, err := plotter.NewScatter(pts)
	if err != nil {
		return err
	}
	s.GlyphStyle.Color, s.GlyphStyle.Radius, s.GlyphStyle.Shape = col, radius, shape
	p.Add(s)
	p.Legend.Add(legend, s)
	return nil
}
