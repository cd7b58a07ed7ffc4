#!/usr/bin/env bash
# CellCLIP against CLIP on pixels on equal terms: the same screen at each field size (the hard
# benchmark preset's layout and split, 2,304 fields in 1,152 wells; the preset itself fixes 64 px), with CellCLIP's store built from that very screen, so
# its construction is counted where CLIP never pays it.
#
#   bash tests/bench/cellclip_equal_terms.sh OUT [SIZE...]     # sizes default to 64 224
#
# Per size, in OUT/SIZE:
#   1. `micon synth` with the hard preset's layout at --image-size SIZE (not timed);
#   2. a per-channel ResNet-18 trunk (SimCLR, 1 step: the store's cost does not depend on how
#      well the trunk was trained);
#   3. its per-channel store, `micon embed --per-channel`, timed (store_seconds.txt);
#   4. tests/bench/cellclip_speed.sh: training alone, median step, wells/s of both;
#   5. tests/bench/cellclip_phases with the store: reading every plate's vectors per well, and the
#      step's phases (encoder forward, heads and loss, backward, AdamW), at 2 layers and at 0.
# Then one table: wells/s training alone, and end to end for the benchmark's budget (300 steps of
# 24 samples), store included: CellCLIP's end-to-end wells/s is 300 x 24 / (store + 300 x step),
# step the mean step. SKIP_TRAINING=1 only redoes the table from OUT's logs.
set -euo pipefail
cd "$(dirname "$0")/../.."
[ $# -ge 1 ] || { echo "usage: $0 OUT [SIZE...]"; exit 2; }
out=$1
shift
sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(64 224)
micon=${MICON:-build/launch/micon}
phases=${PHASES:-build/tests/bench/cellclip_phases}
steps=${STEPS:-20}
data=${MICON_SHARED_DATA:-../shared/data}
[ -x "$phases" ] || { echo "$phases: build it first (ninja -C build cellclip_phases)"; exit 2; }

for size in "${sizes[@]}"; do
  dir=$out/$size
  mkdir -p "$dir"
  if [ ! -f "$dir/screen/screen.json" ]; then
    echo "== $size px: synth"
    "$micon" synth --seed 1 --image-size "$size" --sources 4 --batches-per-source 3 \
      --plates-per-batch 2 --wells 48 --control-wells 8 --sites 2 --n-compounds 32 \
      --held-out-compounds 6 --held-out-sources 1 --held-out-batch-per-source \
      --compounds "$data/jump_moa/JUMP-MOA_compound_metadata.tsv" -o "$dir/screen" > "$dir/synth.log"
  fi
  if [ ! -f "$dir/store_seconds.txt" ]; then
    echo "== $size px: trunk (1 step) and its store"
    rm -rf "$dir/trunk" "$dir/store"
    "$micon" train --config deploy/configs/benchmark.yaml --set data.dataset="$dir/screen" \
      --set run.dir="$dir/trunk" --set loss.objective=simclr --set model.channel_mode=per_channel \
      --set train.steps=1 --set schedule.warmup_steps=0 --set checkpoint.every_steps=1 \
      > "$dir/trunk.log" 2>&1
    start=$(date +%s.%N)
    "$micon" embed --per-channel --checkpoint "$("$micon" checkpoints --latest "$dir/trunk")" \
      --dataset "$dir/screen" -o "$dir/store" > "$dir/embed.log" 2>&1
    /usr/bin/python3 -c "print(round($(date +%s.%N) - $start, 2))" > "$dir/store_seconds.txt"
  fi
  [ "${SKIP_TRAINING:-0}" = 1 ] && continue
  echo "== $size px: training alone ($steps steps each)"
  bash tests/bench/cellclip_speed.sh "$dir/screen" "$dir/store" "$dir/speed" "$steps" \
    > "$dir/speed.txt"
  cat "$dir/speed.txt"
  echo "== $size px: where CellCLIP's time goes"
  "$phases" 2 --store "$dir/store" > "$dir/phases.txt"
  "$phases" 2 --layers 0 | sed 's/^/layers0 /' >> "$dir/phases.txt"
  cat "$dir/phases.txt"
done

/usr/bin/python3 - "$out" "${sizes[@]}" <<'PY'
import re, sys
out, sizes = sys.argv[1], sys.argv[2:]
budget_steps, batch = 300, 24
print("\n| field size | store build (s) | CLIP wells/s | CellCLIP wells/s, training | ratio "
      "| CellCLIP wells/s, with the store (300 steps) | ratio |")
print("|---:|---:|---:|---:|---:|---:|---:|")
for size in sizes:
    store = float(open(f"{out}/{size}/store_seconds.txt").read())
    rows = {}
    for line in open(f"{out}/{size}/speed.txt"):
        m = re.match(r"\| (clip|cellclip) \| [^|]+ \| ([\d.]+) \| [\d.]+ \| [\d.]+ \| ([\d.]+) \|",
                     line)
        if m:  # mean step, wells/s
            rows[m.group(1)] = (float(m.group(2)), float(m.group(3)))
    clip_wells = rows["clip"][1]
    step, cell_wells = rows["cellclip"]
    end_to_end = budget_steps * batch / (store + budget_steps * step)
    print(f"| {size} | {store:.1f} | {clip_wells:.1f} | {cell_wells:.1f} | "
          f"{cell_wells / clip_wells:.1f}x | {end_to_end:.1f} | {end_to_end / clip_wells:.1f}x |")
PY
