#!/usr/bin/env python3
"""A trial command for attnsearch: one trial of a toy "training run" with two objectives.

attnsearch starts this script once per trial, in this directory, and speaks the trial-command
protocol with it (README, "Trial commands"):

  stdin   one JSON object: {"trial": N, "seed": S, "params": {"x": 1.5, "layers": 3, ...}}
  stdout  {"step": k, "values": {...}} after each epoch (the pruner sees these), then, as the
          last line, {"values": {...}} with every objective and constraint value.
          Lines that are not JSON objects are kept as the trial's log.
  exit    0 when the result line was written; anything else fails the trial (stderr's last
          lines become the reason).

Standard library only: runs with any Python 3.
"""
import json
import math
import os
import random
import sys
import time


def branin(x, y):
    """The Branin function: three global minima of 0.397887 on [-5, 10] x [0, 15]."""
    b, c, t = 5.1 / (4 * math.pi ** 2), 5 / math.pi, 1 / (8 * math.pi)
    return (y - b * x * x + c * x - 6) ** 2 + 10 * (1 - t) * math.cos(x) + 10


def main():
    trial = json.load(sys.stdin)              # the one input line
    p = trial["params"]
    rng = random.Random(trial["seed"])        # every random choice from the trial's seed
    pause = float(os.environ.get("TOY_EPOCH_SECONDS", "0"))

    # The "final" figures this configuration reaches.
    act_penalty = {"relu": 0.02, "gelu": 0.0, "tanh": 0.05}[p["act"]]
    error = branin(p["x"], p["y"]) / 300 + act_penalty + 0.1 / p["layers"]
    cost = p["layers"] * p["width"] ** 2 / 1000   # thousands of weights
    epochs = 5

    for epoch in range(1, epochs + 1):
        if pause:
            time.sleep(pause)
        # The validation error falls towards its final value, with a little seeded noise.
        partial = error + (1 + 0.1 * rng.random()) / epoch - 1 / epochs
        print(f"epoch {epoch}: val_error {partial:.4f}")                         # log line
        print(json.dumps({"step": epoch, "values": {"val_error": partial}}), flush=True)
        print(f"epoch {epoch} done", file=sys.stderr)

    print(json.dumps({"values": {
        "val_error": partial,    # objective: minimise
        "cost": cost,            # objective: minimise
        "cost_limit": cost - 150,  # constraint: feasible when <= 0
    }}))


if __name__ == "__main__":
    main()
