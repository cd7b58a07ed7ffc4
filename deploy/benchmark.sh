#!/usr/bin/env bash
# The benchmark that tells MICON from its baselines (docs/RESULTS.md): the hard synthetic screen
# (`micon synth --preset hard`), every objective under the same budget and preprocessing, several
# training seeds, evaluation on held-out plates, and paired differences with bootstrap intervals.
#
#   deploy/benchmark.sh images|profiles|cellclip|regime|regime-images OUT_DIR
#
#   images    MICON, PaCLR, SimCLR and CLIP trained on pixels (deploy/configs/benchmark.yaml),
#             seeds 1-5 by default (~60 min on 2 cores)
#   profiles  the same four trained on the screen's hand-crafted well profiles
#             (deploy/configs/benchmark-profiles.yaml), seeds 1-10 (~5 min)
#   cellclip  after images, in the same OUT_DIR: one per-channel ResNet-18 trunk trained with
#             SimCLR (seed 1, the image budget), its per-channel embedding store, then CellCLIP
#             with hard and CWCL targets (deploy/configs/benchmark-cellclip.yaml) for the image
#             seeds; replicate metrics beside MICON and CLIP on pixels, and cross-modal
#             retrieval beside CLIP on pixels (deploy/benchmark/cellclip_summary.py);
#             CELLCLIP_TRUNK=micon trains the trunk with MICON instead
#   regime    the regime study on the Target-2 screen (deploy/benchmark/regime.sh): today's budget,
#             the MICON reference's (512 encoder passes x 10,000 steps), its loss settings and the
#             counterfactual-to-encoder ablation, in profile mode, seeds 1-5 (~100 min on 2 cores);
#             its own screen in OUT_DIR/screen, summary in OUT_DIR/regime/summary.md
#   regime-images  MICON and PaCLR on the Target-2 screen's pixels, seeds 1-3 (~90 min), in the
#             regime study's OUT_DIR; its summary then holds both
#
# MICON_SEEDS overrides the seeds (each mode's above); MICON_BENCHMARK_STEPS the training steps (the smoke
# test's shortcut: its numbers are not the benchmark's). Everything is kept in OUT_DIR and a finished step is
# not redone, so a stopped run continues; the screen and the hand-crafted profiles are shared by
# both modes. Per seed it writes OUT_DIR/MODE/eval/seedS/{raw,normalized,predictions}/ (micon
# evaluate's reports); at the end deploy/benchmark/summary.py prints the tables and intervals and
# writes OUT_DIR/MODE/summary.md and summary.png.
#
# Fixed before any result was seen: the screen (preset hard, seed 1), the configurations, the
# normalised table's settings (robust MAD per plate, then ZCA per batch, both fitted on DMSO
# wells) and the ridge baseline's alpha.
set -euo pipefail
cd "$(dirname "$0")/.."
[ $# -eq 2 ] && [[ $1 =~ ^(images|profiles|cellclip|regime|regime-images)$ ]] ||
  { echo "usage: $0 images|profiles|cellclip|regime|regime-images OUT_DIR"; exit 2; }
mode=$1
out=$2
if [ "$mode" = regime ] || [ "$mode" = regime-images ]; then
  seeds=${MICON_SEEDS:-1 2 3 4 5}
  if [ "$mode" = regime-images ]; then
    export MICON_REGIME_ARMS=images
    seeds=${MICON_SEEDS:-1 2 3}
  fi
  # shellcheck disable=SC2086  # the seeds are words
  exec bash deploy/benchmark/regime.sh "$out" $seeds
fi
micon=${MICON:-build/launch/micon}
data=${MICON_SHARED_DATA:-$(cd .. && pwd)/shared/data}
python=/usr/bin/python3  # Debian's, with numpy, pandas and RDKit
if [ "$mode" = images ] || [ "$mode" = cellclip ]; then
  seeds=${MICON_SEEDS:-1 2 3 4 5}
  config=deploy/configs/benchmark.yaml
else
  seeds=${MICON_SEEDS:-1 2 3 4 5 6 7 8 9 10}
  config=deploy/configs/benchmark-profiles.yaml
fi
screen=$out/screen
handcrafted=$out/handcrafted

if [ ! -f "$screen/screen.json" ]; then
  echo "== synth: the hard screen"
  "$micon" synth --preset hard --seed 1 \
    --compounds "$data/jump_moa/JUMP-MOA_compound_metadata.tsv" -o "$screen"
fi
if [ ! -f "$handcrafted/profiles.csv" ]; then
  echo "== hand-crafted features (pixels normalised as the learned models see them)"
  "$micon" embed --handcrafted --pixel-normalization plate_controls --dataset "$screen" \
    -o "$handcrafted"
  cp "$screen/screen.json" "$handcrafted/"  # the split, for profile-mode training
fi

if [ "$mode" = cellclip ]; then
  exec bash deploy/benchmark/cellclip.sh "$out" $seeds
fi

steps=()
if [ -n "${MICON_BENCHMARK_STEPS:-}" ]; then
  steps=(--set train.steps="$MICON_BENCHMARK_STEPS" --set checkpoint.every_steps="$MICON_BENCHMARK_STEPS")
fi
work=$out/$mode
for seed in $seeds; do
  for objective in micon paclr simclr clip; do
    run=$work/runs/seed$seed/$objective
    profiles=$work/profiles/seed$seed/$objective
    [ -f "$profiles/profiles.csv" ] && continue
    echo "== seed $seed: train $objective"
    if [ "$mode" = images ]; then
      dataset=(--set data.dataset="$screen")
      embed_dataset=(--dataset "$screen")
    else
      dataset=(--set data.dataset="$handcrafted/profiles.csv")
      embed_dataset=()
    fi
    "$micon" train --config "$config" --resume latest "${dataset[@]}" "${steps[@]}" \
      --set run.dir="$run" --set loss.objective=$objective --set run.seed="$seed"
    "$micon" embed --checkpoint "$("$micon" checkpoints --latest "$run")" \
      "${embed_dataset[@]}" -o "$profiles"
  done

  dir=$work/profiles/seed$seed
  eval=$work/eval/seed$seed
  [ -f "$eval/predictions/evaluation.csv" ] && continue
  mkdir -p "$eval"
  echo "== seed $seed: evaluate"
  "$python" deploy/benchmark/ridge_predictions.py "$dir/micon/profiles.csv" \
    "$screen/screen.json" "$dir/micon/ridge.csv"
  [ -f "$handcrafted/ridge.csv" ] ||
    "$python" deploy/benchmark/ridge_predictions.py "$handcrafted/profiles.csv" \
      "$screen/screen.json" "$handcrafted/ridge.csv"
  methods=()
  for m in micon paclr simclr clip; do methods+=(--profiles "$m=$dir/$m/profiles.csv"); done
  methods+=(--profiles "handcrafted=$handcrafted/profiles.csv")
  # Queries: treated wells of the held-out plates (batches and a source no model trained on).
  "$micon" evaluate "${methods[@]}" --held-out-plates "$screen/screen.json" --seed "$seed" \
    -o "$eval/raw" > "$eval.raw.txt"
  "$micon" evaluate "${methods[@]}" --held-out-plates "$screen/screen.json" --seed "$seed" \
    --normalize mad --normalize-by Metadata_Plate --sphere --sphere-by Metadata_Batch \
    -o "$eval/normalized" > "$eval.normalized.txt"
  # Predictions of the held-out compounds, among their own wells and among all wells.
  "$micon" evaluate --held-out-only "$screen/screen.json" --seed "$seed" \
    --profiles "micon=$dir/micon/profiles.csv" --predicted "micon=$dir/micon/predicted.csv" \
    --profiles "micon-ridge=$dir/micon/profiles.csv" --predicted "micon-ridge=$dir/micon/ridge.csv" \
    --profiles "handcrafted-ridge=$handcrafted/profiles.csv" \
    --predicted "handcrafted-ridge=$handcrafted/ridge.csv" \
    -o "$eval/predictions" > "$eval.predictions.txt"
done

"$python" deploy/benchmark/summary.py "$work" $seeds
