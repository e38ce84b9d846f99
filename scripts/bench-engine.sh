#!/usr/bin/env bash
# Native engine benchmark: one training step of MODEL (default resnet18) at BATCH (default 8), and the same
# machine's OpenBLAS sgemm on a 2048-square product (its own threads), in the same process and run.
#
#   scripts/bench-engine.sh                    # resnet18, batch 8, SGD
#   MODEL=resnet50 BATCH=4 OPTIMIZER=adam scripts/bench-engine.sh
#   MEMQ=.build-probe/release/memq scripts/bench-engine.sh
#
# Step FLOPs are MemQ's own count: 3 x the forward's 2 x MACs (forward once, backward counted as twice the
# forward). Achieved GFLOP/s = step FLOPs / best step time of STEPS (default 5) timed steps after one untimed
# step. Timings are machine-dependent: compare the ratio to sgemm, not the numbers.
set -euo pipefail
cd "$(dirname "$0")/.."
MODEL="${MODEL:-resnet18}"
BATCH="${BATCH:-8}"
OPTIMIZER="${OPTIMIZER:-sgd}"
STEPS="${STEPS:-5}"
SCRATCH="${SCRATCH:-.build-probe}"
if [ -z "${MEMQ:-}" ]; then
  swift build -c release --scratch-path "$SCRATCH" --product memq >&2
  MEMQ="$SCRATCH/release/memq"
fi
"$MEMQ" validate "$MODEL" --batch "$BATCH" --optimizer "$OPTIMIZER" --steps "$STEPS" --bench-engine | python3 -c "
import json, sys
b = json.load(sys.stdin)
print(f'model             $MODEL, batch $BATCH, $OPTIMIZER, cores: $(nproc)')
print(f'step time         {b[\"stepSeconds\"] * 1000:.1f} ms (best of $STEPS)')
print(f'step FLOPs        {b[\"stepFlops\"] / 1e9:.2f} GFLOP (3 x 2 x MACs)')
print(f'achieved          {b[\"stepGFLOPS\"]:.1f} GFLOP/s')
print(f'sgemm {b[\"sgemmSize\"]}^3       {b[\"sgemmGFLOPS\"]:.1f} GFLOP/s (OpenBLAS threads, same process, best of 3 before and 3 after the steps)')
print(f'ratio             {b[\"ratio\"]:.2f} of sgemm')
"
