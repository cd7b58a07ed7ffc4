#!/usr/bin/env bash
# The full CUDA build a cluster user makes, on a machine without a GPU: micon built and linked
# with -DMICON_CUDA=ON -DMICON_NCCL=ON against Debian trixie's CUDA LibTorch (libtorch-cuda-dev
# 2.6, contrib), CUDA toolkit (nvidia-cuda-toolkit 12.4) and NCCL (libnccl-dev, non-free), in a
# trixie chroot, so nothing is installed over the host's Debian 12. Then `micon info` must say
# CUDA=1 NCCL=1, and the build's tests that need no device (ctest -LE gpu) must pass.
#   sudo bash tests/gpu/trixie_chroot_build.sh [ROOT] [LOG_DIR]
#       ROOT: the chroot (default /var/tmp/micon-trixie; about 15 GB; reused when it exists)
#       LOG_DIR: where the step logs and the summary go (default ROOT/../micon-trixie-logs)
# On demand only, not in CI (about an hour on 2 cores; docs/GPU.md, "The trixie chroot build").
# The checkout is bind-mounted read-only at /src (and ../shared at /shared); the build lives in
# the chroot at /build. Do not edit the checkout while it builds: the mount is live.
set -euo pipefail
root=${1:-/var/tmp/micon-trixie}
logs=${2:-$(dirname "$root")/micon-trixie-logs}
mirror=${MICON_TRIXIE_MIRROR:-http://deb.debian.org/debian}
src=$(cd "$(dirname "$0")/../.." && pwd)
if [ "$(id -u)" != 0 ]; then
  echo "trixie_chroot_build: needs root (debootstrap, mount, chroot)" >&2
  exit 1
fi
mkdir -p "$logs"
summary=$logs/summary.txt
: > "$summary"
say() { echo "$*" | tee -a "$summary"; }
started=$(date +%s)
step_start=$started
step() {  # NAME: closes the previous step's timing
  local now
  now=$(date +%s)
  say "  ($((now - step_start)) s)"
  step_start=$now
  say "== $1"
}
say "trixie chroot build of $(git -C "$src" rev-parse --short HEAD 2>/dev/null || echo '?') at $(date -u +%FT%TZ) into $root"

say "== debootstrap"
command -v debootstrap > /dev/null || apt-get install -y -qq debootstrap > "$logs/debootstrap-install.log"
if [ ! -x "$root/usr/bin/apt-get" ]; then
  debootstrap --variant=minbase --components=main,contrib,non-free trixie "$root" "$mirror" \
    > "$logs/debootstrap.log" 2>&1 || { tail -20 "$logs/debootstrap.log"; exit 1; }
fi
cp /etc/resolv.conf "$root/etc/resolv.conf"
# Snapshot mirrors serve Release files past their Valid-Until date.
cp /etc/apt/apt.conf.d/99artifact-registry "$root/etc/apt/apt.conf.d/" 2> /dev/null || true

mounted=()
cleanup() {
  local m
  for ((i = ${#mounted[@]} - 1; i >= 0; i--)); do umount "${mounted[$i]}" 2> /dev/null || true; done
}
trap cleanup EXIT
mount_at() {  # SOURCE TARGET [OPTIONS...]
  mkdir -p "$2"
  mountpoint -q "$2" || mount "${@:3}" "$1" "$2"
  mounted+=("$2")
}
mount_at proc "$root/proc" -t proc
mount_at /dev "$root/dev" --bind
mount_at /dev/pts "$root/dev/pts" --bind
# hwloc (Open MPI, slurmd) reads the CPU topology from sysfs.
mount_at /sys "$root/sys" --bind
mount_at "$src" "$root/src" --bind
mount -o remount,bind,ro "$root/src"
# The tests' real data, where the build looks for it (<checkout>/../shared, read-only).
if [ -d "$src/../shared" ]; then
  mount_at "$(cd "$src/../shared" && pwd)" "$root/shared" --bind
  mount -o remount,bind,ro "$root/shared"
fi
in_root() { chroot "$root" /usr/bin/env -i HOME=/root PATH=/usr/sbin:/usr/bin:/sbin:/bin \
  DEBIAN_FRONTEND=noninteractive LANG=C.UTF-8 bash -c "$1"; }

step "cuDNN: a stand-in package, and the host's libraries"
# trixie's nvidia-cudnn only downloads cuDNN from NVIDIA when configured, which an offline machine
# cannot; libtorch-cuda-2.6 needs it installed and libcudnn.so.9 present to link against. The
# stand-in satisfies the dependency and the host's cuDNN 9 (from /usr/local/cuda) is copied in.
cudnn_libs=(${CUDNN_LIB_DIR:-/usr/local/cuda/lib64}/libcudnn*.so*)
if [ ! -e "${cudnn_libs[0]}" ]; then
  say "FAIL: no libcudnn*.so* in ${CUDNN_LIB_DIR:-/usr/local/cuda/lib64} (set CUDNN_LIB_DIR)"
  exit 1
fi
cp -a "${cudnn_libs[@]}" "$root/usr/lib/x86_64-linux-gnu/"
if ! in_root "dpkg-query -W -f='\${Version}' nvidia-cudnn 2> /dev/null" | grep -q micon; then
  standin=$(mktemp -d)
  mkdir -p "$standin/DEBIAN"
  cat > "$standin/DEBIAN/control" << 'CONTROL'
Package: nvidia-cudnn
Version: 99:9.0.0.312+micon.standin
Architecture: amd64
Maintainer: micon <micon@localhost>
Description: stand-in for nvidia-cudnn (micon's chroot build)
 cuDNN 9 is copied from the host; the real package downloads it from NVIDIA.
CONTROL
  dpkg-deb --build "$standin" "$root/tmp/nvidia-cudnn-standin.deb" > /dev/null
  rm -rf "$standin"
  in_root "dpkg --purge --force-depends nvidia-cudnn > /dev/null 2>&1; \
    dpkg -i /tmp/nvidia-cudnn-standin.deb && apt-mark hold nvidia-cudnn" \
    > "$logs/cudnn.log" 2>&1 || { cat "$logs/cudnn.log"; exit 1; }
fi

step "packages: micon's build dependencies without Debian's CPU LibTorch, then the CUDA stack"
# install-deps.sh without LibTorch (MICON_DEPS_NO_TORCH) keeps the Python reference stack out too.
# The tests that call it are added back with GoogleTest; their PyTorch is python3-torch-cuda, since
# python3-torch's libtorch2.6 conflicts with libtorch-cuda-2.6 (both run on the CPU here).
in_root "dpkg --configure -a; apt-get update -qq && MICON_DEPS_NO_TORCH=1 bash /src/deploy/install-deps.sh && \
  apt-get install -y -qq --no-install-recommends libtorch-cuda-dev nvidia-cuda-toolkit \
    libnccl-dev libgtest-dev libgmock-dev python3-h5py python3-pandas python3-numpy \
    python3-rdkit python3-pil python3-torch-cuda python3-torchvision git" \
  > "$logs/packages.log" 2>&1 || { tail -30 "$logs/packages.log"; exit 1; }
in_root "dpkg-query -W -f='\${Package} \${Version}\n' libtorch-cuda-dev nvidia-cuda-toolkit \
  libnccl-dev python3-torch-cuda g++ cmake libhdf5-dev libopenmpi-dev 2> /dev/null" | tee -a "$summary" || true

step "configure and build (-DMICON_CUDA=ON -DMICON_NCCL=ON)"
jobs=$(nproc)
mem_jobs=$(($(awk '/MemAvailable/ {print $2}' /proc/meminfo) / 1300000))
[ "$mem_jobs" -ge 1 ] && [ "$mem_jobs" -lt "$jobs" ] && jobs=$mem_jobs
in_root "git config --global --add safe.directory /src; \
  cmake -S /src -B /build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DMICON_CUDA=ON \
    -DMICON_NCCL=ON && cmake --build /build -j $jobs" \
  > "$logs/build.log" 2>&1 || { grep -E "error|Error" "$logs/build.log" | head -40; exit 1; }
grep -E "micon: CUDA=|LibTorch|Found (CUDAToolkit|NCCL|HDF5|MPI)" "$logs/build.log" | tee -a "$summary" || true
say "warnings: $(grep -c 'warning:' "$logs/build.log" || true)"

step "micon info"
in_root "/build/launch/micon info" 2>&1 | tee "$logs/info.log" | tee -a "$summary"
grep -q "CUDA=1" "$logs/info.log" && grep -q "NCCL=1" "$logs/info.log" ||
  { say "FAIL: micon info does not say CUDA=1 NCCL=1"; exit 1; }

step "tests that need no device (ctest -LE gpu)"
# mpirun as root inside the chroot, as on the host.
set +e
in_root "cd /build && OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 \
  ctest -j $jobs -LE "gpu|slurm" --timeout 600" > "$logs/ctest.log" 2>&1
ctest_rc=$?
set -e
grep -E "tests passed|tests failed|\*\*\*Failed|\*\*\*Timeout|Not Run" "$logs/ctest.log" | tee -a "$summary"

step "size"
say "chroot: $(du -sh "$root" --exclude="$root/src" --exclude="$root/proc" --exclude="$root/dev" 2> /dev/null | cut -f1)"
say "total: $(($(date +%s) - started)) s"
exit $ctest_rc
