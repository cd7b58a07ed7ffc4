#!/usr/bin/env bash
# deploy/benchmark.sh cellclip OUT_DIR: CellCLIP beside the image benchmark's MICON and CLIP.
#
#   deploy/benchmark/cellclip.sh OUT_DIR SEED...
#
# Needs OUT_DIR/images (deploy/benchmark.sh images OUT_DIR) for the screen, MICON's profiles and
# CLIP's checkpoints. The frozen encoder is one per-channel ResNet-18 trained with SimCLR (seed 1,
# the image budget, deploy/configs/benchmark.yaml), as CellCLIP starts from one pretrained encoder
# whatever its own seed; CellCLIP's seeds are the image benchmark's. Queries and candidates of
# every evaluation are the wells of the held-out plates. Steps already done are not redone.
# CELLCLIP_TRUNK=micon trains the frozen trunk with MICON instead (same budget), into
# OUT_DIR/cellclip-micon.
set -euo pipefail
cd "$(dirname "$0")/../.."
out=$1
shift
seeds=("$@")
micon=${MICON:-build/launch/micon}
python=/usr/bin/python3
screen=$out/screen
images=$out/images
trunk_objective=${CELLCLIP_TRUNK:-simclr}
work=$out/cellclip
[ "$trunk_objective" = simclr ] || work=$out/cellclip-$trunk_objective
[ -d "$images/runs" ] ||
  { echo "$images/runs: run deploy/benchmark.sh images $out first"; exit 2; }

trunk=$work/trunk
store=$work/store
if [ ! -f "$store/compounds.csv" ]; then
  echo "== the frozen trunk: $trunk_objective, per-channel ResNet-18"
  "$micon" train --config deploy/configs/benchmark.yaml --resume latest \
    --set data.dataset="$screen" --set run.dir="$trunk" --set loss.objective="$trunk_objective" \
    --set model.channel_mode=per_channel --set run.seed=1
  echo "== its per-channel embedding store"
  start=$(date +%s)
  "$micon" embed --per-channel --checkpoint "$("$micon" checkpoints --latest "$trunk")" \
    --dataset "$screen" -o "$store"
  echo "store written in $(( $(date +%s) - start )) s" | tee "$work/store_seconds.txt"
fi
# How soft CWCL's targets are on this store (RESULTS.md section 4 quotes it).
[ -f "$work/cwcl_weights.txt" ] ||
  "$python" deploy/benchmark/cwcl_weights.py "$store" --held-out-plates | tee "$work/cwcl_weights.txt"

for seed in "${seeds[@]}"; do
  dir=$work/profiles/seed$seed
  for targets in hard cwcl; do
    run=$work/runs/seed$seed/cellclip-$targets
    [ -f "$dir/cellclip-$targets/profiles.csv" ] && continue
    echo "== seed $seed: train cellclip ($targets targets)"
    "$micon" train --config deploy/configs/benchmark-cellclip.yaml --resume latest \
      --set data.dataset="$store" --set run.dir="$run" --set run.seed="$seed" \
      --set loss.cellclip_targets=$targets
    "$micon" embed --checkpoint "$("$micon" checkpoints --latest "$run")" \
      -o "$dir/cellclip-$targets"
  done
  # CLIP on pixels again, for its shared space (the image benchmark wrote profiles only).
  if [ ! -f "$dir/clip/well_projections.csv" ]; then
    echo "== seed $seed: CLIP's shared space"
    "$micon" embed --checkpoint "$("$micon" checkpoints --latest "$images/runs/seed$seed/clip")" \
      --dataset "$screen" -o "$dir/clip"
  fi
  eval=$work/eval/seed$seed
  [ -f "$eval/retrieval/retrieval.csv" ] && continue
  mkdir -p "$eval"
  echo "== seed $seed: evaluate"
  methods=(--profiles "micon=$images/profiles/seed$seed/micon/profiles.csv"
           --profiles "clip=$dir/clip/profiles.csv"
           --profiles "cellclip-hard=$dir/cellclip-hard/profiles.csv"
           --profiles "cellclip-cwcl=$dir/cellclip-cwcl/profiles.csv")
  "$micon" evaluate "${methods[@]}" --held-out-plates "$screen/screen.json" --seed "$seed" \
    -o "$eval/raw" > "$eval.raw.txt"
  "$micon" evaluate "${methods[@]}" --held-out-plates "$screen/screen.json" --seed "$seed" \
    --normalize mad --normalize-by Metadata_Plate --sphere --sphere-by Metadata_Batch \
    -o "$eval/normalized" > "$eval.normalized.txt"
  "$micon" evaluate --retrieval "clip=$dir/clip" --retrieval "cellclip-hard=$dir/cellclip-hard" \
    --retrieval "cellclip-cwcl=$dir/cellclip-cwcl" --retrieval-split "$screen/screen.json" \
    --held-out-plates "$screen/screen.json" -o "$eval/retrieval" > "$eval.retrieval.txt"
done

"$python" deploy/benchmark/cellclip_summary.py "$work" "${seeds[@]}"
