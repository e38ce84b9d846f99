#!/usr/bin/env bash
# Fuzzes the readers of outside bytes with libFuzzer and AddressSanitizer (docs/reliability.md).
#
#   scripts/fuzz.sh                        # every target, 60 s each
#   SECONDS_EACH=600 TARGETS="json frame" scripts/fuzz.sh
#
# Targets (Sources/MemQFuzz/FuzzTarget.swift): json (JSONValue.parse), spec (ModelSpec + analysis + estimate),
# body (memqd's request bodies through estimate, summary, latency, plan), frame (the wire decoders).
# Seeds: fuzz/corpus/TARGET (committed). The growing corpus is kept in .build-fuzz/corpus/TARGET; a crashing input is
# written to fuzz/crashes/TARGET/ and the run of that target stops (copy it to fuzz/regressions/TARGET/ once fixed:
# the MemQFuzzTests suite replays every file there). Prints one line per target: executions, corpus, crashes.
set -uo pipefail
cd "$(dirname "$0")/.."
SECONDS_EACH="${SECONDS_EACH:-60}"
TARGETS="${TARGETS:-json spec body frame}"
SCRATCH="${SCRATCH:-.build-fuzz}"
# Seconds one input may take (debug build under ASan: a request body can run a plan over every GPU type).
TIMEOUT="${TIMEOUT:-60}"
swift build --scratch-path "$SCRATCH" --product memq-fuzz \
  -Xswiftc -sanitize=fuzzer,address -Xswiftc -parse-as-library -Xswiftc -DMEMQ_LIBFUZZER >&2 || exit 1
BIN="$SCRATCH/debug/memq-fuzz"
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=0}"
status=0
for t in $TARGETS; do
  mkdir -p "$SCRATCH/corpus/$t" "fuzz/crashes/$t"
  log="$SCRATCH/fuzz-$t.log"
  MEMQ_FUZZ_TARGET="$t" "$BIN" -max_total_time="$SECONDS_EACH" -timeout="$TIMEOUT" -rss_limit_mb=4096 -max_len=65536 -report_slow_units=60 \
    -artifact_prefix="fuzz/crashes/$t/" "$SCRATCH/corpus/$t" "fuzz/corpus/$t" >"$log" 2>&1
  rc=$?
  runs=$(grep -oE "Done [0-9]+ runs" "$log" | grep -oE "[0-9]+" || echo "?")
  stats=$(grep -E "^#[0-9]+" "$log" | tail -1 | grep -oE "cov: [0-9]+ ft: [0-9]+ corp: [0-9]+/[0-9a-zA-Z]+" || true)
  crashes=$(find "fuzz/crashes/$t" -type f \( -name "crash-*" -o -name "timeout-*" -o -name "oom-*" -o -name "leak-*" \) | wc -l)
  echo "$t: ${SECONDS_EACH} s, ${runs} executions, ${stats}, crashes saved: ${crashes}, exit ${rc}"
  [ "$rc" -ne 0 ] && status=1
done
exit $status
