#!/usr/bin/env bash
# How long building micon takes, the way CI and a user meet it (docs/PERFORMANCE.md, "Building").
#   bash tests/bench/build_times.sh fresh [CMAKE_ARGS...]  # a clone of HEAD, an empty ccache: a new machine
#   bash tests/bench/build_times.sh clone [CMAKE_ARGS...]  # a clone of HEAD, this machine's ccache: CI after a session
#   bash tests/bench/build_times.sh link BUILD_DIR         # relink every executable: GNU ld, mold, the default
# Each builds in a temporary folder beside nothing of the checkout's and prints one table row;
# `clone` also prints what ccache hit. Run `fresh` and `clone` on an idle machine.
set -euo pipefail
checkout=$(cd "$(dirname "$0")/../.." && pwd)
mode=${1:?usage: build_times.sh fresh|clone|link ...}
shift

seconds() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.0f", b - a }'; }
now() { date +%s.%N; }

clone_and_build() {  # $1: what the row is called; the rest: cmake arguments
  local label=$1
  shift
  local work
  work=$(mktemp -d /tmp/micon-build-times.XXXXXX)
  git clone -q "$checkout" "$work/micon"
  local stats="$work/ccache-stats.log"
  local start end
  start=$(now)
  CCACHE_STATSLOG=$stats bash "$work/micon/deploy/build.sh" "$@" > "$work/build.log" 2>&1 ||
    { tail -30 "$work/build.log"; exit 1; }
  end=$(now)
  local steps
  steps=$(grep -c '^\[' "$work/build.log" || true)
  printf '| %s | %s | %s s |\n' "$label" "$steps" "$(seconds "$start" "$end")"
  if command -v ccache > /dev/null && [ -f "$stats" ]; then
    CCACHE_STATSLOG=$stats ccache --show-log-stats || true
  fi
  rm -rf "$work"
}

case "$mode" in
  fresh)
    # A private, empty cache: the build pays ccache's misses as a new machine does.
    CCACHE_DIR=$(mktemp -d /tmp/micon-ccache-empty.XXXXXX)
    export CCACHE_DIR
    clone_and_build "fresh clone, empty ccache" "$@"
    rm -rf "$CCACHE_DIR"
    ;;
  clone)
    clone_and_build "fresh clone, this machine's ccache" "$@"
    ;;
  link)
    build=${1:?usage: build_times.sh link BUILD_DIR}
    build=$(cd "$build" && pwd)
    relink() {  # $1: linker flags
      cmake -S "$checkout" -B "$build" -DCMAKE_EXE_LINKER_FLAGS="$1" > /dev/null
      # The executables only: every object and static library stays built.
      ninja -C "$build" -t targets all | awk -F: '/CXX_EXECUTABLE_LINKER/ {print $1}' |
        (cd "$build" && xargs -r rm -f)
      local start end n
      start=$(now)
      n=$(cmake --build "$build" | grep -c 'Linking CXX executable' || true)
      end=$(now)
      printf '| %s | %s executables | %s s |\n' "${1:-default (mold 2.4+ when installed, else GNU ld)}" "$n" \
        "$(seconds "$start" "$end")"
    }
    relink "-fuse-ld=bfd"
    command -v mold > /dev/null && relink "-fuse-ld=mold"
    relink ""  # the project's choice again (cmake/MiconLinker.cmake)
    ;;
  *)
    echo "build_times.sh: unknown mode '$mode' (fresh, clone or link)" >&2
    exit 2
    ;;
esac
