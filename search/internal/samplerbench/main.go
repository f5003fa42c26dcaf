package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/attnsearch/attnsearch/search/internal/motpe"
	"github.com/attnsearch/attnsearch/search/internal/nsga2"
	"github.com/attnsearch/attnsearch/search/internal/observe"
	"github.com/attnsearch/attnsearch/search/internal/tpe"
	"github.com/attnsearch/attnsearch/search/sampler"
	"github.com/c-bata/goptuna"
)

// Result is one table cell: the scores of sampler on problem after trials trials, one per seed.
type Result struct {
	Problem string    `json:"problem"`
	Sampler string    `json:"sampler"`
	Trials  int       `json:"trials"`
	Median  float64   `json:"median"`
	Q1      float64   `json:"q1"`
	Q3      float64   `json:"q3"`
	Scores  []float64 `json:"scores"`
}

// entry is one of our samplers by the name the table shows.
type entry struct {
	name string
	s    observe.Sampler
}

// samplers are ours for a problem with or without several objectives.
func samplers(multiObjective bool) []entry {
	if multiObjective {
		return []entry{
			{"motpe", motpe.New(motpe.Options{})},
			{"motpe multivariate", motpe.New(motpe.Options{Multivariate: true})},
			{"motpe sigma-weighted", motpe.New(motpe.Options{SigmaWeighted: true})},
			{"nsga2", nsga2.New(nsga2.Options{})},
			{"random", tpe.Random{}},
		}
	}
	return []entry{
		{"tpe", &tpe.PointSampler{Params: tpe.DefaultMixtureParams(false), Index: &tpe.Index{}}},
		{"tpe multivariate", &tpe.PointSampler{Params: tpe.DefaultMixtureParams(true), Index: &tpe.Index{}}},
		{"tpe sigma-weighted", &tpe.PointSampler{Params: sigmaWeighted(tpe.DefaultMixtureParams(false)), Index: &tpe.Index{}}},
		{"random", tpe.Random{}},
	}
}

// sigmaWeighted returns p with SigmaWeighted set.
func sigmaWeighted(p tpe.MixtureParams) tpe.MixtureParams {
	p.SigmaWeighted = true
	return p
}

// budgets are the trial counts a problem is scored at.
func budgets(p Problem) []int {
	if p.Multi() {
		return []int{100, 200}
	}
	return []int{100, 200}
}

func main() {
	seeds := flag.Int("seeds", 5, "seeds per cell")
	firstSeed := flag.Int("first-seed", 0, "the first seed (seeds first-seed … first-seed+seeds−1)")
	set := flag.String("set", "all", "problems to run: dev, eval or all")
	only := flag.String("problems", "", "comma-separated problem names (default: the whole set)")
	only2 := flag.String("samplers", "", "comma-separated sampler names (default: all of ours)")
	optunaFile := flag.String("optuna", "", "optuna_side.py's output (runs, scored here), shown side by side")
	oursFile := flag.String("ours", "", "read our results from this -json output instead of running the samplers")
	asJSON := flag.Bool("json", false, "print our results as JSON instead of tables")
	describe := flag.Bool("describe", false, "print the problems' spaces as JSON (for optuna_side.py) and exit")
	serve := flag.Bool("serve", false, "evaluate points read from stdin, one JSON request a line (for optuna_side.py)")
	list := flag.Bool("list", false, "print the problems as a Markdown table and exit")
	flag.Parse()
	var err error
	switch {
	case *list:
		listProblems(os.Stdout)
	case *describe:
		err = describeProblems(os.Stdout)
	case *serve:
		err = serveEval(os.Stdin, os.Stdout)
	default:
		err = run(*seeds, *firstSeed, *set, *only, *only2, *optunaFile, *oursFile, *asJSON)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "samplerbench:", err)
		os.Exit(1)
	}
}

// selected returns the problems of set named in only (all when empty).
func selected(set, only string) ([]Problem, error) {
	var out []Problem
	for _, p := range AllProblems() {
		if set != "all" && p.Set != set {
			continue
		}
		if only != "" && !strings.Contains(","+only+",", ","+p.Name+",") {
			continue
		}
		out = append(out, p)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no problem in set %q named %q", set, only)
	}
	return out, nil
}

func run(seeds, firstSeed int, set, only, onlySamplers, optunaFile, oursFile string, asJSON bool) error {
	problems, err := selected(set, only)
	if err != nil {
		return err
	}
	var results []Result
	if oursFile != "" {
		if err := readResults(oursFile, &results); err != nil {
			return err
		}
	} else {
		for _, p := range problems {
			bs := budgets(p)
			for _, e := range samplers(p.Multi()) {
				if onlySamplers != "" && !strings.Contains(","+onlySamplers+",", ","+e.name+",") {
					continue
				}
				scores := make([][]float64, len(bs))
				for seed := firstSeed; seed < firstSeed+seeds; seed++ {
					os, err := Run(p, e.s, bs[len(bs)-1], int64(seed))
					if err != nil {
						return err
					}
					for b, n := range bs {
						scores[b] = append(scores[b], Score(p, os, n))
					}
				}
				for b, n := range bs {
					results = append(results, newResult(p.Name, e.name, n, scores[b]))
				}
			}
		}
	}
	results = withAuto(results)
	var theirs []Result
	if optunaFile != "" {
		if theirs, err = scoreOptuna(optunaFile); err != nil {
			return err
		}
	}
	if asJSON {
		return json.NewEncoder(os.Stdout).Encode(results)
	}
	printTables(os.Stdout, problems, results, theirs)
	return nil
}

// newResult summarises the scores of one cell.
func newResult(problem, sampler string, trials int, scores []float64) Result {
	return Result{Problem: problem, Sampler: sampler, Trials: trials, Median: median(scores),
		Q1: quantile(scores, 0.25), Q3: quantile(scores, 0.75), Scores: scores}
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

// paramDesc describes one parameter for optuna_side.py.
type paramDesc struct {
	Name    string   `json:"name"`
	Type    string   `json:"type"` // float, int or categorical
	Low     float64  `json:"low"`
	High    float64  `json:"high"`
	Choices []string `json:"choices,omitempty"`
}

// problemDesc describes one problem for optuna_side.py.
type problemDesc struct {
	Name        string      `json:"name"`
	Set         string      `json:"set"`
	Objectives  int         `json:"objectives"`
	Constrained bool        `json:"constrained"`
	Budgets     []int       `json:"budgets"`
	Params      []paramDesc `json:"params"`
}

func describeProblems(w io.Writer) error {
	var out []problemDesc
	for _, p := range AllProblems() {
		d := problemDesc{Name: p.Name, Set: p.Set, Objectives: p.Objectives(), Constrained: p.Cons != nil, Budgets: budgets(p)}
		for _, n := range observe.Names(p.Space) {
			switch dist := p.Space[n].(type) {
			case goptuna.UniformDistribution:
				d.Params = append(d.Params, paramDesc{Name: n, Type: "float", Low: dist.Low, High: dist.High})
			case goptuna.IntUniformDistribution:
				d.Params = append(d.Params, paramDesc{Name: n, Type: "int", Low: float64(dist.Low), High: float64(dist.High)})
			case goptuna.CategoricalDistribution:
				var cs []string
				for _, c := range dist.Choices {
					cs = append(cs, fmt.Sprint(c))
				}
				d.Params = append(d.Params, paramDesc{Name: n, Type: "categorical", Choices: cs})
			default:
				return fmt.Errorf("%s: parameter %s: distribution %T not described", p.Name, n, dist)
			}
		}
		out = append(out, d)
	}
	return json.NewEncoder(w).Encode(out)
}

// evalRequest is one point to evaluate (categorical parameters by choice index).
type evalRequest struct {
	Problem string    `json:"problem"`
	X       []float64 `json:"x"`
	Seed    int64     `json:"seed"`
	Trial   int       `json:"trial"`
}

// evalReply is what the sampler sees: the (noisy) objectives and the constraint values.
type evalReply struct {
	Y []float64 `json:"y"`
	C []float64 `json:"c"`
}

func serveEval(r io.Reader, w io.Writer) error {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	bw := bufio.NewWriter(w)
	enc := json.NewEncoder(bw)
	for sc.Scan() {
		var req evalRequest
		if err := json.Unmarshal(sc.Bytes(), &req); err != nil {
			return fmt.Errorf("serve: %w", err)
		}
		p, ok := Lookup(req.Problem)
		if !ok {
			return fmt.Errorf("serve: unknown problem %q", req.Problem)
		}
		o := Evaluate(p, req.X, req.Seed, req.Trial)
		if err := enc.Encode(evalReply{Y: o.Seen, C: o.Cons}); err != nil {
			return err
		}
		if err := bw.Flush(); err != nil {
			return err
		}
	}
	return sc.Err()
}

// optunaRun is one run of optuna_side.py: the points an Optuna sampler proposed, in order.
type optunaRun struct {
	Problem string      `json:"problem"`
	Sampler string      `json:"sampler"`
	Seed    int64       `json:"seed"`
	Xs      [][]float64 `json:"xs"`
}

// scoreOptuna re-evaluates the points of Optuna's runs and scores them like ours.
func scoreOptuna(file string) ([]Result, error) {
	f, err := os.Open(file)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	type key struct {
		p, s string
		n    int
	}
	scores := map[key][]float64{}
	var order []key
	dec := json.NewDecoder(f)
	for dec.More() {
		var r optunaRun
		if err := dec.Decode(&r); err != nil {
			return nil, fmt.Errorf("%s: %w", file, err)
		}
		p, ok := Lookup(r.Problem)
		if !ok {
			return nil, fmt.Errorf("%s: unknown problem %q", file, r.Problem)
		}
		os := make([]Outcome, len(r.Xs))
		for i, x := range r.Xs {
			os[i] = Evaluate(p, x, r.Seed, i)
		}
		for _, n := range budgets(p) {
			if n > len(os) {
				continue
			}
			k := key{r.Problem, r.Sampler, n}
			if _, ok := scores[k]; !ok {
				order = append(order, k)
			}
			scores[k] = append(scores[k], Score(p, os, n))
		}
	}
	var out []Result
	for _, k := range order {
		out = append(out, newResult(k.p, k.s, k.n, scores[k]))
	}
	return out, nil
}

// autoColumn names the configuration sampler.Choose picks for p among the columns of ours.
func autoColumn(p Problem) string {
	c := sampler.Choose(sampler.Features{Objectives: p.Objectives(), Constrained: p.Cons != nil, Params: p.Dim(),
		Categorical: categorical(p), Trials: budgets(p)[len(budgets(p))-1]})
	name := map[bool]string{true: "motpe", false: "tpe"}[p.Multi()]
	if c.Kind == "nsga2" || c.Kind == "random" {
		return c.Kind
	}
	if c.Options["multivariate"] == 1 {
		name += " multivariate"
	}
	return name
}

// categorical counts p's categorical parameters.
func categorical(p Problem) int {
	n := 0
	for _, d := range p.Space {
		if _, ok := d.(goptuna.CategoricalDistribution); ok {
			n++
		}
	}
	return n
}

// withAuto adds the column "auto": for each problem the results of the configuration auto
// chooses there (the same algorithm on the same seeds draws the same points).
func withAuto(rs []Result) []Result {
	out := rs
	for _, r := range rs {
		if r.Sampler == "auto" {
			return rs
		}
	}
	for _, r := range rs {
		p, ok := Lookup(r.Problem)
		if ok && r.Sampler == autoColumn(p) {
			a := r
			a.Sampler = "auto"
			out = append(out, a)
		}
	}
	return out
}

// listProblems prints the problems as a Markdown table.
func listProblems(w io.Writer) {
	fmt.Fprintln(w, "| problem | set | objectives | parameters | constraints | reference point | what it tests |")
	fmt.Fprintln(w, "|---|---|---|---|---|---|---|")
	for _, p := range AllProblems() {
		cons := 0
		if p.Cons != nil {
			cons = len(p.Cons(make([]float64, p.Dim())))
		}
		ref := "–"
		if p.Multi() {
			ref = fmt.Sprint(p.Ref)
		}
		fmt.Fprintf(w, "| %s | %s | %d | %d | %d | %s | %s |\n", p.Name, p.Set, p.Objectives(), p.Dim(), cons, ref, p.About)
	}
}
