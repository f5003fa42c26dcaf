// Command samplerbench runs attnsearch's samplers in-process on standard test problems and
// prints the median score over seeds: the hypervolume after 100 and 200 trials on ZDT1, ZDT2
// (2 objectives, 10-D) and DTLZ2 (3 objectives, 6-D), and the best value after 100 trials on
// Branin and Hartmann-6. With -optuna it reads the JSON that optuna_ref.py writes and prints both
// side by side. compare.sh runs both.
//
//	go run ./search/internal/samplerbench [-seeds 5] [-first-seed 0] [-problems ZDT1,…] [-optuna optuna.json] [-json | -ours ours.json]
package main
