#!/usr/bin/env bash
# deploy/benchmark.sh in profile mode with two seeds (100 steps each), end to end: the hard screen, hand-crafted
# profiles, 8 trainings, the ridge baseline, three evaluations per seed and the summary with its
# intervals; then a second call, which must find everything done and train nothing.
#
#   benchmark_smoke_test.sh MICON PROJECT_DIR SHARED_DATA_DIR
set -euo pipefail
[ $# -eq 3 ] || { echo "usage: $0 MICON PROJECT_DIR SHARED_DATA_DIR"; exit 2; }
micon=$1
project=$2
data=$3
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

run() {
  # 100 of the configuration's 400 steps: every step of the benchmark runs, in less time.
  MICON="$micon" MICON_SHARED_DATA="$data" MICON_SEEDS="1 2" MICON_BENCHMARK_STEPS=100 \
    bash "$project/deploy/benchmark.sh" profiles "$out" > "$out/$1.log" 2>&1 ||
    { tail -30 "$out/$1.log"; fail "benchmark.sh ($1) exited non-zero"; }
}
run first
summary=$out/profiles/summary.md
[ -f "$summary" ] || fail "no $summary"
for method in micon paclr simclr clip handcrafted; do
  # A row in the side-by-side table and one in each of the two paper-layout tables.
  count=$(sed '/^## Paired/,$d' "$summary" |
    grep -cE "^\| $method \| [0-9.-]+ \[[0-9.-]+, [0-9.-]+\] \| [0-9.-]+ \[" || true)
  [ "$count" = 3 ] || fail "$method has $count metric rows with intervals, expected 3"
done
grep -qE '^\| micon - paclr \| -?[0-9.]+ \[' "$summary" || fail "no MICON - PaCLR row"
grep -qE '^\| micon-ridge \| [0-9.]+ \[' "$summary" || fail "no ridge baseline row"
[ -f "$out/profiles/summary.png" ] || fail "no chart"
for seed in 1 2; do
  for table in raw normalized predictions; do
    [ -f "$out/profiles/eval/seed$seed/$table/evaluation.csv" ] || fail "seed $seed: no $table"
  done
done
run second
if grep -q "^== seed .*: train" "$out/second.log"; then fail "the second call trained again"; fi
echo "PASS: benchmark (profiles, 2 seeds) summarised with intervals; a second call redid nothing"
