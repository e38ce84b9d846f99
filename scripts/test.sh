#!/usr/bin/env bash
# The test command: installs missing system packages, builds everything including tests, runs the whole suite.
# Exits with swift test's status. SWIFT_SCRATCH=DIR builds in DIR instead of .build.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/setup.sh

scratch=()
if [ -n "${SWIFT_SCRATCH:-}" ]; then scratch=(--scratch-path "$SWIFT_SCRATCH"); fi

swift build "${scratch[@]}" --build-tests
swift test "${scratch[@]}"
