#!/usr/bin/env bash
# micon evaluate inside a memory cgroup, as under Slurm's --mem: the default
# budget must come from the cgroup's limit, not the machine's free memory, so a
# screen too large for the limit is refused at the start instead of killed
# partway (docs/PERFORMANCE.md, "The default budget under a memory limit").
#
#   sudo bash tests/bench/evaluate_under_memory_limit.sh OUT_DIR [WELLS] [LIMIT_BYTES]
#
# Needs root and a writable memory cgroup (v1 or v2) for this shell. Makes a
# child cgroup of this shell's own with the limit, runs three evaluations of
# synthetic profiles (tests/bench/synthetic_profiles.py): without percent
# replicating and with it at the default budget inside the cgroup, then with
# every metric and an explicit --memory-gb outside it, to show what the run
# needs. Prints each run's budget line, outcome, wall time and peak RSS.
set -euo pipefail
out=${1:?usage: evaluate_under_memory_limit.sh OUT_DIR [WELLS] [LIMIT_BYTES]}
wells=${2:-150000}
limit=${3:-1500000000}
here=$(cd "$(dirname "$0")" && pwd)
micon=${MICON:-$here/../../build/launch/micon}
mkdir -p "$out"
profiles=$out/profiles_$wells.h5
[[ -f $profiles ]] || /usr/bin/python3 "$here/synthetic_profiles.py" "$wells" "$profiles"

if v2=$(grep -m1 '^0::' /proc/self/cgroup) && [[ -f /sys/fs/cgroup/cgroup.controllers ]]; then
  cgroup=/sys/fs/cgroup${v2#0::}/micon-budget-check
  limit_file=memory.max
else
  path=$(grep -m1 -E '^[0-9]+:([^:]*,)?memory(,[^:]*)?:' /proc/self/cgroup | cut -d: -f3)
  cgroup=/sys/fs/cgroup/memory${path}/micon-budget-check
  limit_file=memory.limit_in_bytes
fi
mkdir "$cgroup"
trap 'rmdir "$cgroup" 2> /dev/null || true' EXIT
echo "$limit" > "$cgroup/$limit_file"
echo "cgroup $cgroup, $limit_file $(cat "$cgroup/$limit_file")"

evaluate() {  # IN_CGROUP FLAGS...
  local in_cgroup=$1
  shift
  bash -c '[[ $0 == yes ]] && echo $$ > "$1/cgroup.procs"; shift 2; exec "$@"' \
    "$in_cgroup" "$cgroup" placeholder \
    /usr/bin/time -f 'wall %e s, peak RSS %M KiB, exit %x' \
    "$micon" evaluate --profiles "synthetic=$profiles" --null-size 10 \
    --progress-seconds 0 "$@" 2>&1 | grep -v '^synthetic \|^method' | cut -c1-400 || true
}
echo "== in the cgroup, --skip-percent-replicating, default budget"
evaluate yes --skip-percent-replicating
echo "== in the cgroup, every metric, default budget"
evaluate yes
echo "== outside it, every metric, --memory-gb ${EXPLICIT_GB:-2.6}"
evaluate no --memory-gb "${EXPLICIT_GB:-2.6}"
