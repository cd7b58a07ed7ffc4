# job.sh: the body of micon's Slurm batch scripts, sourced by
# train-one-node.sbatch and train-multi-node.sbatch (not submitted itself).
#
#   source "$MICON_HOME/deploy/slurm/job.sh" CONFIG.yaml [micon train options]
#
# What it does, in order:
#   1. picks the run directory: $MICON_RUN_DIR, else $MICON_RUNS/<job name>-<job
#      id>. A requeued job keeps its id, so it finds its own run again.
#   2. starts `micon train --resume latest` as one job step (srun --mpi=pmix,
#      or mpirun inside the allocation), one rank per task;
#   3. forwards USR1 and TERM from this batch shell to the step: with
#      `#SBATCH --signal=B:USR1@300` Slurm signals only this shell, 300 s before
#      the time limit; the ranks finish their step, checkpoint and exit 75;
#   4. on exit 75 requeues the job (`scontrol requeue`), which restarts this
#      script later; it resumes from the newest readable checkpoint.
# Environment (all optional):
#   MICON_HOME      micon checkout (default: the submission directory)
#   MICON_BIN       the micon executable (default: $MICON_HOME/build/launch/micon)
#   MICON_CONTAINER an Apptainer image (deploy/container) to run micon from
#   MICON_LAUNCHER  srun (default) or mpirun
#   MICON_SRUN_MPI  srun's --mpi plugin (default: pmix; Open MPI needs PMIx)
#   MICON_RUNS      parent of run directories (default: $MICON_HOME/runs)
#   MICON_RUN_DIR   this run's directory (deploy/slurm/resume.sh sets it)

micon_job_fail() {
  echo "micon job ${SLURM_JOB_ID:-?}: error: $*" >&2
  exit 1
}

micon_job_log() {
  echo "micon job ${SLURM_JOB_ID}: $(date -u '+%F %T') $*" >&2
}

[ -n "${SLURM_JOB_ID:-}" ] || micon_job_fail "not inside a Slurm job: submit with sbatch"
[ $# -ge 1 ] || micon_job_fail "usage: sbatch SCRIPT CONFIG.yaml [micon train options]"
micon_config=$1
shift
[ -f "$micon_config" ] || micon_job_fail "config file $micon_config not found (paths are relative to $PWD)"
if [ -n "${MICON_CONTAINER:-}" ]; then
  [ -f "$MICON_CONTAINER" ] || micon_job_fail "container image $MICON_CONTAINER (MICON_CONTAINER) not found"
  micon_cmd=(apptainer exec --nv "$MICON_CONTAINER" micon)
else
  micon_bin=${MICON_BIN:-$MICON_HOME/build/launch/micon}
  [ -x "$micon_bin" ] || micon_job_fail "micon executable $micon_bin not found: build it (deploy/build.sh) or set MICON_BIN"
  micon_cmd=("$micon_bin")
fi
micon_run_dir=${MICON_RUN_DIR:-${MICON_RUNS:-$MICON_HOME/runs}/${SLURM_JOB_NAME}-${SLURM_JOB_ID}}
mkdir -p "$micon_run_dir" || micon_job_fail "cannot create run directory $micon_run_dir"

# One line per start of this run, so that resume.sh knows which batch script to
# submit again and a user can see every requeue.
micon_script=$(scontrol show job "$SLURM_JOB_ID" 2>/dev/null | sed -n 's/^ *Command=//p')
micon_script=${micon_script%% *}  # the script, without its arguments
[ -f "$micon_run_dir/jobs.tsv" ] ||
  printf 'job_id\trestart\tstarted_utc\tnodes\ttasks\tlauncher\tscript\n' > "$micon_run_dir/jobs.tsv"
printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$SLURM_JOB_ID" "${SLURM_RESTART_COUNT:-0}" \
  "$(date -u '+%FT%TZ')" "${SLURM_JOB_NUM_NODES:-1}" "${SLURM_NTASKS:-1}" \
  "${MICON_LAUNCHER:-srun}" "${micon_script:-?}" >> "$micon_run_dir/jobs.tsv"

case "${MICON_LAUNCHER:-srun}" in
  srun) micon_launch=(srun "--mpi=${MICON_SRUN_MPI:-pmix}") ;;
  mpirun)
    # Open MPI reads the allocation from Slurm; one rank per task.
    micon_launch=(mpirun -np "${SLURM_NTASKS:-1}" --bind-to none)
    [ "$(id -u)" = 0 ] && micon_launch+=(--allow-run-as-root)
    ;;
  *) micon_job_fail "MICON_LAUNCHER must be srun or mpirun, not '$MICON_LAUNCHER'" ;;
esac

micon_forwarded=0
micon_forward() {
  micon_forwarded=1
  micon_job_log "got SIG$1: asking the ranks to checkpoint and stop"
  [ -n "${micon_step_pid:-}" ] && kill -s "$1" "$micon_step_pid" 2>/dev/null
}
trap 'micon_forward USR1' USR1
trap 'micon_forward TERM' TERM

micon_job_log "restart ${SLURM_RESTART_COUNT:-0}, ${SLURM_NTASKS:-1} task(s) on ${SLURM_JOB_NODELIST:-?}, run dir $micon_run_dir"
"${micon_launch[@]}" "${micon_cmd[@]}" --threads "${SLURM_CPUS_PER_TASK:-0}" train \
  --config "$micon_config" --set run.dir="$micon_run_dir" --resume latest "$@" &
micon_step_pid=$!
# A trapped signal cuts `wait` short (status > 128) while the step goes on:
# wait again until the step itself has ended.
while :; do
  micon_forwarded=0
  wait "$micon_step_pid"
  micon_rc=$?
  [ "$micon_forwarded" = 1 ] && [ "$micon_rc" -gt 128 ] && continue
  break
done

case "$micon_rc" in
  0)
    micon_job_log "training finished"
    exit 0
    ;;
  75)
    micon_job_log "checkpointed after a stop signal; requeueing job $SLURM_JOB_ID"
    if scontrol requeue "$SLURM_JOB_ID"; then
      exit 75
    fi
    micon_job_fail "scontrol requeue $SLURM_JOB_ID failed (submitted with --no-requeue?); resume by hand: deploy/slurm/resume.sh $micon_run_dir"
    ;;
  *)
    micon_job_fail "the training step ended with exit code $micon_rc; see the ranks' errors above. Resume with deploy/slurm/resume.sh $micon_run_dir"
    ;;
esac
