#!/usr/bin/env bash
# The evaluation experiment (docs/RESULTS.md): on one synthetic screen, train MICON, PaCLR,
# SimCLR and CLIP with the same configuration (deploy/configs/demo.yaml, 2 MPI ranks), embed
# every plate with each checkpoint, compute hand-crafted features, and evaluate all five.
#
#   deploy/experiment.sh SCREEN_DIR OUT_DIR
#
# Continues the runs in OUT_DIR/runs/<objective> (a finished one has nothing to do; deploy/demo.sh
# trains MICON there first).
# MICON_SEED (default 0, the demo's) sets run.seed of the runs it trains.
# Writes OUT_DIR/profiles/<method>/ and three evaluations (OUT_DIR/evaluation-<name>/ and
# OUT_DIR/table-<name>.txt): raw (profiles as they are), mad (robust MAD per plate on the DMSO
# wells) and held-out (only the compounds screen.json holds out of training).
set -euo pipefail
cd "$(dirname "$0")/.."
[ $# -eq 2 ] || { echo "usage: $0 SCREEN_DIR OUT_DIR"; exit 2; }
screen=$1
out=$2
micon=${MICON:-build/launch/micon}
mpi=(mpirun --oversubscribe -np 2)
[ "$(id -u)" = 0 ] && mpi+=(--allow-run-as-root)

for objective in micon paclr simclr clip; do
  run="$out/runs/$objective"
  # A finished run has nothing to do; a stopped one continues to the end.
  echo "== train $objective (2 ranks)"
  "${mpi[@]}" "$micon" train --config deploy/configs/demo.yaml --resume latest \
    --set run.dir="$run" --set data.dataset="$screen" --set loss.objective=$objective \
    --set run.seed="${MICON_SEED:-0}"
  echo "== embed $objective"
  "${mpi[@]}" "$micon" embed --checkpoint "$("$micon" checkpoints --latest "$run")" \
    --dataset "$screen" -o "$out/profiles/$objective"
done
echo "== hand-crafted features"
"${mpi[@]}" "$micon" embed --handcrafted --dataset "$screen" -o "$out/profiles/handcrafted"

methods=()
for m in micon paclr simclr clip handcrafted; do
  methods+=(--profiles "$m=$out/profiles/$m/profiles.csv")
done
methods+=(--predicted "micon=$out/profiles/micon/predicted.csv")
# Each table is printed and kept as OUT_DIR/table-<name>.txt.
evaluate() {
  local name=$1
  shift
  echo "== evaluate ($name)"
  "$micon" evaluate "${methods[@]}" "$@" -o "$out/evaluation-$name" > "$out/table-$name.txt"
  cat "$out/table-$name.txt"
}
evaluate raw                                    # profiles as they are
evaluate mad --normalize mad                    # robust MAD per plate on the DMSO wells
evaluate held-out --held-out-only "$screen/screen.json"   # compounds no model trained on
