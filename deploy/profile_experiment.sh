#!/usr/bin/env bash
# Profile-mode MICON on real CellProfiler profiles (docs/RESULTS.md): JUMP-MOA plate
# BR00117060a10x from ../shared/data (90 compounds x 4 wells + 24 DMSO; 82 with SMILES).
#
#   deploy/profile_experiment.sh OUT_DIR
#
# 1. Writes OUT_DIR/br060/profiles.csv in micon's profile format with `micon merge-profiles`
#    (the 357 CellProfiler features unchanged; the 8 blinded compounds, which have no structure,
#    left out) and a screen.json that holds out every third compound (sorted by id) from training.
# 2. Trains MICON on the other compounds' wells (deploy/configs/profiles-br060.yaml, world 1).
# 3. Embeds every well (and predicts the held-out compounds from their SMILES and the plate's
#    DMSO wells) and evaluates CellProfiler against MICON: on the held-out compounds, which
#    training never saw, and on all compounds (where MICON saw the training compounds' labels),
#    there with the phenotypic consistency of JUMP-MOA's mechanisms of action.
set -euo pipefail
cd "$(dirname "$0")/.."
[ $# -eq 1 ] || { echo "usage: $0 OUT_DIR"; exit 2; }
out=$1
micon=${MICON:-build/launch/micon}
data=${MICON_SHARED_DATA:-$(cd .. && pwd)/shared/data}
csv="$data/profiles_cpg0002_BR00117060a10x/BR00117060a10x_normalized_feature_select_negcon_plate.csv.gz"
[ -f "$csv" ] || { echo "profile_experiment: $csv not found (set MICON_SHARED_DATA)"; exit 1; }
mkdir -p "$out/br060"

# micon's column names, source and batch, controls flagged; the blinded compounds (no structure)
# dropped.
"$micon" merge-profiles -o "$out/br060/profiles.csv" "$csv" \
  --rename Metadata_broad_sample=Metadata_Compound --rename Metadata_smiles=Metadata_SMILES \
  --set Metadata_Source=cpg0002 --set Metadata_Batch=Scope1_Nikon_10X \
  --controls Metadata_pert_type=control --drop-treated-without Metadata_SMILES
/usr/bin/python3 - "$out/br060" <<'PY'
import csv, json, sys
folder = sys.argv[1]
rows = list(csv.DictReader(open(f"{folder}/profiles.csv")))
compounds = sorted({r["Metadata_Compound"] for r in rows if r["Metadata_Control"] == "0"})
held_out = compounds[::3]
json.dump({"train_plates": sorted({r["Metadata_Plate"] for r in rows}), "held_out_plates": [],
           "held_out_compounds": held_out}, open(f"{folder}/screen.json", "w"), indent=1)
print(f"{folder}/screen.json: {len(compounds)} compounds ({len(held_out)} held out)")
PY

# Three training seeds (same split), to show how much one run's numbers move.
methods=(--profiles "cellprofiler=$out/br060/profiles.csv")
for seed in 1 2 3; do
  run="$out/runs/profiles-micon-seed$seed"
  "$micon" train --config deploy/configs/profiles-br060.yaml --resume latest --set run.seed=$seed \
    --set run.dir="$run" --set data.dataset="$out/br060/profiles.csv"
  "$micon" embed --checkpoint "$("$micon" checkpoints --latest "$run")" \
    -o "$out/br060/micon-seed$seed"
  methods+=(--profiles "micon-seed$seed=$out/br060/micon-seed$seed/profiles.csv"
            --predicted "micon-seed$seed=$out/br060/micon-seed$seed/predicted.csv")
done
# Each table is printed and kept as OUT_DIR/br060/table-<name>.txt.
evaluate() {
  local name=$1
  shift
  "$micon" evaluate "$@" -o "$out/br060/evaluation-$name" > "$out/br060/table-$name.txt"
  cat "$out/br060/table-$name.txt"
}
echo "== held-out compounds (never seen in training) against DMSO and each other"
evaluate held-out "${methods[@]}" --held-out-only "$out/br060/screen.json"
echo "== all compounds (MICON trained on two thirds of them), with MOA consistency"
# Phenotypic consistency: do different compounds of one mechanism of action find each other?
# MICON never saw a mechanism: the plate's profiles carry JUMP-MOA's Metadata_moa, and micon
# embed carries every metadata column of the table into MICON's profiles.
evaluate all "${methods[@]}" --consistency Metadata_moa

# Control: the held-out compounds' labels shuffled among their wells. Replicate identity is then
# gone, so whatever a metric still reports is not replicate retrieval.
/usr/bin/python3 - "$out/br060" <<'PY'
import json, sys
import numpy as np
import pandas as pd
folder = sys.argv[1]
held = set(json.load(open(f"{folder}/screen.json"))["held_out_compounds"])
for name, path in [("cellprofiler", f"{folder}/profiles.csv"),
                   ("micon-seed1", f"{folder}/micon-seed1/profiles.csv")]:
    d = pd.read_csv(path, float_precision="round_trip")
    rows = d["Metadata_Compound"].isin(held)
    shuffled = np.random.default_rng(0).permutation(d.loc[rows, "Metadata_Compound"].to_numpy())
    d.loc[rows, "Metadata_Compound"] = shuffled
    d.to_csv(f"{folder}/shuffled-{name}.csv", index=False)
PY
echo "== control: held-out compounds with their labels shuffled among their wells"
evaluate shuffled --profiles "cellprofiler-shuffled=$out/br060/shuffled-cellprofiler.csv" \
  --profiles "micon-seed1-shuffled=$out/br060/shuffled-micon-seed1.csv" \
  --held-out-only "$out/br060/screen.json"
