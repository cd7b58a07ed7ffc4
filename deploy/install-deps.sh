#!/usr/bin/env bash
# Installs every Debian 12 package micon needs to build, test and run its demo. Idempotent:
# packages already present are not touched, and apt is not called when nothing is missing.
set -euo pipefail

packages=(
  # toolchain
  g++ cmake ninja-build pkg-config clang-format
  # build speed: a compiler cache that carries over to fresh clones (not mold: Debian 12's 1.10
  # links binaries that may not load, cmake/MiconLinker.cmake)
  ccache
  # LibTorch 1.13 (CPU) and an optimised BLAS: without libopenblas0-pthread LibTorch falls back
  # to the reference BLAS (~30x slower matmuls here)
  libtorch-dev libopenblas0-pthread
  # MPI, HDF5, RDKit (its headers need Boost, which librdkit-dev does not pull in), Abseil
  openmpi-bin libopenmpi-dev libhdf5-dev librdkit-dev libboost-dev libabsl-dev
  # file formats and command line
  libtiff-dev libcsv-dev zlib1g-dev libcli11-dev libyaml-cpp-dev nlohmann-json3-dev
  # tests: GoogleTest, and Debian's Python stack as an independent reference implementation
  libgtest-dev libgmock-dev python3-h5py python3-pandas python3-numpy python3-rdkit python3-pil
  python3-torch python3-torchvision
  # plots
  gnuplot-nox
  # Slurm: the client tools for deploy/slurm, and the daemons and munge for the test that runs
  # the batch scripts on a local one-node cluster (tests/deploy); no service is configured
  slurmctld slurmd slurm-client munge
)

# The CUDA container (deploy/container) brings its own LibTorch 2.x with CUDA and builds no tests:
# MICON_DEPS_NO_TORCH=1 leaves out Debian's CPU LibTorch and the Python reference stack.
if [ "${MICON_DEPS_NO_TORCH:-0}" = 1 ]; then
  keep=()
  for p in "${packages[@]}"; do
    case "$p" in libtorch-dev | python3-* | libgtest-dev | libgmock-dev) ;; *) keep+=("$p") ;; esac
  done
  packages=("${keep[@]}")
fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#packages[@]} packages present"
  exit 0
fi
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
