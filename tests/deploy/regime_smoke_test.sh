#!/usr/bin/env bash
# deploy/benchmark.sh regime with two seeds at a token budget, end to end: a small screen laid out
# by the first four rows of the real JUMP-Target-2 map (the full preset takes 90 s to draw and
# embed), the oracle, the four arms' 18 trainings, the ridge baseline, four evaluations per arm and
# seed, and the summary with its intervals; then a second call, which must train and evaluate
# nothing.
#
#   regime_smoke_test.sh MICON PROJECT_DIR SHARED_DATA_DIR
set -euo pipefail
[ $# -eq 3 ] || { echo "usage: $0 MICON PROJECT_DIR SHARED_DATA_DIR"; exit 2; }
micon=$1
project=$2
data=$3
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

head -97 "$data/jump_target/JUMP-Target-2_compound_platemap.tsv" > "$out/map.tsv"
"$micon" synth --seed 1 --compounds "$data/jump_target/JUMP-Target-2_compound_metadata.tsv" \
  --plate-map "$out/map.tsv" --sources 3 --batches-per-source 2 --plates-per-batch 1 \
  --held-out-sources 1 --held-out-batch-per-source --sites 1 --image-size 32 \
  -o "$out/screen" > "$out/synth.log" 2>&1 || { cat "$out/synth.log"; fail "synth"; }

run() {
  MICON="$micon" MICON_SHARED_DATA="$data" MICON_SEEDS="1 2" MICON_BENCHMARK_STEPS=30 \
    MICON_REGIME_BATCH=48 bash "$project/deploy/benchmark.sh" regime "$out" > "$out/$1.log" 2>&1 ||
    { tail -30 "$out/$1.log"; fail "benchmark.sh regime ($1) exited non-zero"; }
}
run first
summary=$out/regime/summary.md
[ -f "$summary" ] || fail "no $summary"
rows() { grep -cE "^\| $1 \| -?[0-9.]+ \[-?[0-9.]+, -?[0-9.]+\]" "$summary" || true; }
for row in "today / micon" "today / clip" "today / handcrafted" "reference-budget / simclr" \
           "reference-settings / paclr" "cf-to-encoder / micon"; do
  # Its retrieval row, and for micon its prediction row too.
  expected=1
  [[ $row == *" / micon" ]] && expected=2
  [ "$(rows "$row")" = "$expected" ] || fail "'$row' has $(rows "$row") rows, expected $expected"
done
[ "$(rows "cf-to-encoder / micon - reference-budget / micon")" = 1 ] || fail "no detach row"
[ "$(rows "reference-budget / micon - reference-budget / paclr")" = 1 ] || fail "no MICON - PaCLR"
grep -q "| top1_nss raw | top1_nss mad | top1_nss normalized |" "$summary" ||
  fail "the raw, MAD-alone and MAD + ZCA tables"
grep -q "^Oracle: oracle (ridge on the true phenotype): top-1" "$summary" || fail "no oracle line"
grep -qE "^\| chance \| [0-9.]+ \|" "$summary" || fail "no chance row"
grep -q "global batch 12 samples (48 encoder images)" \
  "$out/regime/reference-budget/runs/seed1/micon.log" || fail "the reference arm's batch"
grep -q "global batch 48 samples (48 encoder images)" \
  "$out/regime/reference-budget/runs/seed1/clip.log" || fail "clip's batch at the reference arm"
run second
if grep -qE ": (train |evaluate)" "$out/second.log"; then fail "the second call redid work"; fi
echo "PASS: regime study (2 seeds, token budget) summarised with intervals; a second call redid nothing"
