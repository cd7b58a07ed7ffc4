#!/usr/bin/env bash
# Fetches, here, the Debian 12 packages the GPU check needs on a GPU machine that has no Debian
# -dev packages and no network (issue 15): HDF5, RDKit with the Boost headers it includes, Open MPI
# with PMIx, Abseil, yaml-cpp, CLI11, nlohmann-json, libtiff, libcsv, zlib and GoogleTest, with
# the shared libraries they load that such a machine may lack. They land in .gpu/debs (ignored by
# git); `run` carries .gpu, and tests/gpu/gpu_check.sh unpacks them into a prefix there.
#   bash tests/gpu/fetch_prefix.sh            # ~30 MiB of .deb files
set -euo pipefail
cd "$(dirname "$0")/../.."
dev=(
  libhdf5-dev librdkit-dev libboost1.74-dev libopenmpi-dev libabsl-dev libyaml-cpp-dev
  libcli11-dev nlohmann-json3-dev libtiff-dev libcsv-dev libgtest-dev libgmock-dev zlib1g-dev
)
runtime=(
  # the libraries micon links
  libhdf5-103-1 librdkit1 libboost-serialization1.74.0 libabsl20220623 libyaml-cpp0.7
  libtiff6 libcsv3 libopenmpi3 openmpi-bin openmpi-common libpmix2 libhwloc15
  libevent-core-2.1-7 libevent-pthreads-2.1-7
  # what those load in turn (ldd on Debian 12), less glibc and libstdc++
  libaec0 libsz2 libcurl4 libnghttp2-14 librtmp1 libssh2-1 libpsl5 libldap-2.5-0 libkrb5-3
  libgssapi-krb5-2 libk5crypto3 libkrb5support0 libkeyutils1 libcom-err2 libsasl2-2
  libdeflate0 libjbig0 libjpeg62-turbo liblerc4 libwebp7 libzstd1 libbrotli1 libgnutls30
  libhogweed6 libnettle8 libtasn1-6 libp11-kit0 libidn2-0 libunistring2 libffi8 libgmp10
  libssl3 libudev1 zlib1g
)
mkdir -p .gpu/debs
cd .gpu/debs
# apt-get download runs as the _apt user when it can; as root into a folder it cannot write it
# warns and downloads anyway.
apt-get download "${dev[@]}" "${runtime[@]}" 2>&1 | grep -v "^W: Download is performed unsandboxed" || true
count=$(ls ./*.deb | wc -l)
# The compound table `micon synth` draws structures from (no ../shared there).
mkdir -p ../data/jump_moa
cp "${MICON_SHARED_DATA:-../../../shared/data}/jump_moa/JUMP-MOA_compound_metadata.tsv" ../data/jump_moa/
echo "fetch_prefix: $count packages, $(du -sh . | cut -f1) in .gpu/debs"
[ "$count" -ge "$(( ${#dev[@]} + ${#runtime[@]} ))" ] || { echo "fetch_prefix: some packages are missing" >&2; exit 1; }
