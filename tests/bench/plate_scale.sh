#!/usr/bin/env bash
# micon at screen scale in plates: for each plate count, a synthetic screen of
# 384-well plates with small images (the layout is what counts, not the
# pixels: 32 px, 1 site, 32 DMSO wells, 300 real CDRP structures), then
#   synth:   micon synth, wall and peak memory;
#   inspect: micon inspect (reads every image), wall and peak memory;
#   train:   micon train for STEPS steps on RANKS ranks (resnet18, 8 entries
#            per rank): wall, peak memory per rank, the start-up line's
#            phases, and the median step and data-wait seconds over the steps
#            after the first two (metrics.jsonl).
# Prints a Markdown table for docs/PERFORMANCE.md, "Scale".
#   bash tests/bench/plate_scale.sh WORK PLATES...   (multiples of 10)
#   e.g. bash tests/bench/plate_scale.sh /tmp/plates 10 100 1000
#        RANKS=2 STEPS=20 bash tests/bench/plate_scale.sh /tmp/plates 1000
# WORK keeps the screens (1,000 plates: about 4 GB) for later runs.
set -euo pipefail
cd "$(dirname "$0")/../.."
work=$1
shift
ranks=${RANKS:-1}
steps=${STEPS:-20}
micon=$PWD/build/launch/micon
compounds=${MICON_SHARED_DATA:-$(cd .. && pwd)/shared/data}/smiles_bbbc022_cdrp/cdrp_smiles_scaffolds.csv
mkdir -p "$work"
launch=()
if [ "$ranks" -gt 1 ]; then
  launch=(mpirun --oversubscribe -np "$ranks")
  [ "$(id -u)" = 0 ] && launch+=(--allow-run-as-root)
fi
run_timed() {
  local log=$1
  shift
  /usr/bin/time -f "%e %M" -o "$work/time.raw" "$@" > "$log" 2>&1 ||
    { cat "$log"; exit 1; }
  read -r wall peak_kb < "$work/time.raw"
  echo "$wall $(echo "scale=2; $peak_kb / 1000000" | bc -l)"
}
echo "| plates | images | synth (s, GB) | inspect (s, GB) | ranks | train wall (s) | start-up (s) | peak per rank (GB) | step (s) | data wait (s) |"
echo "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
for plates in "$@"; do
  screen=$work/screen_$plates
  synth="-"
  if [ ! -s "$screen/screen.json" ]; then
    rm -rf "$screen"
    synth=$(run_timed "$work/synth_$plates.log" "$micon" synth \
      --compounds "$compounds" --id-column Metadata_BROAD_ID \
      --smiles-column Metadata_SMILES --sources 2 \
      --batches-per-source $((plates / 10)) --plates-per-batch 5 --wells 384 \
      --control-wells 32 --sites 1 --image-size 32 --n-compounds 300 \
      --held-out-compounds 20 --seed 1 -o "$screen")
  fi
  inspect=$(run_timed "$work/inspect_$plates.log" "$micon" inspect "$screen")
  images=$(awk '$1 == "images" { print $2; exit }' "$work/inspect_$plates.log")
  run=$work/run_${plates}_np$ranks
  rm -rf "$run"
  cat > "$work/plate_scale.yaml" << YAML
data:
  input: images
  split: train
  batch_size: 8
  workers: 1
model:
  arch: resnet18
loss:
  objective: micon
train:
  steps: $steps
  log_every: 5
YAML
  train=$(run_timed "$run.log" "${launch[@]}" "$micon" train \
    --config "$work/plate_scale.yaml" --set run.dir="$run" \
    --set data.dataset="$screen")
  startup=$(grep -oE "start-up [0-9.]+s" "$run.log" | grep -oE "[0-9.]+" | head -1)
  read -r step wait < <(/usr/bin/python3 - "$run/metrics.jsonl" << 'PY'
import json, statistics, sys
records = [json.loads(line) for line in open(sys.argv[1])][2:]
print(f"{statistics.median(r['step_seconds'] for r in records):.3f}",
      f"{statistics.median(r['data_wait_seconds'] for r in records):.3f}")
PY
)
  read -r train_wall train_peak <<< "$train"
  printf "| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n" "$plates" \
    "$images" "${synth/ /, }" "${inspect/ /, }" "$ranks" "$train_wall" \
    "$startup" "$train_peak" "$step" "$wait"
  grep -E "start-up" "$run.log" | sed 's/^/    /' >&2
done
