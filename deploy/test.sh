#!/usr/bin/env bash
# The one command that runs all of micon's tests on a fresh Debian 12 machine:
# installs dependencies, builds, runs every ctest entry, then compiles the CUDA configuration
# against LibTorch 2.6's headers (tests/gpu/libtorch2_check.sh; where CUDA's headers are installed).
set -euo pipefail
cd "$(dirname "$0")/.."
bash deploy/install-deps.sh
bash deploy/build.sh
cd build
ctest --output-on-failure -j "$(nproc)" --timeout 600
cd ..
if [ -f "${CUDA_INCLUDE:-/usr/local/cuda/include}/cuda_runtime_api.h" ]; then
  bash tests/gpu/libtorch2_check.sh
else
  echo "test.sh: no CUDA headers (/usr/local/cuda/include): the LibTorch 2.6 compile check is skipped"
fi
