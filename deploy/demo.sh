#!/usr/bin/env bash
# The main job, end to end on a fresh Debian 12 machine: install, build, then run what micon
# does today on the real public Cell Painting samples in ../shared/data:
#   1. convert raw TIFF fields (CLOOME 5-channel, uncompressed; CPJUMP1 3-channel, LZW) into
#      plate stores, with the JUMP-Target-1 platemap and compound table;
#   2. inspect the stores;
#   3. featurise the 90 JUMP-MOA compounds with RDKit (cached in the dataset); the 8 blinded
#      ones have no structure and are excluded with a report;
#   4. generate the default synthetic screen (real JUMP-MOA structures, known ground truth)
#      that training runs on, and inspect it;
#   5. train MICON on its training plates on 2 MPI ranks (deploy/configs/demo.yaml), stop the
#      run with SIGUSR1 as a preemption would, and resume it to the end;
#   6. train PaCLR, SimCLR and CLIP the same way, embed the screen with every model and with
#      hand-crafted features, and evaluate them all (deploy/experiment.sh);
#   7. train profile-mode MICON on the real CellProfiler profiles of BR00117060a10x and
#      compare it with them on compounds it never saw (deploy/profile_experiment.sh);
#   8. print the results tables (docs/RESULTS.md).
set -euo pipefail
cd "$(dirname "$0")/.."
DATA=${MICON_SHARED_DATA:-$(cd .. && pwd)/shared/data}
OUT=${MICON_DEMO_DIR:-demo}
[ -d "$DATA" ] || { echo "demo: real data not found at $DATA (set MICON_SHARED_DATA)"; exit 1; }

bash deploy/install-deps.sh
bash deploy/build.sh
micon=build/launch/micon
rm -rf "$OUT"
mkdir -p "$OUT"
step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

step "micon info"
$micon info

# Neither image sample records its compound, so the demo places each field in two wells of the
# real JUMP-Target-1 platemap: A01 (BRD-A86665761, gabapentin enacarbil) and A02 (DMSO).
step "convert: CLOOME field (plate 24279, 5 channels, 696x520 uint16 TIFF)"
c="$DATA/images_cloome_cdrp_plate24279"
{
  echo "Metadata_Plate,Metadata_Well,Metadata_Site,FileName_OrigDNA,PathName_OrigDNA,FileName_OrigER,PathName_OrigER,FileName_OrigRNA,PathName_OrigRNA,FileName_OrigAGP,PathName_OrigAGP,FileName_OrigMito,PathName_OrigMito"
  for well in A01 A02; do
    echo "24279,$well,1,Hoechst.tif,$c,ERSyto.tif,$c,ERSytoBleed.tif,$c,Ph_golgi.tif,$c,Mito.tif,$c"
  done
} > "$OUT/load_data_cloome.csv"
$micon convert --load-data "$OUT/load_data_cloome.csv" \
  --platemap "$DATA/jump_target/JUMP-Target-1_compound_platemap.tsv" \
  --compounds "$DATA/jump_target/JUMP-Target-1_compound_metadata.tsv" \
  --source cdrp --batch CDRP_2017 -o "$OUT/cloome"

step "convert: CPJUMP1 BR00117006 A01 site 1 (Opera Phenix, LZW TIFF; only DNA, RNA, AGP exist)"
j="$DATA/images_jump_cpjump1_BR00117006_A01_s1"
{
  echo "Metadata_Plate,Metadata_Well,Metadata_Site,FileName_OrigDNA,PathName_OrigDNA,FileName_OrigRNA,PathName_OrigRNA,FileName_OrigAGP,PathName_OrigAGP"
  for well in A01 A02; do
    echo "BR00117006,$well,1,r01c01f01p01-ch5sk1fk1fl1.tiff,$j,r01c01f01p01-ch3sk1fk1fl1.tiff,$j,r01c01f01p01-ch2sk1fk1fl1.tiff,$j"
  done
} > "$OUT/load_data_cpjump1.csv"
convert_cpjump1=($micon convert --load-data "$OUT/load_data_cpjump1.csv"
  --platemap "$DATA/jump_target/JUMP-Target-1_compound_platemap.tsv"
  --compounds "$DATA/jump_target/JUMP-Target-1_compound_metadata.tsv"
  --source source_4 --batch 2020_11_04_CPJUMP1 -o "$OUT/cpjump1")
echo "(all five stains requested: micon must refuse and say which channels are missing)"
if "${convert_cpjump1[@]}"; then echo "demo: expected a missing-channel error"; exit 1; fi
"${convert_cpjump1[@]}" --channels DNA,RNA,AGP

step "inspect"
$micon inspect "$OUT/cloome"
$micon inspect "$OUT/cpjump1"

step "featurize: JUMP-MOA compounds (Morgan r=2, 2048 bits + RDKit descriptors)"
mkdir -p "$OUT/jump_moa"
/usr/bin/python3 - "$DATA/jump_moa/JUMP-MOA_compound_metadata.tsv" "$OUT/jump_moa/compounds.csv" <<'PY'
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1]), delimiter="\t"))
with open(sys.argv[2], "w", newline="") as out:
    w = csv.writer(out)
    w.writerow(["compound_id", "smiles", "moa"])
    for r in rows:
        if r["pert_type"] == "trt":  # the DMSO row (broad_sample "NA") is the control
            w.writerow([r["broad_sample"], r["smiles"], r["moa"]])
PY
echo "(8 JUMP-MOA compounds are blinded, SMILES 'NA': the default policy stops at the first)"
if $micon featurize --descriptors "$OUT/jump_moa"; then echo "demo: expected an invalid-SMILES error"; exit 1; fi
$micon featurize --descriptors --on-invalid-smiles exclude "$OUT/jump_moa"
echo "(again: read from the dataset's feature cache)"
$micon featurize --descriptors --on-invalid-smiles exclude "$OUT/jump_moa" 2>/dev/null

step "synth: the default synthetic screen (2 sources x 2 batches x 2 plates, 5 stains)"
$micon synth --compounds "$DATA/jump_moa/JUMP-MOA_compound_metadata.tsv" -o "$OUT/screen"
$micon inspect "$OUT/screen"

step "train: MICON on 2 MPI ranks (CPU), the synthetic screen's training plates"
run="$OUT/runs/micon"
rm -rf "$run"
mpi=(mpirun --oversubscribe -np 2)
[ "$(id -u)" = 0 ] && mpi+=(--allow-run-as-root)
train=("${mpi[@]}" $micon train --config deploy/configs/demo.yaml
       --set run.dir="$run" --set data.dataset="$OUT/screen")
echo "(the run is stopped with SIGUSR1 after step 60, as a Slurm preemption would, and resumed)"
"${train[@]}" &
pid=$!
until grep -q '"step":6[0-9]' "$run/metrics.jsonl" 2>/dev/null || ! kill -0 $pid 2>/dev/null; do
  sleep 0.5
done
kill -USR1 $pid 2>/dev/null || true
set +e; wait $pid; rc=$?; set -e
if [ "$rc" != 75 ]; then echo "demo: expected exit code 75 (checkpointed, requeue), got $rc"; exit 1; fi
echo "(exit code 75: checkpointed; a batch script would requeue. Resuming:)"
"${train[@]}" --resume latest
ls -l "$run" "$run/checkpoints"

step "evaluate: MICON, PaCLR, SimCLR, CLIP (2 ranks each) and hand-crafted features"
echo "(the MICON run above is reused; each embedding runs on 2 MPI ranks)"
bash deploy/experiment.sh "$OUT/screen" "$OUT"

step "CellCLIP: the MICON trunk frozen, a cross-channel transformer on its per-channel store"
store="$OUT/cellclip/store"
"${mpi[@]}" $micon embed --per-channel --checkpoint "$($micon checkpoints --latest "$run")" \
  -o "$store"
rm -rf "$OUT/cellclip/run"
"${mpi[@]}" $micon train --config deploy/configs/demo-cellclip.yaml \
  --set run.dir="$OUT/cellclip/run" --set data.dataset="$store"
"${mpi[@]}" $micon embed --checkpoint "$($micon checkpoints --latest "$OUT/cellclip/run")" \
  -o "$OUT/cellclip/profiles"
echo "(molecule -> well and well -> molecule retrieval, training and held-out compounds apart)"
$micon evaluate --retrieval cellclip="$OUT/cellclip/profiles" \
  --retrieval-split "$OUT/screen/screen.json" -o "$OUT/cellclip/evaluation"

step "evaluate: profile-mode MICON on the real CellProfiler profiles of BR00117060a10x"
bash deploy/profile_experiment.sh "$OUT"

step "benchmark (short): the hard screen, every objective on its hand-crafted profiles, 3 seeds"
echo "(docs/RESULTS.md: the full benchmark, 10 seeds in profile mode and 5 on pixels)"
MICON="$micon" MICON_SHARED_DATA="$DATA" MICON_SEEDS="1 2 3" \
  bash deploy/benchmark.sh profiles "$OUT/benchmark" > "$OUT/benchmark.log"
summary="$OUT/benchmark/profiles/summary.md"
sed -n '/^## Raw and normalised/,/^## The paper/p' "$summary" | sed '$d'
sed -n '/^## Paired/,/^`/p' "$summary"

step "results (docs/RESULTS.md explains every column and where MICON does not win)"
echo "Synthetic screen, profiles as they are:"
cat "$OUT/table-raw.txt"
echo
echo "Synthetic screen, robust MAD per plate:"
cat "$OUT/table-mad.txt"
echo
echo "BR00117060a10x, the 28 compounds held out of training:"
cat "$OUT/br060/table-held-out.txt"
cat <<MSG

== done
Runs in $OUT/runs (config.yaml, metrics.jsonl, checkpoints/, loss.png); well profiles in
$OUT/profiles/<method>/ and $OUT/br060/; every evaluation (CSV, per-compound mAP, chart) in
$OUT/evaluation-*/ and $OUT/br060/evaluation-*/; the short benchmark in $OUT/benchmark/
(summary.md, summary.png).
MSG
