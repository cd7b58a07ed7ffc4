// A small MPI program that fails on purpose, run by run_fault_probe.sh under
// mpirun:
//   stall  rank 1 skips a collective: the others must time out, name the
//   operation, abort kill   rank 1 SIGKILLs itself mid-run: every other rank
//   must exit non-zero
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
  auto made =
      micon::CreateMpiCommunicator(MPI_COMM_WORLD, {std::chrono::seconds(3)});
  if (!made.ok() || (mode != "stall" && mode != "kill")) {
    std::fprintf(stderr, "usage: mpi_fault_probe stall|kill\n");
    return 2;
  }
  micon::Communicator& comm = **made;
  at::Tensor t = torch::ones({1024});
  for (int step = 0; step < 1000; ++step) {
    if (step == 3 && comm.rank() == 1) {
      if (mode == "kill") std::raise(SIGKILL);
      std::this_thread::sleep_for(
          std::chrono::minutes(5));  // stuck: never calls again
    }
    const absl::Status s = micon::WaitFor(comm.AllReduce(t, {}), comm);
    if (!s.ok()) {
      std::fprintf(stderr, "[rank %d] micon: error: %s\n", comm.rank(),
                   std::string(s.message()).c_str());
      comm.Abort(std::string(s.message()));
      return 1;
    }
  }
  return 0;
}
