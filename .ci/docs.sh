#!/usr/bin/env bash
# Builds the DocC documentation of every library module as one combined archive, with warnings as errors (broken
# symbol links, undocumented parameters), then checks that every public declaration has a documentation comment.
set -euo pipefail
cd "$(dirname "$0")/.."
output="${1:-.build/documentation}"
targets=()
for module in Randomness Statistics GaussianIntegrals ODEIntegration Scenarios OnlineTheory OnlineSimulation DMFT \
              Plotting Reporting Sweeps StatPhysSGD; do
    targets+=(--target "$module")
done
swift package --disable-sandbox --allow-writing-to-directory "$output" generate-documentation \
    --enable-experimental-combined-documentation --warnings-as-errors "${targets[@]}" --output-path "$output"
python3 .ci/doc-coverage.py
