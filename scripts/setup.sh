#!/usr/bin/env bash
# Installs the system packages MemQ needs, only when they are missing.
# libzmq3-dev: memqd's transport; libopenblas-dev: the native engine's GEMM; libsqlite3-dev: memqd's observations (GRDB);
# pkg-config: how SwiftPM finds both; chromium: the headless browser the HTML report test opens its page in;
# pyzmq: the example Python client used in a test.
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
