#!/usr/bin/env bash
# list-checkpoints.sh: a run's checkpoints (step, world size, time, size, model
# checksum; each file verified) and the Slurm jobs that ran it.
#
#   deploy/slurm/list-checkpoints.sh RUN_DIR
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
micon=${MICON_BIN:-$here/../../build/launch/micon}
[ $# -eq 1 ] || { echo "usage: $0 RUN_DIR" >&2; exit 2; }
"$micon" checkpoints "$1"
if [ -f "$1/jobs.tsv" ]; then
  echo
  echo "jobs ($1/jobs.tsv):"
  column -t -s $'\t' "$1/jobs.tsv" 2>/dev/null || cat "$1/jobs.tsv"
fi
