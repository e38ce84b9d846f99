#!/usr/bin/env bash
# The roofline latency estimate against the native engine's measured times on this CPU (docs/latency.md).
#
#   scripts/latency-validate.sh                 # the validation models at batch 1 and 16, forward
#   MODELS="resnet18 vgg11" BATCHES="1 16" RUNS=5 TRAIN=1 scripts/latency-validate.sh
#
# Builds memq in release mode, calibrates the cpu-local device (memq calibrate-device, into a file of this run),
# then prints a Markdown table: per model and batch the estimated and measured forward time, the error, and the
# rank correlation of per-layer times; finally the largest and median absolute errors.
set -euo pipefail
cd "$(dirname "$0")/.."
SCRATCH="${SCRATCH:-.build-release}"
MODELS="${MODELS:-lenet5 alexnet vgg11 resnet18 resnet50 mobilenet_v2 shufflenet_v2_x1_0 squeezenet1_0 densenet121}"
BATCHES="${BATCHES:-1 16}"
RUNS="${RUNS:-3}"
swift build -c release --scratch-path "$SCRATCH" --product memq >&2
MEMQ="$SCRATCH/release/memq"
export MEMQ_DEVICE_FILE="${MEMQ_DEVICE_FILE:-$(mktemp -d)/cpu-local.json}"
"$MEMQ" calibrate-device >&2
EXTRA=()
[ "${TRAIN:-0}" = 1 ] && EXTRA=(--train)
OUT=$(mktemp -d)
for model in $MODELS; do
  for batch in $BATCHES; do
    "$MEMQ" latency "$model" --batch "$batch" --device cpu-local --measure --runs "$RUNS" "${EXTRA[@]}" --json \
      > "$OUT/$model-$batch.json" 2>/dev/null || echo "failed: $model batch $batch" >&2
  done
done
python3 - "$OUT" "${TRAIN:-0}" <<'PY'
import json, os, statistics, sys
out, train = sys.argv[1], sys.argv[2] == "1"
rows, errors = [], []
for name in sorted(os.listdir(out), key=lambda n: (n.rsplit("-", 1)[0], int(n.rsplit("-", 1)[1][:-5]))):
    r = json.load(open(os.path.join(out, name)))
    e, m = r["estimate"], r["measured"]
    est, meas, err = (e["step_seconds"], m["step_seconds"], m["step_error"]) if train else \
                     (e["forward_seconds"], m["forward_seconds"], m["forward_error"])
    errors.append(abs(err))
    rho = m.get("rank_correlation")
    rows.append(f"| {e['model']} | {e['batch']} | {est*1e3:.2f} | {meas*1e3:.2f} | {err*100:+.1f}% | "
                f"{'-' if rho is None else f'{rho:.3f}'} | {e['forward_compute_bound_layers']} / {e['forward_memory_bound_layers']} |")
what = "step" if train else "forward"
print(f"| model | batch | estimated {what} (ms) | measured {what} (ms) | error | per-layer rank correlation | compute / memory-bound layers |")
print("|---|---:|---:|---:|---:|---:|---|")
print("\n".join(rows))
print(f"\nlargest |error| {max(errors)*100:.1f}%, median |error| {statistics.median(errors)*100:.1f}% over {len(errors)} cases")
PY
