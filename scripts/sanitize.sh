#!/usr/bin/env bash
# The server and transport test suites under ThreadSanitizer and AddressSanitizer (docs/reliability.md).
#
#   scripts/sanitize.sh              # both sanitizers
#   SANITIZERS=thread scripts/sanitize.sh
#
# Each sanitizer builds the tests in its own scratch directory (.build-tsan, .build-asan; several minutes on two
# cores), then runs the MemQServerTests and MemQTransportTests targets. A sanitizer report fails the run
# (TSAN_OPTIONS/ASAN_OPTIONS halt_on_error=1); the exit status is non-zero if any run fails.
set -uo pipefail
cd "$(dirname "$0")/.."
SANITIZERS="${SANITIZERS:-thread address}"
FILTER="${FILTER:-MemQServerTests|MemQTransportTests}"
# Validation measures a child's resident memory against the estimate: a sanitizer's shadow memory makes it fail by
# design, so that one test is skipped here (it runs in the normal suite).
SKIP="${SKIP:-validateThroughTheDaemon}"
export TSAN_OPTIONS="${TSAN_OPTIONS:-halt_on_error=1 second_deadlock_stack=1}"
export ASAN_OPTIONS="${ASAN_OPTIONS:-halt_on_error=1 detect_leaks=0}"
status=0
for s in $SANITIZERS; do
  case "$s" in
    thread) scratch=.build-tsan ;;
    address) scratch=.build-asan ;;
    *) echo "unknown sanitizer '$s' (thread, address)" >&2; exit 2 ;;
  esac
  mkdir -p "$scratch"
  echo "== $s sanitizer: building the tests in $scratch" >&2
  start=$(date +%s)
  if swift build --build-tests --scratch-path "$scratch" -Xswiftc -sanitize="$s" >"$scratch/sanitize.log" 2>&1 \
     && swift test --skip-build --scratch-path "$scratch" --filter "$FILTER" --skip "$SKIP" >>"$scratch/sanitize.log" 2>&1; then
    result=passed
  else
    result=FAILED; status=1
  fi
  summary=$(grep -E "Test run with|Executed [0-9]+ tests" "$scratch/sanitize.log" | tail -2 | tr '\n' ' ')
  reports=$(grep -c "WARNING: ThreadSanitizer\|ERROR: AddressSanitizer" "$scratch/sanitize.log" || true)
  echo "$s: $result in $(( $(date +%s) - start )) s; sanitizer reports: $reports; $summary"
done
exit $status
