#!/usr/bin/env bash
# Installs the system packages MemQ needs, only when they are missing.
# libzmq3-dev: memqd's transport; libopenblas-dev: the native engine's GEMM; libsqlite3-dev: memqd's observations (GRDB);
# pkg-config: how SwiftPM finds both; chromium: the headless browser the HTML report test opens its page in;
# pyzmq: the example Python client used in a test; majortomo: the MDP/0.2 interop tests.
set -euo pipefail

need=()
for pkg in libzmq3-dev libopenblas-dev libsqlite3-dev pkg-config chromium; do
  dpkg -s "$pkg" >/dev/null 2>&1 || need+=("$pkg")
done
if [ ${#need[@]} -gt 0 ]; then
  echo "setup: installing ${need[*]}" >&2
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq "${need[@]}" >/dev/null
fi

if ! python3 -c 'import zmq' >/dev/null 2>&1; then
  echo "setup: installing pyzmq" >&2
  python3 -m pip install --quiet pyzmq || echo "setup: pyzmq unavailable; the Python client test will be skipped" >&2
fi

# majortomo: an independent MDP/0.2 (RFC 18) broker, client and worker in pure Python; the interop tests run memqd
# workers behind it and it behind memqd's broker (Tests/MemQServerTests/MDPInteropTests.swift).
if ! python3 -c 'import majortomo.broker' >/dev/null 2>&1; then
  echo "setup: installing majortomo 0.2.0" >&2
  python3 -m pip install --quiet 'majortomo==0.2.0' || echo "setup: majortomo unavailable; the MDP interop tests will be skipped" >&2
fi
