// Command samplerbench runs attnsearch's samplers in-process on standard test problems — five
// development problems (ZDT1, ZDT2, DTLZ2, Branin, Hartmann-6: defaults are chosen on them) and
// nineteen evaluation problems from the literature (ZDT3/4/6, DTLZ1/5/7, WFG1–WFG4, TNK, SRN, OSY,
// C2-DTLZ2, a mixed integer/categorical and a noisy problem, three single-objective problems with
// integer or categorical dimensions: only reported) — and prints, per problem and budget (100
// and 200 trials), the median and quartiles over seeds of the hypervolume (several objectives) or
// the best value (one), next to Optuna 3.1's when given the runs of optuna_side.py, which
// evaluates through this command (-describe, -serve) so both sides run one definition.
// compare.sh runs both; docs/samplers-benchmark.md holds the tables.
//
//	go run ./search/internal/samplerbench [-set dev|eval|all] [-problems P,…] [-samplers S,…] [-seeds 5] [-first-seed 0]
//	    [-optuna runs.jsonl] [-ours ours.json | -json] | -list | -describe | -serve
package main
