#!/usr/bin/env bash
# Daemon benchmark: throughput and p50/p99 latency for 1, 4 and 16 concurrent clients against
#   (a) memqd answering COMMAND BODY (default: estimate {"model": "resnet50"}), and
#   (b) a bare ZeroMQ echo server (memqd --echo), with the same clients in the same run,
# then the ratios (a)/(b): what memqd adds on top of the transport. Each client count runs ROUNDS (default 3)
# alternating rounds of both and reports each side's medians.
#
#   scripts/bench-daemon.sh                                   # estimate resnet50
#   scripts/bench-daemon.sh sweep '{"model": "resnet50", "batches": [1, 8, 32]}'
#   REQUESTS=2000 CLIENTS="1 4 16" ROUNDS=3 scripts/bench-daemon.sh
#   MEMQD_TEST_HANDLER=echo scripts/bench-daemon.sh           # daemon overhead only, no estimator
#   INLINE_FAST=false scripts/bench-daemon.sh                 # every request through the worker pool
#   MEMQD=.build/debug/memqd scripts/bench-daemon.sh           # use an existing binary
#
# Needs python3 with pyzmq (scripts/setup.sh). Builds memqd in release mode. Ports are chosen by
# the daemons (tcp://127.0.0.1:*). Timings are machine-dependent; compare ratios, not numbers.
set -euo pipefail
cd "$(dirname "$0")/.."

COMMAND="${1:-estimate}"
DEFAULT_BODY='{"model": "resnet50"}'
BODY="${2:-$DEFAULT_BODY}"
REQUESTS="${REQUESTS:-500}"
ROUNDS="${ROUNDS:-3}"
CLIENTS="${CLIENTS:-1 4 16}"
SCRATCH="${SCRATCH:-.build-bench}"

python3 -c 'import zmq' 2>/dev/null || { echo "bench-daemon: needs pyzmq (run scripts/setup.sh)" >&2; exit 2; }
if [ -z "${MEMQD:-}" ]; then   # MEMQD=path/to/memqd skips the build
  swift build -c release --scratch-path "$SCRATCH" --product memqd >&2
  MEMQD="$SCRATCH/release/memqd"
fi

tmp="$(mktemp -d)"
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$tmp"
}
trap cleanup EXIT

# start NAME ARGS...: runs memqd in the background (in this shell, so cleanup can stop it) and
# sets ENDPOINT to the endpoint it bound.
start() {
  local name="$1"; shift
  "$MEMQD" "$@" --endpoint 'tcp://127.0.0.1:*' --log-level warning >"$tmp/$name.out" 2>"$tmp/$name.err" &
  pids+=("$!")
  for _ in $(seq 1 200); do
    if grep -q '^listening ' "$tmp/$name.out"; then ENDPOINT="$(awk '/^listening /{print $2; exit}' "$tmp/$name.out")"; return; fi
    sleep 0.05
  done
  echo "bench-daemon: $name did not start: $(cat "$tmp/$name.err")" >&2
  exit 1
}

handler_args=()
[ -n "${MEMQD_TEST_HANDLER:-}" ] && handler_args=(--test-handler "$MEMQD_TEST_HANDLER")
start memqd --fast-workers "${FAST_WORKERS:-2}" --fast-queue 4096 --inline-fast "${INLINE_FAST:-true}" "${handler_args[@]}"
daemon="$ENDPOINT"
start echo --echo
echo_server="$ENDPOINT"

# A smoke request first: a command the build cannot answer is reported, not benchmarked.
first="$(python3 scripts/memq_client.py --endpoint "$daemon" "$COMMAND" "$BODY" 2>&1)" || {
  echo "bench-daemon: memqd answered $COMMAND with an error; nothing to benchmark:" >&2
  echo "$first" >&2
  exit 1
}

printf '%-8s %8s | %12s %9s %9s | %12s %9s %9s | %8s %8s %8s\n' \
  command clients "memqd rps" "p50 ms" "p99 ms" "echo rps" "p50 ms" "p99 ms" "rps x" "p50 x" "p99 x"
for n in $CLIENTS; do
  # ROUNDS alternating runs (memqd, echo, memqd, echo, ...): the machine's drift hits both sides alike, and the
  # table shows each side's median round.
  runs=()
  for _ in $(seq 1 "$ROUNDS"); do
    runs+=("$(python3 scripts/bench_daemon.py --endpoint "$daemon" --clients "$n" --requests "$REQUESTS" "$COMMAND" "$BODY")")
    runs+=("$(python3 scripts/bench_daemon.py --endpoint "$echo_server" --clients "$n" --requests "$REQUESTS" "$COMMAND" "$BODY")")
  done
  python3 - "$COMMAND" "$n" "${runs[@]}" <<'PY'
import json, statistics, sys
command, n, runs = sys.argv[1], sys.argv[2], [json.loads(r) for r in sys.argv[3:]]
daemon, echo = runs[0::2], runs[1::2]
median = lambda rows, key: statistics.median(r[key] for r in rows)
a = {k: median(daemon, k) for k in ("throughput_rps", "p50_ms", "p99_ms")}
b = {k: median(echo, k) for k in ("throughput_rps", "p50_ms", "p99_ms")}
ratio = lambda x, y: x / y if y else float("nan")
print(f"{command:<8} {n:>8} | {a['throughput_rps']:>12.1f} {a['p50_ms']:>9.3f} {a['p99_ms']:>9.3f} | "
      f"{b['throughput_rps']:>12.1f} {b['p50_ms']:>9.3f} {b['p99_ms']:>9.3f} | "
      f"{ratio(a['throughput_rps'], b['throughput_rps']):>8.2f} {ratio(a['p50_ms'], b['p50_ms']):>8.2f} "
      f"{ratio(a['p99_ms'], b['p99_ms']):>8.2f}")
timeouts = sum(r["timeouts"] for r in runs)
if timeouts:
    print(f"  timeouts: {timeouts}; statuses {[r['statuses'] for r in runs]}")
PY
done
