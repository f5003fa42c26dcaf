"""Writes Optuna studies covering what the storage holds: python3 make_study.py OUT.db"""
import math, sys
import optuna

optuna.logging.set_verbosity(optuna.logging.WARNING)
url = "sqlite:///" + sys.argv[1]

multi = optuna.create_study(storage=url, study_name="multi", directions=["maximize", "minimize"],
                            sampler=optuna.samplers.RandomSampler(seed=1))
multi.set_user_attr("owner", {"team": "mt", "n": 3})
multi.set_user_attr("note", "plain text")
def f_multi(t):
    x = t.suggest_float("x", 0.0, 1.0)
    lr = t.suggest_float("lr", 1e-4, 1e-1, log=True)
    q = t.suggest_float("q", 0.0, 1.0, step=0.25)
    n = t.suggest_int("n", 1, 64, log=True)
    s = t.suggest_int("s", 0, 10, step=2)
    c = t.suggest_categorical("c", ["a", "b"])
    k = t.suggest_categorical("k", [1, 2.5, None, True])
    t.set_user_attr("tags", ["x", 1])
    t.set_user_attr("count", 7)
    t.set_user_attr("label", "12")
    t.set_system_attr("origin", {"host": "h"})
    if t.number == 2:
        raise RuntimeError("boom")
    if t.number == 3:
        return float("inf"), -float("inf")
    return x + q, n + s
multi.optimize(f_multi, n_trials=6, catch=(RuntimeError,))

single = optuna.create_study(storage=url, study_name="single", direction="minimize",
                             sampler=optuna.samplers.RandomSampler(seed=2))
def f_single(t):
    x = t.suggest_float("x", -1.0, 1.0)
    for step in range(3):
        v = [x * x + step, float("nan"), float("inf")][step] if t.number == 1 else x * x + step
        t.report(v, step)
    if t.number == 2:
        raise optuna.TrialPruned()
    return x * x
single.optimize(f_single, n_trials=4)
single.enqueue_trial({"x": 0.5})
