#!/bin/sh
# compare.sh: attnsearch's samplers and Optuna 3.1's on samplerbench's problems, side by side.
#
# Builds samplerbench, runs optuna_side.py (Debian's python3-optuna, /usr/bin/python3) one
# problem at a time, then our samplers, and prints the tables (medians and quartiles over SEEDS
# seeds, 100 and 200 trials) with, per cell, the default sampler (motpe; tpe for one objective)
# against Optuna's best. The runs are kept in OUT (default: a temporary directory), one file
# per problem, so an interrupted comparison can be finished with the same OUT.
#
#   search/internal/samplerbench/compare.sh                        # every problem (hours on one core)
#   SET=dev search/internal/samplerbench/compare.sh                # the development problems
#   PROBLEMS=ZDT3,TNK SEEDS=5 OUT=/tmp/cmp search/internal/samplerbench/compare.sh
set -eu
cd "$(dirname "$0")/../../.."
seeds=${SEEDS:-5}
set=${SET:-all}
out=${OUT:-$(mktemp -d)}
mkdir -p "$out"
bin="$out/samplerbench"
go build -o "$bin" ./search/internal/samplerbench
problems=${PROBLEMS:-$("$bin" -describe | /usr/bin/python3 -c "
import json, sys
print(','.join(p['name'] for p in json.load(sys.stdin) if '$set' in ('all', p['set'])))")}
for p in $(echo "$problems" | tr ',' ' '); do
	[ -s "$out/optuna_$p.jsonl" ] || /usr/bin/python3 search/internal/samplerbench/optuna_side.py "$bin" "$seeds" "$p" > "$out/optuna_$p.jsonl"
	[ -s "$out/ours_$p.json" ] || "$bin" -problems "$p" -seeds "$seeds" -json > "$out/ours_$p.json"
done
cat "$out"/optuna_*.jsonl > "$out/optuna.all"
cat "$out"/ours_*.json > "$out/ours.all"
"$bin" -problems "$problems" -ours "$out/ours.all" -optuna "$out/optuna.all"
echo "runs kept in $out" >&2
