#!/usr/bin/env bash
# Estimator benchmark: in-process timings of one estimate, a 13-point batch sweep and a fit, for a model
# (default resnet50), with a release build, beside the same question answered the slow way in the same run
# (the native engine's forward pass at batch 1: what a tool that runs the model must at least do), as ratios.
#
#   scripts/bench-estimate.sh              # resnet50
#   scripts/bench-estimate.sh vgg16
#
# Prints a markdown table (paste into docs/benchmarks.md) and the raw JSON. Timings are medians of repeats.
set -euo pipefail
cd "$(dirname "$0")/.."
MODEL="${1:-resnet50}"
SCRATCH="${SCRATCH:-.build-bench}"

scripts/setup.sh >&2
swift build -c release --scratch-path "$SCRATCH" --product memq-bench >&2
json="$("$SCRATCH/release/memq-bench" "$MODEL")"
echo "$json"
python3 - "$json" <<'PY'
import json, sys
d = json.loads(sys.argv[1])
base = d.get("engine_forward_us")
def row(name, us):
    ratio = f"{base / us:,.0f}x faster" if base else "n/a"
    return f"| {name} | {us:,.1f} µs | {ratio} |"
print()
print(f"Model `{d['model']}`; baseline: the native engine's forward pass at batch 1 = "
      + (f"{base/1000:,.1f} ms" if base else "not available in this build") + " (same run).")
print()
print("| query | time (median) | vs. running the forward pass |")
print("|---|---|---|")
for b, us in sorted(d["estimate_warm_us"].items(), key=lambda kv: int(kv[0])):
    print(row(f"estimate, batch {b} (model analysed, step recorded)", us))
print(row("estimate, batch 32, cold (analyse the graph, record the step, evaluate)", d["estimate_cold_us"]))
print(row("estimate, batch 32, `--runtime pytorch-cuda --gpu a100-40gb` (allocator replay)", d["estimate_warm_pytorch_cuda_us"]))
print(row("sweep, 13 batch sizes (1..4096)", d["sweep_13_points_us"]))
print(row("fit on a100-40gb, 5% margin", d["fit_us"]))
print(row("seed method estimate", d["seed_us"]))
if "hf_llama3_8b_s4096_cold_us" in d:
    print(row(f"LLaMA-3-8B config, 4096 tokens, bf16 AdamW batch 4, cold ({d['hf_llama3_8b_nodes']:,} nodes: build, analyse, record, evaluate)", d["hf_llama3_8b_s4096_cold_us"]))
    print(row("LLaMA-3-8B config, 4096 tokens, warm (step recorded)", d["hf_llama3_8b_s4096_warm_us"]))
if "service_handle_us" in d:
    print(row("daemon fast path without transport (body in, reply JSON out)", d["service_handle_us"]))
PY
