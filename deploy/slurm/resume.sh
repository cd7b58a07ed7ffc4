#!/usr/bin/env bash
# resume.sh: submits a micon run again, continuing from its newest readable
# checkpoint (after a failure, a cancelled job, or a job that could not requeue
# itself).
#
#   deploy/slurm/resume.sh [--script BATCH_SCRIPT] RUN_DIR [sbatch options]
#
# The run's own resolved config (RUN_DIR/config.yaml) is used, so every
# `--set` of the first submission still holds; the batch script is the one
# RUN_DIR/jobs.tsv recorded last (or --script), with the same launcher (or
# $MICON_LAUNCHER). sbatch options such as
# --time or --partition go after RUN_DIR. Keep the number of tasks for an
# exact continuation: sampler and RNG state are per rank (another world size
# trains on, with a warning that it is no longer the uninterrupted run).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
home=$(cd "$here/../.." && pwd)
micon=${MICON_BIN:-$home/build/launch/micon}
script=
launcher=${MICON_LAUNCHER:-srun}
if [ "${1:-}" = --script ]; then script=$2; shift 2; fi
[ $# -ge 1 ] || { echo "usage: $0 [--script BATCH_SCRIPT] RUN_DIR [sbatch options]" >&2; exit 2; }
run_dir=$(cd "$1" 2>/dev/null && pwd) || { echo "resume: run directory $1 not found" >&2; exit 1; }
shift
[ -f "$run_dir/config.yaml" ] || { echo "resume: $run_dir/config.yaml not found: not a micon run directory" >&2; exit 1; }

if [ -f "$run_dir/jobs.tsv" ]; then
  # The last start: job id, restart, time, nodes, tasks, launcher, script.
  IFS=$'\t' read -r last_job _ _ _ _ last_launcher last_script < <(tail -n 1 "$run_dir/jobs.tsv")
  if [ -n "$(squeue -h -j "$last_job" 2>/dev/null)" ]; then
    echo "resume: job $last_job of this run is still queued or running; two jobs in one run directory would overwrite each other's checkpoints (scancel $last_job first)" >&2
    exit 1
  fi
  [ -n "$script" ] || script=$last_script
  launcher=${MICON_LAUNCHER:-$last_launcher}
fi
[ -n "$script" ] && [ "$script" != "?" ] || script=$here/train-one-node.sbatch
[ -f "$script" ] || { echo "resume: batch script $script not found (pass --script)" >&2; exit 1; }

if latest=$("$micon" checkpoints --latest "$run_dir" 2>/dev/null); then
  echo "resume: $run_dir continues from $latest"
elif compgen -G "$run_dir/checkpoints/step-*.ckpt" > /dev/null; then
  # micon train refuses to start over on top of damaged checkpoints; do not queue a job that fails.
  echo "resume: every checkpoint in $run_dir/checkpoints is damaged (micon checkpoints $run_dir" \
       "lists why); move them away to start again at step 0" >&2
  exit 1
else
  echo "resume: warning: $run_dir has no checkpoint yet; the run starts at step 0" >&2
fi
sbatch --job-name="$(basename "$run_dir")" \
  --export="ALL,MICON_HOME=$home,MICON_RUN_DIR=$run_dir,MICON_LAUNCHER=$launcher" "$@" \
  "$script" "$run_dir/config.yaml"
