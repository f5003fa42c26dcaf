package main

import (
	"fmt"
	"io"
	"math"
	"strings"
)

// DefaultMO and DefaultSO name the columns holding the default configurations the verdict
// compares with Optuna's best.
const (
	DefaultMO = "motpe"
	DefaultSO = "tpe"
)

// printTables prints, for each set (dev, eval) and kind (several objectives, one), a Markdown
// table: rows (problem, trials), columns our samplers then Optuna's, each cell the median and
// quartiles; the last column compares the default with Optuna's best sampler (larger is better
// for hypervolume, smaller for best value) and a summary line counts the cells.
func printTables(w io.Writer, problems []Problem, ours, theirs []Result) {
	cell := map[string]Result{}
	colsOf := func(rs []Result, prefix string, multi bool) []string {
		var cols []string
		seen := map[string]bool{}
		for _, r := range rs {
			p, ok := Lookup(r.Problem)
			if !ok || p.Multi() != multi {
				continue
			}
			c := prefix + r.Sampler
			cell[fmt.Sprintf("%s@%d|%s", r.Problem, r.Trials, c)] = r
			if !seen[c] {
				seen[c] = true
				cols = append(cols, c)
			}
		}
		return cols
	}
	for _, set := range []string{"dev", "eval"} {
		for _, multi := range []bool{true, false} {
			ourCols := colsOf(ours, "", multi)
			theirCols := colsOf(theirs, "optuna ", multi)
			cols := append(append([]string(nil), ourCols...), theirCols...)
			var rows []string
			for _, p := range problems {
				if p.Set != set || p.Multi() != multi {
					continue
				}
				for _, n := range budgets(p) {
					rows = append(rows, fmt.Sprintf("%s@%d", p.Name, n))
				}
			}
			if len(rows) == 0 || len(cols) == 0 {
				continue
			}
			def := DefaultSO
			what := "best value (median [quartiles] of seeds; smaller is better)"
			if multi {
				def = DefaultMO
				what = "hypervolume (median [quartiles] of seeds; larger is better)"
			}
			fmt.Fprintf(w, "\n%s problems, %s\n\n", map[string]string{"dev": "Development", "eval": "Evaluation"}[set], what)
			fmt.Fprintf(w, "| problem@trials | %s | %s vs optuna best |\n", strings.Join(cols, " | "), def)
			fmt.Fprintf(w, "|---|%s---|\n", strings.Repeat("---|", len(cols)))
			wins, within, total := 0, 0, 0
			for _, row := range rows {
				fmt.Fprintf(w, "| %s |", row)
				for _, c := range cols {
					r, ok := cell[row+"|"+c]
					if !ok {
						fmt.Fprint(w, " – |")
						continue
					}
					fmt.Fprintf(w, " %s [%s, %s] |", num(r.Median), num(r.Q1), num(r.Q3))
				}
				d, okd := cell[row+"|"+def]
				best, okb := 0.0, false
				for _, c := range theirCols {
					if r, ok := cell[row+"|"+c]; ok && (!okb || better(r.Median, best, multi)) {
						best, okb = r.Median, true
					}
				}
				verdict := "–"
				if okd && okb {
					total++
					adv := advantage(d.Median, best, multi)
					switch {
					case adv >= 0:
						wins++
						within++
						verdict = fmt.Sprintf("≥ (%+.1f%%)", 100*adv)
					case adv >= -0.02:
						within++
						verdict = fmt.Sprintf("within 2%% (%+.1f%%)", 100*adv)
					default:
						verdict = fmt.Sprintf("behind (%+.1f%%)", 100*adv)
					}
				}
				fmt.Fprintf(w, " %s |\n", verdict)
			}
			if total > 0 {
				fmt.Fprintf(w, "\n%s ≥ optuna's best on %d of %d cells, within 2%% on %d of %d.\n", def, wins, total, within, total)
			}
		}
	}
}

// better reports whether a is strictly better than b.
func better(a, b float64, multi bool) bool {
	if multi {
		return a > b
	}
	return a < b
}

// advantage is how much better a is than b, relative to |b| (negative when worse).
func advantage(a, b float64, multi bool) float64 {
	den := math.Abs(b)
	if den == 0 {
		den = 1
	}
	if multi {
		return (a - b) / den
	}
	return (b - a) / den
}

// num formats a table figure with 4 significant digits.
func num(x float64) string { return fmt.Sprintf("%.4g", x) }
