package main

import (
	"fmt"
	"io"
	"math"
	"strings"
)

// verdictColumns name the columns compared with Optuna's best: each kind's default
// configuration (motpe, tpe), the same with sigma_weighted (Optuna 3.1's own acquisition, so
// that the table shows how near the port comes to it) and auto, the default of new space files.
var verdictColumns = map[bool][]string{true: {"motpe", "motpe sigma-weighted", "auto"}, false: {"tpe", "tpe sigma-weighted", "auto"}}

// printTables prints, for each set (dev, eval) and kind (several objectives, one), a Markdown
// table: rows (problem, trials), columns our samplers then Optuna's, each cell the median and
// quartiles; the last columns compare each default with Optuna's best sampler (one objective:
// with Optuna's TPE) — larger is better for hypervolume, smaller for best value — and a summary
// line counts the cells.
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
			defs := verdictColumns[multi]
			what := "best value (median [quartiles] of seeds; smaller is better)"
			if multi {
				what = "hypervolume (median [quartiles] of seeds; larger is better)"
			}
			fmt.Fprintf(w, "\n%s problems, %s\n\n", map[string]string{"dev": "Development", "eval": "Evaluation"}[set], what)
			fmt.Fprintf(w, "| problem@trials | %s |", strings.Join(cols, " | "))
			for _, d := range defs {
				if multi {
					fmt.Fprintf(w, " %s vs optuna best |", d)
				} else {
					fmt.Fprintf(w, " %s vs optuna tpe |", d)
				}
			}
			fmt.Fprintf(w, "\n|---|%s\n", strings.Repeat("---|", len(cols)+len(defs)))
			wins := make([]int, len(defs))
			within := make([]int, len(defs))
			total := make([]int, len(defs))
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
				best, okb := 0.0, false
				for _, c := range theirCols {
					if !multi && c != "optuna tpe" { // one objective: against Optuna's TPE, as the issue sets it
						continue
					}
					if r, ok := cell[row+"|"+c]; ok && (!okb || better(r.Median, best, multi)) {
						best, okb = r.Median, true
					}
				}
				for k, def := range defs {
					d, okd := cell[row+"|"+def]
					verdict := "–"
					if okd && okb {
						total[k]++
						adv := advantage(d.Median, best, multi)
						switch {
						case adv >= 0:
							wins[k]++
							within[k]++
							verdict = fmt.Sprintf("≥ (%+.1f%%)", 100*adv)
						case adv >= -0.02:
							within[k]++
							verdict = fmt.Sprintf("within 2%% (%+.1f%%)", 100*adv)
						default:
							verdict = fmt.Sprintf("behind (%+.1f%%)", 100*adv)
						}
					}
					fmt.Fprintf(w, " %s |", verdict)
				}
				fmt.Fprintln(w)
			}
			for k, def := range defs {
				if total[k] > 0 {
					what := "optuna's best"
					if !multi {
						what = "optuna's tpe"
					}
					fmt.Fprintf(w, "\n%s ≥ %s on %d of %d cells, within 2%% on %d of %d.", def, what, wins[k], total[k], within[k], total[k])
				}
			}
			fmt.Fprintln(w)
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
