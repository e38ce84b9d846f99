#!/usr/bin/env bash
# Soak and load test on loopback (docs/reliability.md): starts memqd (release build), runs scripts/soak.py with
# CLIENTS (default 16) x REQUESTS (default 10000) mixed good, malformed and abandoned requests, prints the counts and
# memqd's resident memory before and after, stops memqd with SIGTERM and checks it exits 0.
#
#   scripts/soak.sh
#   CLIENTS=4 REQUESTS=500 MEMQD=.build/debug/memqd scripts/soak.sh
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -c 'import zmq' 2>/dev/null || { echo "soak: needs pyzmq (run scripts/setup.sh)" >&2; exit 2; }
if [ -z "${MEMQD:-}" ]; then
  swift build -c release --scratch-path "${SCRATCH:-.build-release}" --product memqd >&2
  MEMQD="${SCRATCH:-.build-release}/release/memqd"
fi
PORT="${PORT:-$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')}"
ENDPOINT="tcp://127.0.0.1:$PORT"
"$MEMQD" --endpoint "$ENDPOINT" >"${TMPDIR:-/tmp}/memqd-soak.log" 2>&1 &
PID=$!
trap 'kill -9 $PID 2>/dev/null || true' EXIT
python3 scripts/memq_client.py --endpoint "$ENDPOINT" --tries 20 --timeout 0.5 health >/dev/null
status=0
python3 scripts/soak.py "$ENDPOINT" "$PID" || status=1
kill -TERM "$PID"
if wait "$PID"; then echo "memqd exited 0 after SIGTERM"; else echo "memqd exited $? after SIGTERM"; status=1; fi
trap - EXIT
exit $status
