#!/usr/bin/env bash
# Every translation unit of micon's CUDA configuration, compiled (-fsyntax-only) against Debian
# trixie's CUDA LibTorch 2.6 headers and /usr/local/cuda's, on a machine whose own LibTorch is
# Debian 12's 1.13 for the CPU. Catches what a GPU build would fail to compile (an API that moved,
# a header 1.13 brought in by accident, the CUDA-only code in distributed/bootstrap.cc and
# tests/gpu/nccl_gpu_test.cc); not linking, nor anything at run time (docs/GPU.md).
#   bash tests/gpu/libtorch2_check.sh            # after deploy/install-deps.sh
# libtorch-cuda-dev's .deb (2.4 MB, headers only) is fetched with a private apt state under
# ~/.cache/micon-trixie (or $MICON_TRIXIE_CACHE), unpacked there, and nothing is installed. The
# CUDA configuration is configured in build-cuda-check/ (-DMICON_CUDA_SYNTAX_CHECK=ON; never built).
set -euo pipefail
cd "$(dirname "$0")/../.."
cache=${MICON_TRIXIE_CACHE:-$HOME/.cache/micon-trixie}
mirror=${MICON_TRIXIE_MIRROR:-http://deb.debian.org/debian}
cuda_include=${CUDA_INCLUDE:-/usr/local/cuda/include}
tree=build-cuda-check
prefix=$cache/libtorch-cuda-dev
started=$(date +%s)

if [ ! -f "$cuda_include/cuda_runtime_api.h" ]; then
  echo "libtorch2_check: no CUDA headers at $cuda_include (set CUDA_INCLUDE)" >&2
  exit 1
fi
if [ ! -f "$prefix/usr/include/torch/csrc/api/include/torch/torch.h" ]; then
  state=$cache/apt
  mkdir -p "$state/etc/apt/apt.conf.d" "$state/etc/apt/preferences.d" \
    "$state/var/lib/apt/lists/partial" "$state/var/cache/apt/archives/partial" \
    "$state/var/lib/dpkg"
  touch "$state/var/lib/dpkg/status"
  echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $mirror trixie contrib" \
    > "$state/etc/apt/sources.list"
  apt_opts=(-o "Dir=$state" -o "Dir::State::status=$state/var/lib/dpkg/status"
    -o Acquire::Check-Valid-Until=false -o Acquire::Languages=none
    -o APT::Sandbox::User=root)
  apt-get "${apt_opts[@]}" -qq update
  rm -rf "$cache/debs" "$prefix"
  mkdir -p "$cache/debs"
  (cd "$cache/debs" && apt-get "${apt_opts[@]}" -qq download libtorch-cuda-dev)
  dpkg -x "$cache"/debs/libtorch-cuda-dev_*.deb "$prefix"
fi
version=$(dpkg-deb -f "$cache"/debs/libtorch-cuda-dev_*.deb Version 2> /dev/null || echo '?')
echo "libtorch2_check: libtorch-cuda-dev $version, CUDA headers $cuda_include ($(($(date +%s) - started)) s)"

# The CUDA configuration's compile commands (unity batches and the shared precompiled header as in
# deploy/build.sh; ccache is not used, since nothing is built).
mkdir -p "$tree"
cmake -S . -B "$tree" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DMICON_CUDA_SYNTAX_CHECK=ON \
  -DMICON_NCCL=ON -DMICON_CCACHE=OFF -DCMAKE_EXPORT_COMPILE_COMMANDS=ON \
  > "$tree/configure.log" 2>&1 || { cat "$tree/configure.log"; exit 1; }
grep -E "micon: CUDA=" "$tree/configure.log"
grep -q "micon: CUDA=1 NCCL=1" "$tree/configure.log" ||
  { echo "libtorch2_check: the CUDA configuration did not configure" >&2; exit 1; }
# Unity sources and the generated headers exist once the tree is generated; the precompiled
# header's own source too.
/usr/bin/python3 tests/gpu/syntax_check.py "$tree" "$prefix" "$cuda_include" "$tree/syntax-check"
echo "libtorch2_check: passed in $(($(date +%s) - started)) s"
