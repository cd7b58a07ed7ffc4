# local_slurm.sh: a one-node Slurm cluster on this machine, for tests (sourced).
#
#   source tests/deploy/local_slurm.sh
#   if ! local_slurm_start "$tmp"; then
#     [ "$local_slurm_unavailable" = 1 ] && skip "$local_slurm_reason"
#     fail "$local_slurm_reason"   # installed and run as root, yet it did not start
#   fi
#   trap local_slurm_stop EXIT
#   sbatch ...        # SLURM_CONF points at the cluster
#
# Everything lives in one directory (config, munge key and socket, state,
# spool, logs), so nothing outside it changes and several clusters could run
# side by side on other ports. The daemons are stopped by the PIDs they wrote;
# no other process is touched.

local_slurm_reason=
# 1 when this machine cannot run the cluster at all (daemons not installed, not
# root); a cluster that could run and did not start leaves it 0.
local_slurm_unavailable=0
local_slurm_pids=()

local_slurm_start() {
  local dir=$1 port=${2:-16817} d
  local host cpus
  host=$(hostname -s)
  cpus=$(nproc)
  local_slurm_dir=$dir
  for d in munged slurmctld slurmd; do
    if ! command -v "$d" > /dev/null && [ ! -x "/usr/sbin/$d" ]; then
      local_slurm_reason="$d is not installed (apt-get install slurm-wlm munge)"
      local_slurm_unavailable=1
      return 1
    fi
  done
  if [ "$(id -u)" != 0 ]; then
    local_slurm_reason="slurmd must run as root to start job steps (running as $(id -un))"
    local_slurm_unavailable=1
    return 1
  fi
  mkdir -p "$dir/munge" "$dir/state" "$dir/spool" "$dir/log"
  chmod 700 "$dir/munge"
  dd if=/dev/urandom of="$dir/munge/munge.key" bs=1024 count=1 status=none
  chmod 400 "$dir/munge/munge.key"
  # cred_expire also sets how long a requeued job waits before it may start
  # again (120 s by default); 5 s keeps the test short.
  cat > "$dir/slurm.conf" <<CONF
ClusterName=micontest
SlurmctldHost=$host
SlurmctldPort=$port
SlurmdPort=$((port + 1))
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$dir/munge/socket,cred_expire=5
SlurmUser=root
SlurmdUser=root
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool/%n
SlurmctldPidFile=$dir/slurmctld.pid
SlurmdPidFile=$dir/slurmd.pid
SlurmctldLogFile=$dir/log/slurmctld.log
SlurmdLogFile=$dir/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
MpiDefault=none
ReturnToService=2
JobRequeue=1
MinJobAge=600
SchedulerType=sched/backfill
# A requeued job is eligible again cred_expire + 1 s after its requeue; the schedulers then look
# every second instead of every 30 s (backfill) and 60 s (main loop): the requeue test waited
# 28 s for them.
SchedulerParameters=bf_interval=1,sched_interval=1
KillWait=10
InactiveLimit=0
NodeName=$host CPUs=$cpus RealMemory=1000 State=UNKNOWN
PartitionName=debug Nodes=$host Default=YES MaxTime=INFINITE State=UP OverSubscribe=YES
CONF
  export SLURM_CONF=$dir/slurm.conf
  /usr/sbin/munged --key-file="$dir/munge/munge.key" --socket="$dir/munge/socket" \
    --pid-file="$dir/munge/munged.pid" --log-file="$dir/log/munged.log" \
    --seed-file="$dir/munge/seed" --force ||
    { local_slurm_reason="munged did not start: $(tail -n 3 "$dir/log/munged.log" 2>/dev/null)"; return 1; }
  local_slurm_remember "$dir/munge/munged.pid"
  /usr/sbin/slurmctld -f "$dir/slurm.conf" ||
    { local_slurm_reason="slurmctld did not start: $(tail -n 3 "$dir/log/slurmctld.log")"; return 1; }
  /usr/sbin/slurmd -f "$dir/slurm.conf" ||
    { local_slurm_reason="slurmd did not start: $(tail -n 3 "$dir/log/slurmd.log")"; return 1; }
  local i
  for i in $(seq 1 100); do
    local_slurm_remember "$dir/slurmctld.pid"
    local_slurm_remember "$dir/slurmd.pid"
    if sinfo -h -o '%t' 2> /dev/null | grep -qx idle; then return 0; fi
    sleep 0.2
  done
  local_slurm_reason="the node did not become idle in 20 s: $(sinfo 2>&1 | tail -n 2); $(tail -n 3 "$dir/log/slurmctld.log")"
  return 1
}

# Daemons write their PID files a moment after they fork, and remove them when
# killed: read each as soon as it exists, and keep the number.
local_slurm_remember() {
  local pid
  [ -s "$1" ] || return 0
  pid=$(cat "$1")
  case " ${local_slurm_pids[*]} " in *" $pid "*) ;; *) local_slurm_pids+=("$pid") ;; esac
}

local_slurm_stop() {
  local pid i
  [ -n "${local_slurm_dir:-}" ] || return 0
  local_slurm_remember "$local_slurm_dir/slurmctld.pid"
  local_slurm_remember "$local_slurm_dir/slurmd.pid"
  for pid in "${local_slurm_pids[@]}"; do kill "$pid" 2> /dev/null; done
  for i in $(seq 1 50); do
    for pid in "${local_slurm_pids[@]}"; do
      kill -0 "$pid" 2> /dev/null && { sleep 0.2; continue 2; }
    done
    break
  done
  for pid in "${local_slurm_pids[@]}"; do kill -9 "$pid" 2> /dev/null; done
  local_slurm_pids=()
}
