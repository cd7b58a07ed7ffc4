#!/usr/bin/env bash
# The project's own batch script on a real (one-node, local) Slurm cluster:
# preemption signal mid-run -> checkpoint -> requeue -> resume -> the same
# final parameters, bit for bit, as an uninterrupted run.
#
#   slurm_requeue_test.sh MICON_BIN SOURCE_DIR SHARED_DATA_DIR MPIRUN [FLAGS...]
#
# Prints PASS, or FAIL: with the reason and the logs that explain it; exits 77
# (ctest: skipped) with the reason only when the Slurm daemons cannot run here
# (not installed, or not root). Daemons that are installed but do not start
# fail the test.
set -uo pipefail
micon=$(realpath "$1") src=$(realpath "$2") data=$(realpath "$3") mpirun=$4
shift 4
mpirun_flags=("$@")
tmp=$(mktemp -d "${TMPDIR:-/tmp}/micon-slurm-test.XXXXXX")
source "$src/tests/deploy/local_slurm.sh"

finish() {
  local rc=$?
  local_slurm_stop
  if [ $rc = 0 ]; then rm -rf "$tmp"; else echo "(files kept in $tmp)"; fi
}
trap finish EXIT

fail() {
  echo "FAIL: $*"
  for f in "$tmp"/submit/*.out "$tmp/cluster/log/slurmctld.log"; do
    [ -f "$f" ] && { echo "--- $f (last 40 lines)"; tail -n 40 "$f"; }
  done
  exit 1
}

if ! local_slurm_start "$tmp/cluster" $((20000 + RANDOM % 20000)); then
  if [ "$local_slurm_unavailable" = 1 ]; then
    echo "SKIP: cannot run a local Slurm cluster: $local_slurm_reason"
    exit 77
  fi
  fail "the Slurm daemons are installed but the local cluster did not start: $local_slurm_reason"
fi
echo "local Slurm up: $(sinfo -h -o '%P %D node(s) %c cpus %t')"

"$micon" synth --compounds "$data/jump_moa/JUMP-MOA_compound_metadata.tsv" \
  -o "$tmp/screen" --image-size 32 --sites 1 > "$tmp/synth.log" 2>&1 ||
  fail "micon synth: $(cat "$tmp/synth.log")"
steps=30 stop_after=12
cat > "$tmp/small.yaml" <<YAML
data: {dataset: $tmp/screen, split: train, batch_size: 2, workers: 1}
model: {projection_hidden: [32], molecule_hidden: [32], generator_hidden: [32],
        projection_dim: 16, molecule_dim: 16}
molecule: {bits: 256}
loss: {temperature: 0.5}
train: {steps: $steps, log_every: 1}
checkpoint: {every_steps: 10, every_minutes: 0}
YAML

# The uninterrupted run, started by mpirun directly: 2 ranks, 1 thread each
# (what the job gets from --cpus-per-task=1).
"$mpirun" "${mpirun_flags[@]}" -np 2 "$micon" --threads 1 train \
  --config "$tmp/small.yaml" --set run.dir="$tmp/reference" > "$tmp/reference.log" 2>&1 ||
  fail "reference run: $(tail -n 20 "$tmp/reference.log")"

# The same training as a Slurm job of the project's batch script; resources
# scaled down to this machine on the command line (sbatch options win over
# the script's #SBATCH lines).
mkdir -p "$tmp/submit"
cd "$tmp/submit" || fail "cd $tmp/submit"
jid=$(sbatch --parsable --job-name=micontest --ntasks-per-node=2 --gpus-per-node=0 \
  --cpus-per-task=1 --mem=0 --time=10 \
  --export="ALL,MICON_HOME=$src,MICON_BIN=$micon,MICON_RUNS=$tmp/runs" \
  "$src/deploy/slurm/train-one-node.sbatch" "$tmp/small.yaml") || fail "sbatch refused the job"
run=$tmp/runs/micontest-$jid
out=$tmp/submit/micontest-$jid.out
job_field() { scontrol show job "$jid" 2> /dev/null | grep -o "$1=[^ ]*" | cut -d= -f2; }

# Mid-run, deliver what `#SBATCH --signal=B:USR1@N` delivers near the time
# limit: USR1 to the batch shell only (waiting for a real time limit would
# make the test minutes long and its timing loose).
for _ in $(seq 1 600); do
  grep -q "\"step\":$stop_after," "$run/metrics.jsonl" 2> /dev/null && break
  # CONFIGURING: allocated, batch script not started yet (a longer window under load).
  case "$(job_field JobState)" in
    PENDING | CONFIGURING | RUNNING | "") ;;  # "": scontrol busy; ask again
    *) fail "job $jid ended before step $stop_after: $(job_field JobState)" ;;
  esac
  sleep 0.2
done
grep -q "\"step\":$stop_after," "$run/metrics.jsonl" 2> /dev/null ||
  fail "job $jid did not reach step $stop_after in 120 s"
scancel --signal=USR1 --batch "$jid" || fail "scancel --signal=USR1 --batch $jid"

for _ in $(seq 1 900); do
  state=$(job_field JobState)
  case "$state" in COMPLETED | FAILED | CANCELLED | TIMEOUT | NODE_FAIL | OUT_OF_MEMORY) break ;; esac
  sleep 0.2
done
[ "$state" = COMPLETED ] || fail "job $jid ended $state (exit $(job_field ExitCode)), expected COMPLETED"
[ "$(job_field Restarts)" = 1 ] || fail "job $jid restarted $(job_field Restarts) times, expected 1"

# The story the job log tells, in order.
stopped=$(sed -n 's/.*checkpointed step \([0-9]*\) .*exiting with 75.*/\1/p' "$out")
[ -n "$stopped" ] || fail "no 'checkpointed step N ... exiting with 75' in $out"
[ "$stopped" -gt "$stop_after" ] && [ "$stopped" -lt "$steps" ] ||
  fail "checkpointed at step $stopped, expected between $stop_after and $steps"
for expected in "got SIGUSR1" "requeueing job $jid" "restart 1, 2 task(s)" \
  "resumed from $run/checkpoints/step-$(printf %08d "$stopped").ckpt at step $stopped" \
  "finished $steps steps" "training finished"; do
  grep -qF "$expected" "$out" || fail "'$expected' not in the job log $out"
done
[ "$(cut -f 2 "$run/jobs.tsv" | tr '\n' ' ')" = "restart 0 1 " ] ||
  fail "$run/jobs.tsv should list restarts 0 and 1: $(cat "$run/jobs.tsv")"

# Same losses at every step and the same final parameters as the reference.
losses() { grep -o '"loss":[^,]*' "$1/metrics.jsonl"; }
[ "$(losses "$run" | wc -l)" = "$steps" ] || fail "$run/metrics.jsonl has $(losses "$run" | wc -l) steps, expected $steps"
diff <(losses "$tmp/reference") <(losses "$run") > "$tmp/loss.diff" ||
  fail "losses differ from the uninterrupted run: $(head -n 6 "$tmp/loss.diff")"
final_checksum() {
  "$micon" checkpoints "$1" | awk -v s="$steps" '$1 == s { print $6 }'
}
want=$(final_checksum "$tmp/reference")
got=$(final_checksum "$run")
[ -n "$want" ] && [ "$want" = "$got" ] ||
  fail "final model checksum $got, uninterrupted run $want"
echo "job $jid: USR1 after step $stop_after, checkpointed step $stopped, requeued, resumed, finished $steps steps; model checksum $got equals the uninterrupted run's"
echo PASS
