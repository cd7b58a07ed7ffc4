#!/usr/bin/env bash
# micon's C++ training step vs the same step in Python (Debian's python3-torch), side by side.
#   bash tests/bench/step_bench.sh [THREADS]     (after: cmake --build build --target step_bench)
set -euo pipefail
cd "$(dirname "$0")/../.."
threads=${1:-$(nproc)}
printf '| model | threads | micon C++ images/s | PyTorch (Python) images/s | C++ / Python |\n'
printf '|---|---:|---:|---:|---:|\n'
for kind in conv profile; do
  cpp=$(build/tests/bench/step_bench "$kind" "$threads" | awk '{print $2}')
  # micon sizes OpenBLAS's own pool to its thread count (core/torch_threads.cc); PyTorch does
  # not, so Python gets the same limit from the environment.
  py=$(OPENBLAS_NUM_THREADS=$threads /usr/bin/python3 tests/bench/step_bench.py "$kind" "$threads" |
       awk '{print $2}')
  ratio=$(awk -v a="$cpp" -v b="$py" 'BEGIN { printf "%.2f", a / b }')
  printf '| %s | %s | %s | %s | %s |\n' "$kind" "$threads" "$cpp" "$py" "$ratio"
done
