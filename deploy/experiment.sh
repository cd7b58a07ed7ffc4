#!/usr/bin/env bash
# The evaluation experiment (docs/RESULTS.md): on one synthetic screen, train MICON, PaCLR,
# SimCLR and CLIP with the same configuration (deploy/configs/demo.yaml, 2 MPI ranks), embed
# every plate with each checkpoint, compute hand-crafted features, and evaluate all five.
#
#   deploy/experiment.sh SCREEN_DIR OUT_DIR
#
# Reuses a finished run in OUT_DIR/runs/<objective> (deploy/demo.sh trains MICON there first).
# Writes OUT_DIR/profiles/<method>/ and two tables: OUT_DIR/evaluation-raw (profiles as they
# are) and OUT_DIR/evaluation-mad (robust MAD per plate on the DMSO wells).
set -euo pipefail
cd "$(dirname "$0")/.."
[ $# -eq 2 ] || { echo "usage: $0 SCREEN_DIR OUT_DIR"; exit 2; }
screen=$1
out=$2
micon=${MICON:-build/launch/micon}
mpi=(mpirun --oversubscribe -np 2)
[ "$(id -u)" = 0 ] && mpi+=(--allow-run-as-root)
steps=$(sed -n 's/^  steps: *\([0-9]*\).*/\1/p' deploy/configs/demo.yaml)

for objective in micon paclr simclr clip; do
  run="$out/runs/$objective"
  last=$(printf '%s/checkpoints/step-%08d.ckpt' "$run" "$steps")
  if [ ! -f "$last" ]; then
    echo "== train $objective ($steps steps, 2 ranks)"
    "${mpi[@]}" "$micon" train --config deploy/configs/demo.yaml --resume latest \
      --set run.dir="$run" --set data.dataset="$screen" --set loss.objective=$objective
  fi
  echo "== embed $objective"
  "${mpi[@]}" "$micon" embed --checkpoint "$last" --dataset "$screen" \
    -o "$out/profiles/$objective"
done
echo "== hand-crafted features"
"${mpi[@]}" "$micon" embed --handcrafted --dataset "$screen" -o "$out/profiles/handcrafted"

methods=()
for m in micon paclr simclr clip handcrafted; do
  methods+=(--profiles "$m=$out/profiles/$m/profiles.csv")
done
methods+=(--predicted "micon=$out/profiles/micon/predicted.csv")
echo "== evaluate: profiles as they are"
"$micon" evaluate "${methods[@]}" -o "$out/evaluation-raw"
echo "== evaluate: robust MAD per plate, fitted on DMSO wells"
"$micon" evaluate "${methods[@]}" --normalize mad -o "$out/evaluation-mad"
