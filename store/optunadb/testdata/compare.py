"""Compares study NAME in two Optuna storages field by field: python3 compare.py A.db B.db NAME"""
import math, sys
import optuna

optuna.logging.set_verbosity(optuna.logging.WARNING)

def same(a, b):
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
        return True
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    return a == b and type(a) == type(b)

name = sys.argv[3]
sa = optuna.load_study(storage="sqlite:///" + sys.argv[1], study_name=name)
sb = optuna.load_study(storage="sqlite:///" + sys.argv[2], study_name=name)
bad = []
for field in ("directions", "user_attrs", "system_attrs"):
    if not same(getattr(sa, field), getattr(sb, field)):
        bad.append(f"study {field}: {getattr(sa, field)!r} != {getattr(sb, field)!r}")
ta, tb = sa.get_trials(deepcopy=False), sb.get_trials(deepcopy=False)
if len(ta) != len(tb):
    bad.append(f"{len(ta)} trials != {len(tb)}")
for a, b in zip(ta, tb):
    for field in ("number", "state", "values", "params", "distributions", "intermediate_values",
                  "user_attrs", "system_attrs", "datetime_start", "datetime_complete"):
        x, y = getattr(a, field), getattr(b, field)
        if not same(x, y):
            bad.append(f"trial {a.number} {field}: {x!r} != {y!r}")
if bad:
    print("\n".join(bad))
    sys.exit(1)
print(f"{name}: {len(ta)} trials identical")
