#!/usr/bin/env bash
# micon train beside its PyTorch DDP peer (tests/bench/ddp_peer.py), in one run, on one machine:
# world 1 and 2, synchronised and plain BatchNorm, 1 thread per rank, 8 entries per rank of
# 5 x 64 x 64 (deploy/configs/demo.yaml's batch), on the default synthetic screen. micon's
# rate is its progress line's images/s at the last step (the mean over the last log_every
# steps: encoder images, 4 per entry); the peer's is images per second over its timed steps,
# images preloaded.
#   bash tests/bench/trainer_vs_peer.sh [ROUNDS]        # ~6 minutes a round on 2 cores
set -euo pipefail
cd "$(dirname "$0")/../.."
rounds=${1:-1}
micon=build/launch/micon
work=$(mktemp -d /tmp/micon-vs-peer.XXXXXX)
trap 'rm -rf "$work"' EXIT
mpi=(mpirun --oversubscribe)
[ "$(id -u)" = 0 ] && mpi+=(--allow-run-as-root)
$micon synth --compounds "${MICON_SHARED_DATA:-../shared/data}/jump_moa/JUMP-MOA_compound_metadata.tsv" \
  -o "$work/screen" > /dev/null
micon_rate() {  # NP NORM
  local launch=()
  [ "$1" -gt 1 ] && launch=("${mpi[@]}" -np "$1")
  rm -rf "$work/run"
  "${launch[@]}" $micon train --config deploy/configs/demo.yaml --set data.dataset="$work/screen" \
    --set run.dir="$work/run" --set train.steps=40 --set train.log_every=20 --set train.threads=1 \
    --set checkpoint.every_steps=0 --set model.norm="$2" 2>&1 |
    grep -oE "step 40/40 .* \(([0-9.]+) images/s\)" | grep -oE "[0-9.]+ images/s" | cut -d' ' -f1
}
peer_rate() {  # NP NORM
  # Debian's OpenBLAS otherwise starts a thread per core in each rank (micon sizes its pool).
  OPENBLAS_NUM_THREADS=1 "${mpi[@]}" -x OPENBLAS_NUM_THREADS -np "$1" /usr/bin/python3 tests/bench/ddp_peer.py --norm "$2" --threads 1 \
    --steps 20 | grep -oE "images_per_s [0-9.]+" | cut -d' ' -f2
}
echo "| round | ranks | BatchNorm | micon images/s | peer images/s | micon / peer |"
echo "|---:|---:|---|---:|---:|---:|"
for round in $(seq "$rounds"); do
  for np in 1 2; do
    for norm in sync_batch batch; do
      peer_norm=sync
      [ "$norm" = batch ] && peer_norm=plain
      m=$(micon_rate "$np" "$norm")
      p=$(peer_rate "$np" "$peer_norm")
      echo "| $round | $np | $norm | $m | $p | $(python3 -c "print(f'{$m / $p:.2f}')") |"
    done
  done
done
