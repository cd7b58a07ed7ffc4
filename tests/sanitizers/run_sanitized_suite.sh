#!/usr/bin/env bash
# Runs micon's test suite in a sanitizer build (docs/RELIABILITY.md).
#   tests/sanitizers/run_sanitized_suite.sh BUILD_DIR [address|leak|thread] [ctest args...]
# address: ASan + UBSan, leak detection off; leak: the same with LeakSanitizer
# on and tests/sanitizers/lsan.supp; thread: TSan with tsan.supp. The Slurm
# test (a real slurmctld) and the GPU tests are left out.
set -euo pipefail
build=${1:?usage: run_sanitized_suite.sh BUILD_DIR [address|leak|thread] [ctest args...]}
mode=${2:-address}
shift $(( $# >= 2 ? 2 : 1 ))
here=$(cd "$(dirname "$0")" && pwd)
# Open MPI's memory patcher rewrites the allocator's entry points, which
# ASan owns: disable it in sanitizer runs only (open-mpi/ompi#12819, #13069).
export OMPI_MCA_memory=^patcher
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
case "$mode" in
  address) export ASAN_OPTIONS=detect_leaks=0:abort_on_error=0 ;;
  leak)
    # Full unwinding: the suppressions match Open MPI frames that the fast
    # unwinder cannot see through its frame-pointer-less code.
    export ASAN_OPTIONS=detect_leaks=1:fast_unwind_on_malloc=0:malloc_context_size=30
    export LSAN_OPTIONS="suppressions=$here/lsan.supp:print_suppressions=1"
    ;;
  thread)
    export TSAN_OPTIONS="suppressions=$here/tsan.supp:halt_on_error=1:second_deadlock_stack=1"
    ;;
  *) echo "mode must be address, leak or thread" >&2; exit 2 ;;
esac
exec ctest --test-dir "$build" -LE "slurm|gpu" --output-on-failure --timeout 1200 "$@"
