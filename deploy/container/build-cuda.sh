#!/usr/bin/env bash
# build-cuda.sh: installs a CUDA toolchain, LibTorch 2.x with CUDA and micon's
# Debian packages, and builds micon with CUDA and NCCL; run as root inside the
# container build (Dockerfile RUN, Apptainer %post) on a Debian 12 base.
#
#   bash deploy/container/build-cuda.sh /opt/micon
#
# Versions (override in the environment): CUDA_VERSION 12-8, TORCH_VERSION
# 2.7.1, TORCH_INDEX cu128. LibTorch comes from PyTorch's pip wheel (C++11
# ABI since 2.7, like Debian's libraries) and NCCL from the wheel's
# nvidia-nccl package, so micon and LibTorch load the same libnccl.so.2.
set -euo pipefail
src=${1:-/opt/micon}
cuda_version=${CUDA_VERSION:-12-8}
torch_version=${TORCH_VERSION:-2.7.1}
torch_index=${TORCH_INDEX:-cu128}
export DEBIAN_FRONTEND=noninteractive

apt-get update -qq
apt-get install -y -qq --no-install-recommends ca-certificates curl python3-venv
# NVIDIA's CUDA repository for Debian 12: the toolkit LibTorch's CMake files
# look for (nvcc, cudart, cuBLAS, cuRAND, NVTX ... headers and libraries).
curl -fsSL -o /tmp/cuda-keyring.deb \
  https://developer.download.nvidia.com/compute/cuda/repos/debian12/x86_64/cuda-keyring_1.1-1_all.deb
dpkg -i /tmp/cuda-keyring.deb
apt-get update -qq
apt-get install -y -qq --no-install-recommends "cuda-toolkit-$cuda_version"
MICON_DEPS_NO_TORCH=1 bash "$src/deploy/install-deps.sh"

python3 -m venv /opt/torch
/opt/torch/bin/pip install --no-cache-dir "torch==$torch_version" \
  --index-url "https://download.pytorch.org/whl/$torch_index"
torch_prefix=$(/opt/torch/bin/python -c 'import torch; print(torch.utils.cmake_prefix_path)')
nccl_home=$(/opt/torch/bin/python -c 'import nvidia.nccl; print(list(nvidia.nccl.__path__)[0])')
ln -sf libnccl.so.2 "$nccl_home/lib/libnccl.so"  # the wheel ships only the soname

cd "$src"
NCCL_HOME=$nccl_home CUDACXX=/usr/local/cuda/bin/nvcc bash deploy/build.sh \
  -DCMAKE_PREFIX_PATH="$torch_prefix" -DMICON_CUDA=ON -DMICON_NCCL=ON -DMICON_BUILD_TESTS=OFF \
  -DMICON_CCACHE=OFF  # one build per image: a compiler cache would only grow the layer
ln -sf "$src/build/launch/micon" /usr/local/bin/micon
micon info
apt-get clean
rm -rf /var/lib/apt/lists/* /tmp/cuda-keyring.deb
