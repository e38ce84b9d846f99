#!/usr/bin/env bash
# Validation grid: `memq validate` for every model x batch x optimizer below, one fresh child process each, and a
# Markdown table of estimate (runtime native) vs measured peak RSS delta (docs/validation.md).
#
#   scripts/validate-table.sh                          # the full 81-case grid (9 models x 3 batches x 3 optimizers)
#   MODELS="lenet5 resnet18" BATCHES="1 4" OPTIMIZERS=sgd scripts/validate-table.sh
#   STEPS=3 TOLERANCE=3% MEMQ=.build/release/memq scripts/validate-table.sh
#
# Builds memq in release mode unless MEMQ is set. Writes the raw JSON of each case to $OUT (default
# /tmp/memq-validate) and the table to standard output.
set -euo pipefail
cd "$(dirname "$0")/.."

MODELS="${MODELS:-lenet5 alexnet vgg11 resnet18 resnet50 mobilenet_v2 squeezenet1_0 shufflenet_v2_x1_0 densenet121}"
BATCHES="${BATCHES:-1 4 16}"
OPTIMIZERS="${OPTIMIZERS:-sgd momentum adam}"
STEPS="${STEPS:-2}"
TOLERANCE="${TOLERANCE:-3%}"
OUT="${OUT:-/tmp/memq-validate}"
SCRATCH="${SCRATCH:-.build-probe}"
if [ -z "${MEMQ:-}" ]; then
  swift build -c release --scratch-path "$SCRATCH" --product memq >&2
  MEMQ="$SCRATCH/release/memq"
fi
mkdir -p "$OUT"

echo "| model | input | batch | optimizer | estimate (MiB) | measured RSS delta (MiB) | allocator peak (MiB) | error | pass |"
echo "|---|---|---:|---|---:|---:|---:|---:|---|"
for model in $MODELS; do
  for batch in $BATCHES; do
    for optimizer in $OPTIMIZERS; do
      file="$OUT/$model-b$batch-$optimizer.json"
      "$MEMQ" validate "$model" --batch "$batch" --optimizer "$optimizer" --steps "$STEPS" --tolerance "$TOLERANCE" \
        --timeout 1800 --json >"$file" 2>"$OUT/$model-b$batch-$optimizer.err" || true
      python3 - "$file" <<'PY'
import json, sys
try:
    d = json.load(open(sys.argv[1]))
except Exception as e:
    print(f"| {sys.argv[1]} | - | - | - | - | - | - | - | error: {e} |"); sys.exit()
m = d.get("measured") or {}
mib = lambda b: f"{b / 1048576:.2f}" if b is not None else "-"
err = d.get("error")
print(f"| {d['model']} | {d['input']} | {d['batch']} | {d['optimizer']} | {mib(d['estimate']['peak_bytes'])} | "
      f"{mib(m.get('peak_rss_delta_bytes'))} | {mib(m.get('allocator_peak_bytes'))} | "
      f"{'-' if err is None else f'{err * 100:+.2f}%'} | {'yes' if d['pass'] else 'no' + (' (' + d['failure'] + ')' if d.get('failure') else '')} |")
PY
    done
  done
done
