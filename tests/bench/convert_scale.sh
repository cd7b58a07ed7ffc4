#!/usr/bin/env bash
# micon convert's throughput: a CellProfiler load_data of PLATES plates of
# WELLS wells (the first WELLS wells of the JUMP-Target-1 platemap, its DMSO
# wells among them), every field the same real CPJUMP1 site (3 channels, 16-bit
# 1080 x 1080 TIFFs), converted by 1 rank and by each of RANKS... ranks under
# mpirun. Prints a Markdown table for docs/PERFORMANCE.md, "Scale": wall,
# TIFFs/s and MB of TIFF read per second. The fields repeat one site, so the
# page cache holds the TIFFs after the first read: this measures decoding,
# checking and writing, not a file system.
#   bash tests/bench/convert_scale.sh WORK PLATES WELLS RANKS...
#   e.g. bash tests/bench/convert_scale.sh /tmp/convert 8 48 1 2
set -euo pipefail
cd "$(dirname "$0")/../.."
work=$1 plates=$2 wells=$3
shift 3
data=${MICON_SHARED_DATA:-$(cd .. && pwd)/shared/data}
site=$data/images_jump_cpjump1_BR00117006_A01_s1
micon=$PWD/build/launch/micon
mkdir -p "$work"
load_data=$work/load_data_${plates}x$wells.csv
{
  echo "Metadata_Plate,Metadata_Well,Metadata_Site,FileName_OrigDNA,PathName_OrigDNA,FileName_OrigRNA,PathName_OrigRNA,FileName_OrigAGP,PathName_OrigAGP"
  for p in $(seq 1 "$plates"); do
    awk -F'\t' 'NR > 1 { print $1 }' "$data/jump_target/JUMP-Target-1_compound_platemap.tsv" |
      head -n "$wells" |
      while read -r well; do
        echo "P$p,$well,1,r01c01f01p01-ch5sk1fk1fl1.tiff,$site,r01c01f01p01-ch3sk1fk1fl1.tiff,$site,r01c01f01p01-ch2sk1fk1fl1.tiff,$site"
      done
  done
} > "$load_data"
tiffs=$((plates * wells * 3))
tiff_mb=$(du -cbL "$site"/*ch[235]*.tiff | tail -1 | cut -f1)
echo "| plates × wells | TIFFs | ranks | wall (s) | TIFFs/s | TIFF MB/s | peak per rank (GB) |"
echo "|---|---:|---:|---:|---:|---:|---:|"
for ranks in "$@"; do
  launch=()
  if [ "$ranks" -gt 1 ]; then
    launch=(mpirun --oversubscribe -np "$ranks")
    [ "$(id -u)" = 0 ] && launch+=(--allow-run-as-root)
  fi
  out=$work/store_np$ranks
  rm -rf "$out"
  /usr/bin/time -f "%e %M" -o "$work/time" "${launch[@]}" "$micon" \
    --threads 1 convert --load-data "$load_data" \
    --platemap "$data/jump_target/JUMP-Target-1_compound_platemap.tsv" \
    --compounds "$data/jump_target/JUMP-Target-1_compound_metadata.tsv" \
    --channels DNA,RNA,AGP --source source_4 --batch b1 -o "$out" \
    > "$out.log" 2>&1 || { cat "$out.log"; exit 1; }
  read -r wall peak_kb < "$work/time"
  awk -v p="$plates" -v w="$wells" -v t="$tiffs" -v r="$ranks" -v s="$wall" \
    -v b="$tiff_mb" -v k="$peak_kb" 'BEGIN {
      printf "| %d × %d | %d | %d | %.1f | %.1f | %.0f | %.2f |\n",
        p, w, t, r, s, t / s, t / 3 * b / 1e6 / s, k / 1e6 }'
done
