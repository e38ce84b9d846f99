#!/usr/bin/env bash
# How summary and estimate scale with the graph (docs/reliability.md, "Work bounded by input"): relu chains of 1k,
# 10k and 100k nodes and a wide DAG (a ladder where every node adds the two before it: each tensor read twice, a
# second gradient summed at every node), through the CLI in-process, release build. Prints a Markdown table of
# wall seconds and peak RSS, and the time per node, which stays flat when the work is linear.
#
#   scripts/bench-scaling.sh
#   SIZES="1000 10000" scripts/bench-scaling.sh
set -euo pipefail
cd "$(dirname "$0")/.."
SIZES="${SIZES:-1000 10000 100000}"
SCRATCH="${SCRATCH:-.build-release}"
swift build -c release --scratch-path "$SCRATCH" --product memq >&2
MEMQ="$SCRATCH/release/memq"
DIR=$(mktemp -d)
python3 - "$DIR" $SIZES <<'PY'
import json, sys
out, sizes = sys.argv[1], [int(s) for s in sys.argv[2:]]
for n in sizes:
    nodes = [{"name": f"r{i}", "op": "relu", "inplace": False} for i in range(n)]
    json.dump({"name": f"chain{n}", "input": {"shape": [64]}, "nodes": nodes}, open(f"{out}/chain-{n}.json", "w"))
    ladder = [{"name": "a0", "op": "relu", "inplace": False}, {"name": "a1", "op": "relu", "inplace": False}]
    for i in range(2, n):
        ladder.append({"name": f"a{i}", "op": "add", "inputs": [f"a{i-1}", f"a{i-2}"]})
    ladder.append({"name": "head", "op": "linear", "out_features": 10})
    json.dump({"name": f"ladder{n}", "input": {"shape": [64]}, "nodes": ladder}, open(f"{out}/ladder-{n}.json", "w"))
PY
echo "| graph | nodes | command | seconds | peak RSS (MiB) | us per node |"
echo "|---|---:|---|---:|---:|---:|"
for kind in chain ladder; do
  for n in $SIZES; do
    for cmd in summary estimate; do
      /usr/bin/time -f "%e %M" -o "$DIR/time" "$MEMQ" "$cmd" "$DIR/$kind-$n.json" >/dev/null
      read -r secs kib < "$DIR/time"
      awk -v k="$kind" -v n="$n" -v c="$cmd" -v s="$secs" -v m="$kib" \
        'BEGIN { printf "| %s | %d | %s | %.2f | %.0f | %.1f |\n", k, n, c, s, m / 1024, s * 1e6 / n }'

    done
  done
done
