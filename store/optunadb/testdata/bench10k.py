"""Times the Optuna round trip of a 10,000-trial study (docs/serve.md, "Measurements").

    /usr/bin/python3 optunadb/testdata/bench10k.py path/to/attnsearch WORKDIR [TRIALS | NATIVE.db]

Optuna writes a two-objective study of TRIALS trials (three parameters, three intermediate
values, two user attributes) into its own SQLite storage; attnsearch imports it into a bbolt
store and exports it again; Optuna then loads both files (load_study + get_trials), best of 3.
Given NATIVE.db (a file this script was writing, possibly still), it takes a consistent copy of
that instead of writing one (Optuna's writing is what takes long on a busy machine).
"""
import math, os, random, subprocess, sys, time
import optuna

optuna.logging.set_verbosity(optuna.logging.WARNING)
sys.stdout.reconfigure(line_buffering=True)
binary, work = sys.argv[1], sys.argv[2]
given = sys.argv[3] if len(sys.argv) > 3 and sys.argv[3].endswith(".db") else None
n = int(sys.argv[3]) if len(sys.argv) > 3 and not given else 10000
os.makedirs(work, exist_ok=True)
native, store, exported = (os.path.join(work, f) for f in ("native.db", "bench.db", "exported.db"))
for f in (native, store, exported):
    if os.path.exists(f):
        os.remove(f)

if given:
    import sqlite3
    src, dst = sqlite3.connect(given), sqlite3.connect(native)
    src.backup(dst)
    src.close()
    dst.close()
    n = optuna.load_study(storage="sqlite:///" + native, study_name="bench").get_trials(deepcopy=False).__len__()
    print(f"a copy of {given}: {n} trials")
else:
    rng = random.Random(1)
    dists = {"x": optuna.distributions.FloatDistribution(0, 1), "n": optuna.distributions.IntDistribution(1, 64, log=True),
             "act": optuna.distributions.CategoricalDistribution(["relu", "gelu", "tanh"])}
    trials = []
    for i in range(n):
        x, k, act = rng.random(), rng.randint(1, 64), rng.choice(["relu", "gelu", "tanh"])
        state = optuna.trial.TrialState.PRUNED if i % 10 == 3 else optuna.trial.TrialState.COMPLETE
        trials.append(optuna.trial.create_trial(
            params={"x": x, "n": k, "act": act}, distributions=dists,
            values=[x + rng.random(), k * rng.random()] if state == optuna.trial.TrialState.COMPLETE else None,
            state=state, intermediate_values={s: x * s for s in range(3)},
            user_attrs={"cost": k * 1.5, "note": "t%d" % i}))
    t0 = time.perf_counter()
    storage = optuna.storages.RDBStorage("sqlite:///" + native)
    # Writing 10,000 trials one transaction each takes Optuna many minutes with fsync; the file is the
    # same without it (only loading it is timed).
    import sqlalchemy
    sqlalchemy.event.listen(storage.engine, "connect", lambda conn, _: conn.execute("PRAGMA synchronous=OFF"))
    storage.engine.dispose()
    study = optuna.create_study(storage=storage, study_name="bench", directions=["maximize", "minimize"])
    study.add_trials(trials)
    print(f"optuna writes {n} trials into its SQLite storage: {time.perf_counter() - t0:.1f} s")

def timed(args):
    t0 = time.perf_counter()
    subprocess.run([binary] + args, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - t0

print(f"attnsearch import --optuna ({n} trials into bbolt): {timed(['import', '--optuna', native, '--db', store]):.2f} s")
print(f"attnsearch export --optuna ({n} trials from bbolt): {timed(['export', '--optuna', exported, 'bench', '--db', store]):.2f} s")

def load(path):
    best = math.inf
    for _ in range(3):
        t0 = time.perf_counter()
        s = optuna.load_study(storage="sqlite:///" + path, study_name="bench")
        got = s.get_trials(deepcopy=False)
        best = min(best, time.perf_counter() - t0)
    return best, len(got)

for name, path in (("Optuna's own file", native), ("attnsearch's export", exported)):
    secs, count = load(path)
    print(f"optuna.load_study + get_trials, {name}: {secs:.2f} s ({count} trials, {os.path.getsize(path) >> 10} KiB)")
