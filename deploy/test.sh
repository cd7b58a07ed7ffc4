#!/usr/bin/env bash
# The one command that runs all of micon's tests on a fresh Debian 12 machine:
# installs dependencies, builds, and runs every ctest entry.
set -euo pipefail
cd "$(dirname "$0")/.."
bash deploy/install-deps.sh
bash deploy/build.sh
cd build
ctest --output-on-failure -j "$(nproc)" --timeout 600
