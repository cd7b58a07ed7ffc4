#!/usr/bin/env bash
# micon evaluate at screen scale: synthetic 256-feature well profiles
# (tests/bench/synthetic_profiles.py: 384-well plates, 32 DMSO wells, each
# compound once in each of 4 sources), the wall time and peak memory of one
# evaluation per size, and, up to REFERENCE_MAX wells, every metric beside an
# independent numpy evaluation (tests/bench/evaluate_reference.py) run in the
# same session. Prints a Markdown table for docs/PERFORMANCE.md, "Scale".
#   bash tests/bench/evaluate_scale.sh WORK WELLS... [-- EXTRA micon evaluate FLAGS]
#   e.g. bash tests/bench/evaluate_scale.sh /tmp/ev 3072 12288 101376
#        MPI_RANKS=2 bash tests/bench/evaluate_scale.sh /tmp/ev 101376
# WORK keeps the generated profiles (10^6 wells: 2 GB) for later runs.
# REFERENCE_MAX (default 12288) bounds the sizes checked against numpy, whose
# pair loops need minutes and gigabytes beyond that.
set -euo pipefail
cd "$(dirname "$0")/../.."
work=$1
shift
sizes=()
while [ $# -gt 0 ] && [ "$1" != "--" ]; do sizes+=("$1"); shift; done
[ "${1:-}" = "--" ] && shift
extra=("$@")
reference_max=${REFERENCE_MAX:-12288}
ranks=${MPI_RANKS:-1}
micon=$PWD/build/launch/micon
mkdir -p "$work"
launch=()
if [ "$ranks" -gt 1 ]; then
  launch=(mpirun --oversubscribe -np "$ranks")
  [ "$(id -u)" = 0 ] && launch+=(--allow-run-as-root)
fi
echo "| wells | ranks | wall (s) | peak memory per rank (GB) | tile rows | max abs difference from numpy |"
echo "|---:|---:|---:|---:|---:|---:|"
for wells in "${sizes[@]}"; do
  profiles=$work/profiles_$wells.h5
  [ -s "$profiles" ] ||
    /usr/bin/python3 tests/bench/synthetic_profiles.py "$wells" "$profiles" > /dev/null
  out=$work/evaluate_${wells}_np$ranks
  rm -rf "$out"
  /usr/bin/time -f "%e %M" -o "$work/time" "${launch[@]}" "$micon" evaluate \
    --profiles synthetic="$profiles" --compound-column Metadata_Compound \
    -o "$out" "${extra[@]}" > "$out.log" 2>&1 || { cat "$out.log"; exit 1; }
  read -r wall peak_kb < "$work/time"
  tile=$(grep -oE "similarity tiles of [0-9]+ rows" "$out.log" | grep -oE "[0-9]+")
  difference="-"
  if [ "$wells" -le "$reference_max" ]; then
    /usr/bin/python3 tests/bench/evaluate_reference.py "$profiles" "$out/reference.csv"
    difference=$(/usr/bin/python3 - "$out/evaluation.csv" "$out/reference.csv" << 'PY'
import csv, sys
mine = next(csv.DictReader(open(sys.argv[1])))
worst = 0.0
for row in csv.DictReader(open(sys.argv[2])):
    if row["metric"] not in mine:
        continue  # e.g. percent replicating when skipped
    worst = max(worst, abs(float(mine[row["metric"]]) - float(row["value"])))
print(f"{worst:.1e}")
PY
)
  fi
  # /usr/bin/time reports the largest process's peak (mpirun's children are
  # measured one at a time), in KB.
  printf "| %s | %s | %s | %.2f | %s | %s |\n" "$wells" "$ranks" "$wall" \
    "$(echo "$peak_kb / 1000000" | bc -l)" "$tile" "$difference"
done
