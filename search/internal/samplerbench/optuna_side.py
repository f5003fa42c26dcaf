#!/usr/bin/python3
"""Optuna 3.1's samplers on samplerbench's problems (the Optuna side of the benchmark).

The problems are defined once, in Go (problems.go, evalproblems.go, wfg.go): this script reads
their spaces from `samplerbench -describe` and has every point evaluated by `samplerbench -serve`
(objectives as the sampler sees them, noise included, and constraint values), so both sides run
the same definitions and the same noise. It prints one JSON object per run,
{problem, sampler, seed, xs}, the points in the order Optuna proposed them (categorical
parameters as choice indices); `samplerbench -optuna FILE` re-evaluates and scores them exactly
as it scores ours.

Samplers: multi-objective problems TPESampler, NSGAIISampler and RandomSampler (defaults, with
constraints_func where the problem has constraints); single-objective TPESampler (independent and
multivariate) and RandomSampler. Run with Debian's Python (apt-get install python3-optuna):

    go build -o /tmp/samplerbench ./search/internal/samplerbench
    /usr/bin/python3 search/internal/samplerbench/optuna_side.py /tmp/samplerbench SEEDS PROBLEM[,PROBLEM…] > runs.jsonl

SEEDS is a count (5: seeds 0–4) or a range (3-4: seeds 3 and 4), so that a long comparison can be
split into pieces that run side by side or one after another.
"""
import json
import subprocess
import sys
import warnings

import numpy as np
import optuna
from optuna.samplers._tpe import sampler as tpe_module

optuna.logging.set_verbosity(optuna.logging.WARNING)
warnings.filterwarnings("ignore", category=optuna.exceptions.ExperimentalWarning)


def once_per_history(f):
    """Memoises f, a pure function of the history (TPESampler's split of the trials and, with
    several objectives, the good group's hypervolume weights), on its last arguments. Optuna
    3.1's TPESampler recomputes both for every parameter of a point from the same history, which
    for three objectives (a WFG hypervolume per good trial, in Python) dominates the run; the
    values, and so the points proposed, are the same (checked: identical points on TNK and ZDT3).
    """
    last = {}

    def key(args):
        out = []
        for a in args:
            if isinstance(a, np.ndarray):
                out.append((a.dtype.str, a.shape, a.tobytes()))
            elif isinstance(a, list):
                out.append(tuple((s, tuple(v)) if isinstance(v, (list, tuple)) else v for s, v in a)
                           if a and isinstance(a[0], tuple) else tuple(a))
            else:
                out.append(a)
        return tuple(out)

    def copy(r):
        if isinstance(r, tuple):
            return tuple(x.copy() for x in r)
        return r.copy()

    def wrapped(*args):
        k = key(args)
        if k not in last:
            last.clear()
            last[k] = f(*args)
        return copy(last[k])

    return wrapped


tpe_module._split_observation_pairs = once_per_history(tpe_module._split_observation_pairs)
tpe_module._calculate_weights_below_for_multi_objective = once_per_history(
    tpe_module._calculate_weights_below_for_multi_objective)


def samplers(multi, constrained, seed):
    cons = (lambda ft: ft.user_attrs["c"]) if constrained else None
    if multi:
        return [
            ("tpe", optuna.samplers.TPESampler(seed=seed, constraints_func=cons)),
            ("nsga2", optuna.samplers.NSGAIISampler(seed=seed, constraints_func=cons)),
            ("random", optuna.samplers.RandomSampler(seed=seed)),
        ]
    return [
        ("tpe", optuna.samplers.TPESampler(seed=seed, constraints_func=cons)),
        ("tpe multivariate", optuna.samplers.TPESampler(seed=seed, multivariate=True, constraints_func=cons)),
        ("random", optuna.samplers.RandomSampler(seed=seed)),
    ]


def main():
    binary, names = sys.argv[1], sys.argv[3].split(",")
    first, _, last = sys.argv[2].partition("-")
    seeds = range(int(first), int(last) + 1) if last else range(int(first))
    problems = {p["name"]: p for p in json.loads(subprocess.check_output([binary, "-describe"]))}
    server = subprocess.Popen([binary, "-serve"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)

    def evaluate(name, x, seed, trial):
        server.stdin.write(json.dumps({"problem": name, "x": x, "seed": seed, "trial": trial}) + "\n")
        server.stdin.flush()
        return json.loads(server.stdout.readline())

    for name in names:
        p = problems[name]
        multi = p["objectives"] > 1
        for seed in seeds:
            for sname, sampler in samplers(multi, p["constrained"], seed):
                study = optuna.create_study(directions=["minimize"] * p["objectives"], sampler=sampler)
                xs = []

                def objective(trial):
                    x = []
                    for q in p["params"]:
                        if q["type"] == "float":
                            x.append(trial.suggest_float(q["name"], q["low"], q["high"]))
                        elif q["type"] == "int":
                            x.append(float(trial.suggest_int(q["name"], int(q["low"]), int(q["high"]))))
                        else:
                            x.append(float(q["choices"].index(trial.suggest_categorical(q["name"], q["choices"]))))
                    xs.append(x)
                    r = evaluate(name, x, seed, trial.number)
                    if r["c"] is not None:
                        trial.set_user_attr("c", r["c"])
                    return tuple(r["y"]) if multi else r["y"][0]

                study.optimize(objective, n_trials=max(p["budgets"]))
                print(json.dumps({"problem": name, "sampler": sname, "seed": seed, "xs": xs}), flush=True)
    server.stdin.close()
    server.wait()


if __name__ == "__main__":
    main()
