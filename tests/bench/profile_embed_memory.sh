#!/usr/bin/env bash
# micon embed of a profile model over a large profile table: wall time and peak
# memory, for one or more micon binaries on the same checkpoint and table, and
# whether their profiles.csv agree byte for byte (docs/PERFORMANCE.md,
# "A profile model's table").
#
#   bash tests/bench/profile_embed_memory.sh OUT_DIR [WELLS] [FEATURES] [MICON...]
#
# Trains a profile model for one step on a small table of FEATURES features,
# then embeds a table of WELLS wells with each binary (default: this build's).
# With ANNOTATED=1 the large table's wells also carry JUMP-MOA's compound
# columns (Metadata_moa, Metadata_InChI, ...), which micon embed carries.
set -euo pipefail
out=${1:?usage: profile_embed_memory.sh OUT_DIR [WELLS] [FEATURES] [MICON...]}
wells=${2:-100000}
features=${3:-2560}
shift $(($# < 3 ? $# : 3))
here=$(cd "$(dirname "$0")" && pwd)
binaries=("$@")
[[ ${#binaries[@]} -gt 0 ]] || binaries=("$here/../../build/launch/micon")
mkdir -p "$out"
small=$out/table_1152x$features.h5
annotated=${ANNOTATED:-0}
large=$out/table_${wells}x$features.h5
[[ $annotated == 1 ]] && large=$out/table_${wells}x${features}_annotated.h5
[[ -f $small ]] || /usr/bin/python3 "$here/synthetic_profile_table.py" 1152 "$small" --features "$features"
[[ -f $large ]] || /usr/bin/python3 "$here/synthetic_profile_table.py" "$wells" "$large" \
  --features "$features" $([[ $annotated == 1 ]] && echo --annotated)
run=$out/run_$features
if [[ ! -f $run/checkpoints/step-00000001.ckpt ]]; then
  rm -rf "$run"
  "${binaries[0]}" train --set run.dir="$run" --set data.dataset="$small" \
    --set data.input=profiles --set data.split=all --set train.steps=1 \
    --set data.batch_size=8 > "$out/train.log" 2>&1
fi
first=""
for i in "${!binaries[@]}"; do
  dir=$out/embedded_$i
  rm -rf "$dir"
  echo "== ${binaries[$i]}"
  /usr/bin/time -f "wall %e s, peak RSS %M KiB" "${binaries[$i]}" embed \
    --checkpoint "$run/checkpoints/step-00000001.ckpt" --dataset "$large" \
    -o "$dir" 2>&1 | grep -v "embedded plates" || true
  if [[ -z $first ]]; then
    first=$dir/profiles.csv
  elif cmp -s "$first" "$dir/profiles.csv"; then
    echo "profiles.csv identical to the first binary's"
  else
    echo "profiles.csv DIFFERS from the first binary's"
  fi
done
