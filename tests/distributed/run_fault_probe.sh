#!/usr/bin/env bash
# Runs mpi_fault_probe under mpirun and checks that the job ends non-zero, in bounded time,
# with a message that names the failed operation and the stuck rank (stall, stall-root,
# stall-op, stall-large) or the lost process (kill).
#   run_fault_probe.sh MPIRUN PROBE MODE NP
set -u
mpirun=$1 probe=$2 mode=$3 np=$4
root=()
[ "$(id -u)" -eq 0 ] && root=(--allow-run-as-root)
start=$(date +%s)
output=$(timeout 120 "$mpirun" "${root[@]}" --oversubscribe -np "$np" "$probe" "$mode" 2>&1)
status=$?
elapsed=$(( $(date +%s) - start ))
echo "$output" | tail -n 20
echo "exit status $status after ${elapsed}s"
[ "$status" -ne 0 ] || { echo "FAIL: the job exited 0"; exit 1; }
[ "$status" -ne 124 ] || { echo "FAIL: the job hung (killed by timeout)"; exit 1; }
[ "$elapsed" -le 60 ] || { echo "FAIL: took ${elapsed}s (> 60 s)"; exit 1; }
if [ "$mode" != kill ]; then
  echo "$output" | grep -q "all_reduce #3 .* did not complete within 3.0 s" \
    || { echo "FAIL: no timeout message naming all_reduce #3"; exit 1; }
fi
if [ "$mode" = stall ] || [ "$mode" = stall-op ] || [ "$mode" = stall-large ]; then
  echo "$output" | grep -q "rank 0: all_reduce #3 .*no word from rank(s) 1 " \
    || { echo "FAIL: rank 0's roll call does not name the stuck rank 1"; exit 1; }
fi
if [ "$mode" = stall-root ]; then
  echo "$output" | grep -q "rank 0 did not answer the roll call" \
    || { echo "FAIL: the ranks do not say that rank 0 is silent"; exit 1; }
fi
# Which path reported it: the blocking all-reduce's watchdog prints as micon's main does; the
# non-blocking path's Wait() returns the error, which the probe prints.
case $mode in
  stall | stall-op | stall-root)
    echo "$output" | grep -qE "micon \[rank [0-9]+/$np\] error: rank [0-9]+: all_reduce #3 " \
      || { echo "FAIL: the blocking all-reduce's watchdog did not report it"; exit 1; } ;;
  stall-large)
    echo "$output" | grep -qE "\[rank [0-9]+\] micon: error: rank [0-9]+: all_reduce #3 " \
      || { echo "FAIL: Wait() did not return the non-blocking all-reduce's timeout"; exit 1; } ;;
esac
echo "PASS"
