#!/usr/bin/env python3
"""One trial of a toy "training run" for attnsearch (docs/commands.md).

Reads the trial on stdin, reports a progress line per epoch and the result as the last line.
Standard library only.
"""
import json
import math
import os
import random
import sys
import time


def branin(x, y):
    """The Branin function: minimum 0.397887 at three points of [-5, 10] x [0, 15]."""
    b, c, t = 5.1 / (4 * math.pi ** 2), 5 / math.pi, 1 / (8 * math.pi)
    return (y - b * x * x + c * x - 6) ** 2 + 10 * (1 - t) * math.cos(x) + 10


def main():
    trial = json.load(sys.stdin)           # {"trial": N, "seed": S, "params": {...}}
    p = trial["params"]
    rng = random.Random(trial["seed"])     # every random choice from the trial's seed
    pause = float(os.environ.get("TOY_EPOCH_SECONDS", "0"))

    penalty = {"relu": 0.02, "gelu": 0.0, "tanh": 0.05}[p["act"]]
    final = branin(p["x"], p["y"]) / 300 + penalty + 0.1 / p["layers"]
    cost = p["layers"] * p["width"] ** 2 / 1000          # thousands of weights
    epochs = 5
    for epoch in range(1, epochs + 1):
        time.sleep(pause)
        err = final + (1 + 0.1 * rng.random()) / epoch - 1 / epochs
        print(f"epoch {epoch}: val_error {err:.4f}")       # not JSON: kept as the trial's log
        print(json.dumps({"step": epoch, "values": {"val_error": err}}), flush=True)

    # The result: every objective and constraint value the space file names.
    print(json.dumps({"values": {"val_error": err, "cost": cost, "cost_limit": cost - 150}}))


if __name__ == "__main__":
    main()
