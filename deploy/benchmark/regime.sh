#!/usr/bin/env bash
# The regime study (deploy/benchmark.sh regime OUT_DIR; docs/RESULTS.md §5): does MICON's
# counterfactual term help once batches, run length and compounds come near the MICON reference's?
# Profile mode on the hand-crafted well profiles of the Target-2 screen (`micon synth --preset
# target2`), four arms, each from deploy/configs/benchmark-profiles.yaml plus the overrides below:
#
#   today               micon paclr simclr clip   the benchmark's budget: 24 encoder passes x 400 steps
#   reference-budget    micon paclr simclr clip   the reference's: 512 passes (128 MICON entries)
#                                                  x 10,000 steps, warm-up 5% as today
#   reference-settings  micon paclr               that budget with the reference's loss: tau 1,
#                                                  lambda 1, direct generator, no h-space term, no
#                                                  augmentation, no gradient clipping
#   cf-to-encoder       micon                      that budget, loss.counterfactual_detach_treated
#                                                  false: the counterfactual loss reaches the encoder
#   images              micon paclr               on the screen's pixels (deploy/configs/benchmark.yaml)
#                                                  at 96 encoder images x 300 steps, the most that 3
#                                                  seeds fit in about 90 minutes on 2 cores; only when
#                                                  asked for (deploy/benchmark.sh regime-images)
#
# MICON_REGIME_ARMS picks the arms (default: the four profile arms). The seeds are the arguments;
# the summary gives each arm the seeds it has, and each paired difference the seeds both share.
# Profile trainings run MICON_REGIME_JOBS at a time (default 2, one per core, each one thread: a
# small MLP step is 2.2x slower on two threads than on one here, PERFORMANCE.md); image trainings
# one at a time on two threads; the evaluations of an arm and seed MICON_REGIME_JOBS at a time.
# MICON_BENCHMARK_STEPS and MICON_REGIME_BATCH override every arm's steps and the reference arms'
# batch (the smoke test's shortcut: its numbers are not the study's). A finished step is never
# redone, so a stopped study continues where it stopped. An existing OUT_DIR/screen is used as it
# is (the smoke test brings a small one).
#
# Fixed before any result was seen: the screen (preset target2, seed 1), the arms above, the
# evaluation (benchmark.sh's: raw and MAD + ZCA tables, held-out plates, metrics over the
# treatments), the ridge baseline and the oracle. The MAD-alone table came after the first
# results, when the ZCA per batch turned out singular here.
#
#   regime.sh OUT_DIR SEED...   (called by deploy/benchmark.sh)
set -euo pipefail
cd "$(dirname "$0")/../.."
out=$1
shift
seeds=("$@")
micon=${MICON:-build/launch/micon}
data=${MICON_SHARED_DATA:-$(cd .. && pwd)/shared/data}
python=/usr/bin/python3  # Debian's, with numpy, pandas and RDKit
jobs=${MICON_REGIME_JOBS:-2}
config=deploy/configs/benchmark-profiles.yaml
target=$data/jump_target
screen=$out/screen
handcrafted=$out/handcrafted
work=$out/regime

steps=${MICON_BENCHMARK_STEPS:-}
reference_steps=${MICON_BENCHMARK_STEPS:-10000}
reference_batch=${MICON_REGIME_BATCH:-512}
reference=(--set data.batch_size="$reference_batch" --set train.steps="$reference_steps"
  --set schedule.warmup_steps=$((reference_steps / 20))
  --set checkpoint.every_steps=$(((reference_steps + 3) / 4)) --set train.log_every=1000)
today=()
[ -n "$steps" ] && today=(--set train.steps="$steps" --set checkpoint.every_steps="$steps")

arm_objectives() {
  case $1 in
    today | reference-budget) echo micon paclr simclr clip ;;
    reference-settings) echo micon paclr ;;
    cf-to-encoder) echo micon ;;
    images) echo micon paclr ;;
  esac
}
arm_overrides() {
  case $1 in
    today) echo "${today[@]}" ;;
    reference-budget) echo "${reference[@]}" ;;
    reference-settings)
      echo "${reference[@]}" --set loss.temperature=1 --set loss.lambda=1 --set loss.lambda_h=0 \
        --set model.generator_form=direct --set data.augment=false \
        --set optimizer.grad_clip_norm=0 ;;
    cf-to-encoder) echo "${reference[@]}" --set loss.counterfactual_detach_treated=false ;;
    images) echo --set data.batch_size="${MICON_REGIME_BATCH:-96}" "${today[@]}" ;;
  esac
}
# The configuration, input and threads each arm starts from.
arm_base() {
  case $1 in
    images) echo --config deploy/configs/benchmark.yaml --set data.dataset="$screen" \
              --set train.threads=2 ;;
    *) echo --config "$config" --set data.dataset="$handcrafted/profiles.csv" \
         --set train.threads=1 ;;
  esac
}
# shellcheck disable=SC2206  # the arms are words
ARMS=(${MICON_REGIME_ARMS:-today reference-budget reference-settings cf-to-encoder})
for arm in "${ARMS[@]}"; do
  [ -n "$(arm_objectives "$arm")" ] || { echo "regime: unknown arm '$arm'"; exit 2; }
done

if [ ! -f "$screen/screen.json" ]; then
  echo "== synth: the Target-2 screen"
  "$micon" synth --preset target2 --seed 1 --compounds "$target/JUMP-Target-2_compound_metadata.tsv" \
    --plate-map "$target/JUMP-Target-2_compound_platemap.tsv" -o "$screen"
fi
if [ ! -f "$out/oracle.txt" ]; then
  echo "== oracle: ridge from structure to the true phenotype"
  "$python" deploy/benchmark/structure_oracle.py "$screen/screen.json" > "$out/oracle.txt.tmp" ||
    { cat "$out/oracle.txt.tmp"; exit 1; }
  mv "$out/oracle.txt.tmp" "$out/oracle.txt"
fi
if [ ! -f "$handcrafted/profiles.csv" ]; then
  echo "== hand-crafted features (pixels normalised as the learned models see them)"
  "$micon" embed --handcrafted --pixel-normalization plate_controls --dataset "$screen" \
    -o "$handcrafted"
  cp "$screen/screen.json" "$handcrafted/"  # the split, for profile-mode training
fi

# One training and its embedding; its log beside the run. Skipped when its profiles exist.
train_one() {
  local arm=$1 seed=$2 objective=$3
  local run=$work/$arm/runs/seed$seed/$objective
  local profiles=$work/$arm/profiles/seed$seed/$objective
  [ -f "$profiles/profiles.csv" ] && return 0
  mkdir -p "$run"
  echo "== $arm, seed $seed: train $objective"
  # An image arm's embedding reads the pixels.
  local embed_dataset=()
  [ "$arm" = images ] && embed_dataset=(--dataset "$screen")
  # shellcheck disable=SC2046  # the overrides are words
  if ! { "$micon" train $(arm_base "$arm") --resume latest $(arm_overrides "$arm") \
           --set run.dir="$run" --set loss.objective="$objective" --set run.seed="$seed" &&
         "$micon" embed --checkpoint "$("$micon" checkpoints --latest "$run")" \
           "${embed_dataset[@]}" -o "$profiles"
       } > "$run.log" 2>&1; then
    echo "regime: $arm seed $seed $objective failed; the end of $run.log:"
    tail -20 "$run.log"
    return 1
  fi
}

start=$(date +%s)
pids=()
failed=0
for arm in "${ARMS[@]}"; do
  for seed in "${seeds[@]}"; do
    for objective in $(arm_objectives "$arm"); do
      limit=$jobs
      [ "$arm" = images ] && limit=1
      while [ "$(jobs -rp | wc -l)" -ge "$limit" ]; do wait -n || failed=1; done
      train_one "$arm" "$seed" "$objective" &
      pids+=($!)
    done
  done
done
for pid in "${pids[@]}"; do wait "$pid" || failed=1; done
[ "$failed" = 0 ] || { echo "regime: a training failed (above)"; exit 1; }
echo "== trainings done in $(($(date +%s) - start)) s"

[ -f "$handcrafted/ridge.csv" ] ||
  "$python" deploy/benchmark/ridge_predictions.py "$handcrafted/profiles.csv" \
    "$screen/screen.json" "$handcrafted/ridge.csv"
# One table of the current arm and seed ($eval, $seed, $methods), unless it exists. The tables:
# raw; robust MAD per plate alone; then ZCA per batch on top, the protocol fixed before the
# first results (singular on this screen, which evaluate warns of: docs/RESULTS.md section 5).
evaluate_into() {
  local table=$1
  shift
  [ -f "$eval/$table/evaluation.csv" ] && return 0
  "$micon" evaluate "${methods[@]}" --held-out-plates "$screen/screen.json" \
    --seed "$seed" "$@" -o "$eval/$table" > "$eval.$table.txt"
}
# Every evaluation of one arm and seed, skipping what exists; run MICON_REGIME_JOBS at a time.
evaluate_one() {
  local arm=$1 seed=$2
  local dir=$work/$arm/profiles/seed$seed
  local eval=$work/$arm/eval/seed$seed
  mkdir -p "$eval"
  [ -f "$eval/predictions/evaluation.csv" ] || echo "== $arm, seed $seed: evaluate"
  if [ ! -f "$dir/micon/ridge.csv" ]; then  # written whole, then renamed: never half a file
    "$python" deploy/benchmark/ridge_predictions.py "$dir/micon/profiles.csv" \
      "$screen/screen.json" "$dir/micon/ridge.csv.tmp"
    mv "$dir/micon/ridge.csv.tmp" "$dir/micon/ridge.csv"
  fi
  local methods=()
  for m in $(arm_objectives "$arm"); do methods+=(--profiles "$m=$dir/$m/profiles.csv"); done
  methods+=(--profiles "handcrafted=$handcrafted/profiles.csv")
  evaluate_into raw
  evaluate_into mad --normalize mad --normalize-by Metadata_Plate
  evaluate_into normalized --normalize mad --normalize-by Metadata_Plate \
    --sphere --sphere-by Metadata_Batch
  [ -f "$eval/predictions/evaluation.csv" ] && return 0
  "$micon" evaluate --held-out-only "$screen/screen.json" --seed "$seed" \
    --profiles "micon=$dir/micon/profiles.csv" --predicted "micon=$dir/micon/predicted.csv" \
    --profiles "micon-ridge=$dir/micon/profiles.csv" \
    --predicted "micon-ridge=$dir/micon/ridge.csv" \
    --profiles "handcrafted-ridge=$handcrafted/profiles.csv" \
    --predicted "handcrafted-ridge=$handcrafted/ridge.csv" \
    -o "$eval/predictions" > "$eval.predictions.txt"
}
pids=()
for arm in "${ARMS[@]}"; do
  for seed in "${seeds[@]}"; do
    while [ "$(jobs -rp | wc -l)" -ge "$jobs" ]; do wait -n || failed=1; done
    evaluate_one "$arm" "$seed" &
    pids+=($!)
  done
done
for pid in "${pids[@]}"; do wait "$pid" || failed=1; done
[ "$failed" = 0 ] || { echo "regime: an evaluation failed (its arm and seed above)"; exit 1; }

"$python" deploy/benchmark/regime_summary.py "$out" "$target/JUMP-Target-2_compound_metadata.tsv" \
  "${seeds[@]}"
