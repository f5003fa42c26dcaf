package serve

import (
	"fmt"
	"html/template"
	"math"
	"strings"

	"github.com/attnsearch/attnsearch/record"
)

// mark is one point of a chart: a circle of class Class, linked to a trial when N >= 0.
type mark struct {
	X, Y  float64
	Class string
	N     int    // trial number (-1 = none)
	Title string // tooltip
}

// path is one polyline of a chart.
type path struct {
	Pts   [][2]float64
	Class string
	N     int // trial number (-1 = none)
}

// chart is an SVG plot with two numeric axes.
type chart struct {
	ID             string
	Title          string
	XLabel, YLabel string
	LogY           bool
	Marks          []mark
	Paths          []path
	Href           string // link of a mark: Href + trial number
}

// chart geometry (SVG user units).
const (
	chartW, chartH             = 560.0, 340.0
	padL, padR, padT, padB     = 64.0, 16.0, 28.0, 44.0
	innerW, innerH             = chartW - padL - padR, chartH - padT - padB
	maxPoints                  = 3000
	maxCurves, maxParallelRows = 200, 300
)

// bounds returns the range of the chart's finite values, widened when empty or flat.
func (c *chart) bounds() (x0, x1, y0, y1 float64) {
	x0, y0 = math.Inf(1), math.Inf(1)
	x1, y1 = math.Inf(-1), math.Inf(-1)
	see := func(x, y float64) {
		if !finite(x) || !finite(y) {
			return
		}
		x0, x1, y0, y1 = math.Min(x0, x), math.Max(x1, x), math.Min(y0, y), math.Max(y1, y)
	}
	for _, m := range c.Marks {
		see(m.X, m.Y)
	}
	for _, p := range c.Paths {
		for _, q := range p.Pts {
			see(q[0], q[1])
		}
	}
	if x0 > x1 {
		x0, x1, y0, y1 = 0, 1, 0, 1
	}
	if x0 == x1 {
		x0, x1 = x0-1, x1+1
	}
	if y0 == y1 {
		y0, y1 = y0-1, y1+1
	}
	dy := (y1 - y0) * 0.05
	return x0, x1, y0 - dy, y1 + dy
}

// ticks returns about n round values covering [lo, hi].
func ticks(lo, hi float64, n int) []float64 {
	span := hi - lo
	step := math.Pow(10, math.Floor(math.Log10(span/float64(n))))
	for _, m := range []float64{1, 2, 5, 10} {
		if span/(step*m) <= float64(n) {
			step *= m
			break
		}
	}
	var out []float64
	for v := math.Ceil(lo/step) * step; v <= hi+step*1e-9; v += step {
		out = append(out, v)
	}
	return out
}

// SVG renders the chart.
func (c *chart) SVG() template.HTML {
	x0, x1, y0, y1 := c.bounds()
	sx := func(x float64) float64 { return padL + (x-x0)/(x1-x0)*innerW }
	sy := func(y float64) float64 { return padT + innerH - (y-y0)/(y1-y0)*innerH }
	var b strings.Builder
	fmt.Fprintf(&b, `<svg class="chart" id="%s" viewBox="0 0 %g %g" role="img" aria-label="%s">`, template.HTMLEscapeString(c.ID), chartW, chartH, template.HTMLEscapeString(c.Title))
	fmt.Fprintf(&b, `<text class="title" x="%g" y="18">%s</text>`, padL, template.HTMLEscapeString(c.Title))
	fmt.Fprintf(&b, `<rect class="frame" x="%g" y="%g" width="%g" height="%g"/>`, padL, padT, innerW, innerH)
	for _, t := range ticks(x0, x1, 6) {
		fmt.Fprintf(&b, `<line class="grid" x1="%.1f" x2="%.1f" y1="%g" y2="%g"/><text class="tick" x="%.1f" y="%g" text-anchor="middle">%s</text>`,
			sx(t), sx(t), padT, padT+innerH, sx(t), padT+innerH+14, record.Display(t))
	}
	for _, t := range ticks(y0, y1, 5) {
		fmt.Fprintf(&b, `<line class="grid" y1="%.1f" y2="%.1f" x1="%g" x2="%g"/><text class="tick" x="%g" y="%.1f" text-anchor="end">%s</text>`,
			sy(t), sy(t), padL, padL+innerW, padL-4, sy(t)+4, record.Display(t))
	}
	fmt.Fprintf(&b, `<text class="label" x="%g" y="%g" text-anchor="middle">%s</text>`, padL+innerW/2, chartH-6, template.HTMLEscapeString(c.XLabel))
	fmt.Fprintf(&b, `<text class="label" transform="translate(14 %g) rotate(-90)" text-anchor="middle">%s</text>`, padT+innerH/2, template.HTMLEscapeString(c.YLabel))
	for _, p := range c.Paths {
		var pts []string
		for _, q := range p.Pts {
			if finite(q[0]) && finite(q[1]) {
				pts = append(pts, fmt.Sprintf("%.1f,%.1f", sx(q[0]), sy(q[1])))
			}
		}
		if len(pts) == 0 {
			continue
		}
		fmt.Fprintf(&b, `<polyline class="%s" data-n="%d" points="%s"/>`, p.Class, p.N, strings.Join(pts, " "))
	}
	for _, m := range c.Marks {
		if !finite(m.X) || !finite(m.Y) {
			continue
		}
		circle := fmt.Sprintf(`<circle class="%s" data-n="%d" cx="%.1f" cy="%.1f" r="3"><title>%s</title></circle>`, m.Class, m.N, sx(m.X), sy(m.Y), template.HTMLEscapeString(m.Title))
		if c.Href != "" && m.N >= 0 {
			fmt.Fprintf(&b, `<a href="%s%d">%s</a>`, template.HTMLEscapeString(c.Href), m.N, circle)
		} else {
			b.WriteString(circle)
		}
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}

// thin keeps at most max of n items, evenly spaced, always keeping those keep says to keep.
func thin(n, max int, keep func(int) bool) []int {
	out := make([]int, 0, min(n, max))
	if n <= max {
		for i := 0; i < n; i++ {
			out = append(out, i)
		}
		return out
	}
	stride := float64(n) / float64(max)
	next := 0.0
	for i := 0; i < n; i++ {
		if keep != nil && keep(i) {
			out = append(out, i)
			continue
		}
		if float64(i) >= next {
			out = append(out, i)
			next += stride
		}
	}
	return out
}
