// A small MPI program that fails on purpose, run by run_fault_probe.sh under
// mpirun:
//   stall     rank 1 skips a collective: the others must time out after the
//             communicator's limit (3 s), name the operation and, in rank
//             0's roll call (roll_call.h), rank 1, and abort
//   stall-root  the same with rank 0 stuck: the others say rank 0 did not
//             answer the roll call
//   stall-op  the same, but the communicator's limit is 100 s and each
//             all-reduce asks for 3 s in its options: the per-operation
//             limit is the one that holds (communicator.h's timeout rule)
//   stall-large  as stall, with all-reduces of 256 KiB instead of 4 KiB:
//             the others take MPI's non-blocking path, where Wait() times
//             out, instead of the blocking one, where a watchdog does
//   kill      rank 1 SIGKILLs itself mid-run: every other rank must exit
//             non-zero
// It handles errors the way micon's main does: log with the rank, abort, exit
// non-zero.
#include <mpi.h>
#include <torch/torch.h>

#include <csignal>
#include <cstdio>
#include <cstring>
#include <thread>

#include "distributed/mpi/mpi_communicator.h"

int main(int argc, char** argv) {
  micon::MpiEnvironment mpi(&argc, &argv);
  const std::string mode = argc > 1 ? argv[1] : "";
  if (mode != "stall" && mode != "stall-root" && mode != "stall-op" &&
      mode != "stall-large" && mode != "kill") {
    std::fprintf(
        stderr,
        "usage: mpi_fault_probe stall|stall-root|stall-op|stall-large|kill\n");
    return 2;
  }
  const bool per_op = mode == "stall-op";
  auto made = micon::CreateMpiCommunicator(
      MPI_COMM_WORLD,
      {per_op ? std::chrono::seconds(100) : std::chrono::seconds(3)});
  if (!made.ok()) {
    std::fprintf(stderr, "%s\n", std::string(made.status().message()).c_str());
    return 2;
  }
  micon::Communicator& comm = **made;
  const micon::AllReduceOptions options{
      micon::ReduceOp::kSum,
      per_op ? std::chrono::seconds(3) : std::chrono::seconds(0)};
  at::Tensor t = torch::ones({mode == "stall-large" ? 65536 : 1024});
  for (int step = 0; step < 1000; ++step) {
    if (step == 3 && comm.rank() == (mode == "stall-root" ? 0 : 1)) {
      if (mode == "kill") std::raise(SIGKILL);
      std::this_thread::sleep_for(
          std::chrono::minutes(5));  // stuck: never calls again
    }
    const absl::Status s = comm.AllReduce(t, options)->Wait();
    if (!s.ok()) {
      std::fprintf(stderr, "[rank %d] micon: error: %s\n", comm.rank(),
                   std::string(s.message()).c_str());
      comm.Abort(std::string(s.message()));
      return 1;
    }
  }
  return 0;
}
