#!/usr/bin/env bash
# Runs every libFuzzer target for MINUTES minutes each (default 10), JOBS at a time (default the
# cores), keeping the corpus it grows and every crash, hang (> 10 s per input) and out-of-memory
# input (> 2 GiB) under OUT (default fuzz-out/). A crash or out-of-memory ends a target's run; a
# hang is kept and the run goes on (fork mode), since the known ones are inside HDF5. Needs the clang build (README.md here):
#
#   CC=clang CXX=clang++ cmake -S . -B build-fuzz -G Ninja -DMICON_BUILD_TESTS=OFF -DMICON_FUZZ=ON
#   cmake --build build-fuzz
#   bash tests/fuzz/run_fuzzers.sh [MINUTES] [OUT] [JOBS] [TARGET...]
#
# Prints a line a target: runs, coverage (cov: edges), corpus size, what it found. FUZZ_FLAGS adds
# libFuzzer flags, e.g. FUZZ_FLAGS=-ignore_crashes=1 to go on past crashes inside a library
# (then triage every found/crash-* by its stack).
set -uo pipefail
cd "$(dirname "$0")/../.."
minutes=${1:-10}
out=${2:-fuzz-out}
jobs=${3:-$(nproc)}
shift $(( $# < 3 ? $# : 3 ))
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(config table tiff plate channel_store checkpoint smiles load_data)
mkdir -p "$out"
out=$(cd "$out" && pwd)

fuzz() {
  local t=$1 bin=build-fuzz/tests/fuzz/${1}_fuzzer
  [ -x "$bin" ] || { echo "$t: $bin missing (build it first)"; return 1; }
  mkdir -p "$out/$t/corpus" "$out/$t/found"
  cp -n tests/fuzz/seeds/"$t"/* "$out/$t/corpus/" 2> /dev/null
  # Each target gets its own scratch folder for the files it writes.
  TMPDIR=$(mktemp -d) ASAN_OPTIONS=detect_leaks=0 \
    "$bin" "$out/$t/corpus" -max_total_time=$(( minutes * 60 )) -timeout=10 -rss_limit_mb=2048 \
      -fork=1 -ignore_timeouts=1 ${FUZZ_FLAGS:-} -artifact_prefix="$out/$t/found/" \
      > "$out/$t/log.txt" 2>&1
  local rc=$?
  local runs cov found
  runs=$(grep -oE '^#[0-9]+' "$out/$t/log.txt" | tail -1 | tr -d '#')
  cov=$(grep -oE 'cov: [0-9]+' "$out/$t/log.txt" | tail -1)
  found=$(ls "$out/$t/found" | wc -l)
  echo "$t: exit $rc, ${runs:-?} runs, ${cov:-cov: ?} edges, $(ls "$out/$t/corpus" | wc -l) corpus files, $found finding(s)"
}
export -f fuzz
export out minutes FUZZ_FLAGS
printf '%s\n' "${targets[@]}" | xargs -P "$jobs" -I{} bash -c 'fuzz {}'
