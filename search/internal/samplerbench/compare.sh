#!/bin/sh
# compare.sh: attnsearch's samplers and Optuna 3.1's on the same problems, side by side.
#
# Runs optuna_ref.py (Debian's python3-optuna, /usr/bin/python3) and samplerbench, then prints the
# hypervolume table (ZDT1, ZDT2, DTLZ2 after 100 and 200 trials) and the best-value table (Branin,
# Hartmann-6 after 100 trials), medians over SEEDS seeds (default 5).
#
#   search/internal/samplerbench/compare.sh            # from the repository root
#   SEEDS=3 PROBLEMS=ZDT1,Branin search/internal/samplerbench/compare.sh
set -eu
cd "$(dirname "$0")/../../.."
seeds=${SEEDS:-5}
problems=${PROBLEMS:-ZDT1,ZDT2,DTLZ2,Branin,Hartmann6}
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
# One Optuna process per problem, in parallel (Optuna's multi-objective TPE is the slow part).
for p in $(echo "$problems" | tr ',' ' '); do
	/usr/bin/python3 search/internal/samplerbench/optuna_ref.py "$seeds" "$p" > "$dir/$p.json" &
done
wait
cat "$dir"/*.json > "$dir/optuna.all"
go run ./search/internal/samplerbench -seeds "$seeds" -problems "$problems" -optuna "$dir/optuna.all"
