package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"strings"

	"github.com/attnsearch/attnsearch/search/internal/motpe"
	"github.com/attnsearch/attnsearch/search/internal/nsga2"
	"github.com/attnsearch/attnsearch/search/internal/observe"
	"github.com/attnsearch/attnsearch/search/internal/tpe"
)

// Result is one table cell: the median score of sampler on problem after trials trials.
type Result struct {
	Problem string    `json:"problem"`
	Sampler string    `json:"sampler"`
	Trials  int       `json:"trials"`
	Median  float64   `json:"median"`
	Scores  []float64 `json:"scores"`
}

// samplers are ours, by the name the table shows.
func samplers(multiObjective bool) []struct {
	name string
	s    observe.Sampler
} {
	type entry = struct {
		name string
		s    observe.Sampler
	}
	if multiObjective {
		return []entry{
			{"motpe", motpe.New(motpe.Options{})},
			{"motpe multivariate", motpe.New(motpe.Options{Multivariate: true})},
			{"nsga2", nsga2.New(nsga2.Options{})},
			{"random", tpe.Random{}},
		}
	}
	return []entry{
		{"tpe", &tpe.PointSampler{Params: tpe.DefaultMixtureParams(false)}},
		{"tpe multivariate", &tpe.PointSampler{Params: tpe.DefaultMixtureParams(true)}},
		{"random", tpe.Random{}},
	}
}

// firstSeed is the first seed of every cell.
var firstSeed int

func main() {
	seeds := flag.Int("seeds", 5, "seeds per cell (the median is reported)")
	flag.IntVar(&firstSeed, "first-seed", 0, "the first seed (seeds first-seed … first-seed+seeds−1)")
	only := flag.String("problems", "", "comma-separated problem names (default: all)")
	optunaFile := flag.String("optuna", "", "optuna_ref.py's JSON output, shown side by side")
	oursFile := flag.String("ours", "", "read our results from this -json output instead of running the samplers")
	asJSON := flag.Bool("json", false, "print the results as JSON instead of tables")
	flag.Parse()
	if err := run(*seeds, *only, *optunaFile, *oursFile, *asJSON); err != nil {
		fmt.Fprintln(os.Stderr, "samplerbench:", err)
		os.Exit(1)
	}
}

func run(seeds int, only, optunaFile, oursFile string, asJSON bool) error {
	var results []Result
	if oursFile != "" {
		if err := readResults(oursFile, &results); err != nil {
			return err
		}
	}
	for _, p := range Problems {
		if oursFile != "" {
			break
		}
		if only != "" && !strings.Contains(","+only+",", ","+p.Name+",") {
			continue
		}
		budgets := []int{100, 200}
		if len(p.Ref) == 0 {
			budgets = []int{100}
		}
		for _, e := range samplers(len(p.Ref) > 0) {
			scores := make([][]float64, len(budgets))
			for seed := firstSeed; seed < firstSeed+seeds; seed++ {
				ys, err := Run(p, e.s, budgets[len(budgets)-1], int64(seed))
				if err != nil {
					return err
				}
				for b, n := range budgets {
					scores[b] = append(scores[b], Score(p, ys, n))
				}
			}
			for b, n := range budgets {
				results = append(results, Result{Problem: p.Name, Sampler: e.name, Trials: n, Median: median(scores[b]), Scores: scores[b]})
			}
		}
	}
	var theirs []Result
	if optunaFile != "" {
		if err := readResults(optunaFile, &theirs); err != nil {
			return err
		}
	}
	if asJSON {
		return json.NewEncoder(os.Stdout).Encode(results)
	}
	printTables(os.Stdout, results, theirs)
	return nil
}

// printTables prints one Markdown table per kind of problem: rows (problem, trials), columns our
// samplers then Optuna's, and which side's best is better.
func printTables(w *os.File, ours, theirs []Result) {
	for _, multi := range []bool{true, false} {
		var cols []string
		seen := map[string]bool{}
		rows := []string{}
		cell := map[string]Result{}
		for _, set := range []struct {
			prefix string
			rs     []Result
		}{{"", ours}, {"optuna ", theirs}} {
			for _, r := range set.rs {
				if isMulti(r.Problem) != multi {
					continue
				}
				col := set.prefix + r.Sampler
				if !seen[col] {
					seen[col] = true
					cols = append(cols, col)
				}
				row := fmt.Sprintf("%s@%d", r.Problem, r.Trials)
				if _, ok := cell[row+"|"+cols[0]]; !ok && !contains(rows, row) {
					rows = append(rows, row)
				}
				cell[row+"|"+col] = r
			}
		}
		if len(cols) == 0 {
			continue
		}
		if multi {
			fmt.Fprintln(w, "\nHypervolume (median of seeds; larger is better)")
		} else {
			fmt.Fprintln(w, "\nBest value (median of seeds; smaller is better)")
		}
		fmt.Fprintf(w, "| problem | %s | ours best vs optuna best |\n", strings.Join(cols, " | "))
		fmt.Fprintf(w, "|---|%s---|\n", strings.Repeat("---|", len(cols)))
		for _, row := range rows {
			fmt.Fprintf(w, "| %s |", row)
			bestOurs, bestTheirs := 0.0, 0.0
			haveOurs, haveTheirs := false, false
			for _, c := range cols {
				r, ok := cell[row+"|"+c]
				if !ok {
					fmt.Fprint(w, " – |")
					continue
				}
				fmt.Fprintf(w, " %.4f |", r.Median)
				v := r.Median
				if !multi {
					v = -v
				}
				if strings.HasPrefix(c, "optuna ") {
					if !haveTheirs || v > bestTheirs {
						bestTheirs, haveTheirs = v, true
					}
				} else if !haveOurs || v > bestOurs {
					bestOurs, haveOurs = v, true
				}
			}
			verdict := "–"
			if haveOurs && haveTheirs {
				verdict = "ours ≥ optuna"
				if bestOurs < bestTheirs {
					verdict = "optuna better"
				}
			}
			fmt.Fprintf(w, " %s |\n", verdict)
		}
	}
}

func isMulti(problem string) bool {
	for _, p := range Problems {
		if p.Name == problem {
			return len(p.Ref) > 0
		}
	}
	return false
}

func contains(xs []string, x string) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}

// readResults appends the results of every JSON list in file (one or more, concatenated).
func readResults(file string, out *[]Result) error {
	f, err := os.Open(file)
	if err != nil {
		return err
	}
	defer f.Close()
	dec := json.NewDecoder(f)
	for dec.More() {
		var rs []Result
		if err := dec.Decode(&rs); err != nil {
			return fmt.Errorf("%s: %w", file, err)
		}
		*out = append(*out, rs...)
	}
	return nil
}
