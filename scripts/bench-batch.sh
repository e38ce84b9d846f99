#!/usr/bin/env bash
# Batch benchmark: QUERIES estimates sent one by one against the same QUERIES in one `batch` request, one memqd
# (release build), ROUNDS rounds; prints each round's JSON (ratio = one-by-one time / batch time).
#
#   scripts/bench-batch.sh                 # 2000 queries, 3 rounds
#   QUERIES=5000 ROUNDS=5 scripts/bench-batch.sh
set -euo pipefail
cd "$(dirname "$0")/.."
QUERIES="${QUERIES:-2000}"
ROUNDS="${ROUNDS:-3}"
SCRATCH="${SCRATCH:-.build-bench}"
python3 -c 'import zmq' 2>/dev/null || { echo "bench-batch: needs pyzmq (run scripts/setup.sh)" >&2; exit 2; }
if [ -z "${MEMQD:-}" ]; then
  swift build -c release --scratch-path "$SCRATCH" --product memqd >&2
  MEMQD="$SCRATCH/release/memqd"
fi
out=$(mktemp)
"$MEMQD" --endpoint 'tcp://127.0.0.1:*' --max-message-bytes 67108864 >"$out" 2>/dev/null &
pid=$!
trap 'kill $pid 2>/dev/null; rm -f "$out"' EXIT
for _ in $(seq 50); do grep -q '^listening' "$out" && break; sleep 0.1; done
endpoint=$(grep -m1 '^listening' "$out" | cut -d' ' -f2)
for round in $(seq "$ROUNDS"); do
  python3 scripts/bench_batch.py --endpoint "$endpoint" --queries "$QUERIES"
done
