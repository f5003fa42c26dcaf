#!/usr/bin/python3
"""Optuna 3.1 on the problems of samplerbench (problems.go), with the same reference points.

Prints a JSON list of {problem, sampler, trials, median, scores} (median over seeds 0..seeds-1)
that `go run ./search/internal/samplerbench -optuna FILE` shows next to ours.
Run with Debian's Python (/usr/bin/python3, apt-get install python3-optuna).

    /usr/bin/python3 optuna_ref.py [seeds] [problem,problem...]
"""
import json
import math
import statistics
import sys

import numpy as np
import optuna
from optuna._hypervolume import WFG

optuna.logging.set_verbosity(optuna.logging.WARNING)


def zdt_g(x):
    return 1 + 9 * sum(x[1:]) / (len(x) - 1)


def zdt1(x):
    g = zdt_g(x)
    return [x[0], g * (1 - math.sqrt(x[0] / g))]


def zdt2(x):
    g = zdt_g(x)
    return [x[0], g * (1 - (x[0] / g) ** 2)]


def dtlz2(x):
    g = sum((v - 0.5) ** 2 for v in x[2:])
    a, b = x[0] * math.pi / 2, x[1] * math.pi / 2
    return [(1 + g) * math.cos(a) * math.cos(b), (1 + g) * math.cos(a) * math.sin(b), (1 + g) * math.sin(a)]


def branin(x):
    a, b, c, r, s, t = 1.0, 5.1 / (4 * math.pi ** 2), 5 / math.pi, 6.0, 10.0, 1 / (8 * math.pi)
    return [a * (x[1] - b * x[0] ** 2 + c * x[0] - r) ** 2 + s * (1 - t) * math.cos(x[0]) + s]


ALPHA = [1.0, 1.2, 3.0, 3.2]
A = [[10, 3, 17, 3.5, 1.7, 8], [0.05, 10, 17, 0.1, 8, 14], [3, 3.5, 1.7, 10, 17, 8], [17, 8, 0.05, 10, 0.1, 14]]
P = [[1312, 1696, 5569, 124, 8283, 5886], [2329, 4135, 8307, 3736, 1004, 9991],
     [2348, 1451, 3522, 2883, 3047, 6650], [4047, 8828, 8732, 5743, 1091, 381]]


def hartmann6(x):
    y = 0.0
    for i in range(4):
        s = sum(A[i][j] * (x[j] - P[i][j] * 1e-4) ** 2 for j in range(6))
        y -= ALPHA[i] * math.exp(-s)
    return [y]


# name: (bounds per dimension, function, hypervolume reference or None)
PROBLEMS = {
    "ZDT1": ([(0, 1)] * 10, zdt1, [1.1, 11]),
    "ZDT2": ([(0, 1)] * 10, zdt2, [1.1, 11]),
    "DTLZ2": ([(0, 1)] * 6, dtlz2, [2.1, 2.1, 2.1]),
    "Branin": ([(-5, 10), (0, 15)], branin, None),
    "Hartmann6": ([(0, 1)] * 6, hartmann6, None),
}


def samplers(multi, seed):
    if multi:
        return [
            ("tpe", optuna.samplers.TPESampler(seed=seed)),
            ("nsga2", optuna.samplers.NSGAIISampler(seed=seed)),
            ("random", optuna.samplers.RandomSampler(seed=seed)),
        ]
    return [
        ("tpe", optuna.samplers.TPESampler(seed=seed)),
        ("tpe multivariate", optuna.samplers.TPESampler(seed=seed, multivariate=True)),
        ("random", optuna.samplers.RandomSampler(seed=seed)),
    ]


def hypervolume(ys, ref):
    ref = np.asarray(ref, dtype=float)
    pts = np.asarray([y for y in ys if all(a < r for a, r in zip(y, ref))], dtype=float)
    if len(pts) == 0:
        return 0.0
    return float(WFG().compute(pts, ref))


def main():
    seeds = int(sys.argv[1]) if len(sys.argv) > 1 else 5
    only = sys.argv[2].split(",") if len(sys.argv) > 2 else list(PROBLEMS)
    results = []
    for name in only:
        bounds, f, ref = PROBLEMS[name]
        multi = ref is not None
        budgets = [100, 200] if multi else [100]
        scores = {}
        for seed in range(seeds):
            for sname, sampler in samplers(multi, seed):
                study = optuna.create_study(
                    directions=["minimize"] * len(ref) if multi else None,
                    direction=None if multi else "minimize",
                    sampler=sampler,
                )

                def objective(trial):
                    x = [trial.suggest_float("x%02d" % i, lo, hi) for i, (lo, hi) in enumerate(bounds)]
                    y = f(x)
                    return tuple(y) if multi else y[0]

                study.optimize(objective, n_trials=budgets[-1])
                ys = [t.values for t in study.trials]
                for n in budgets:
                    s = hypervolume(ys[:n], ref) if multi else min(y[0] for y in ys[:n])
                    scores.setdefault((sname, n), []).append(s)
        for (sname, n), ss in scores.items():
            results.append({"problem": name, "sampler": sname, "trials": n,
                            "median": statistics.median(ss), "scores": ss})
    json.dump(results, sys.stdout)
    print()


if __name__ == "__main__":
    main()
