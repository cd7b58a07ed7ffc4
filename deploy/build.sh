#!/usr/bin/env bash
# Configures and builds micon (optimised, with line tables for backtraces; tests included)
# into ./build.
#   deploy/build.sh [extra cmake arguments]
# The configure output goes to build/configure.log (printed only when configuring fails).
set -euo pipefail
cd "$(dirname "$0")/.."
jobs=$(nproc)
# A LibTorch translation unit needs ~1.1 GB to compile; keep parallel jobs within memory.
mem_jobs=$(( $(awk '/MemAvailable/ {print $2}' /proc/meminfo) / 1300000 ))
[ "$mem_jobs" -ge 1 ] && [ "$mem_jobs" -lt "$jobs" ] && jobs=$mem_jobs
mkdir -p build
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo "$@" > build/configure.log \
  || { cat build/configure.log; exit 1; }
cmake --build build -j "$jobs"
