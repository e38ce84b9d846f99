#!/usr/bin/env bash
# The main job on a fresh machine: installs missing system packages, builds memq in release mode, then shows it:
# a per-layer summary of ResNet-50, the zoo, and (once those subcommands exist) a training-memory estimate and a
# fit on a GPU. Extra arguments are passed to a final `memq` call instead of the demo: scripts/run.sh summary vgg16
# SWIFT_SCRATCH=DIR builds in DIR instead of .build.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/setup.sh

scratch=()
if [ -n "${SWIFT_SCRATCH:-}" ]; then scratch=(--scratch-path "$SWIFT_SCRATCH"); fi

swift build "${scratch[@]}" -c release --product memq
memq="$(swift build "${scratch[@]}" -c release --show-bin-path)/memq"

if [ $# -gt 0 ]; then
  exec "$memq" "$@"
fi

show() {
  echo
  echo "\$ memq $*"
  "$memq" "$@"
}

# Subcommands other parts of MemQ add; the demo runs the ones this build has.
subcommands="$("$memq" --help | awk '/^SUBCOMMANDS:/ {in_list = 1; next} in_list && /^  [^ ]/ {print $1}')"
has_subcommand() { grep -qx "$1" <<<"$subcommands"; }

show summary resnet50
show models
if has_subcommand estimate; then show estimate resnet50 --batch 32 --optimizer adam; fi
if has_subcommand sweep; then show sweep resnet50 --batch 1,2,4..256 --dtypes fp32,amp-bf16 --optimizers adam --gpu a100-40gb; fi
if has_subcommand fit; then show fit resnet50 --gpu a100-40gb --optimizer adam --margin 5%; fi
# A real training step of a small network on this CPU, its resident memory against the estimate.
if has_subcommand validate; then show validate lenet5 --batch 256 --optimizer adam || true; fi
