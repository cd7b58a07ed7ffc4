// mpi_communicator.h: the MPI backend (Open MPI), for CPU tensors.
//
//   MpiEnvironment env(&argc, &argv);  // owned by main, outlives every
//                                      // communicator
//   MICON_ASSIGN_OR_RETURN(auto comm,
//                          CreateMpiCommunicator(MPI_COMM_WORLD, {}));
//
// Collectives are MPI-3 nonblocking operations on a private duplicate of the
// given communicator; Work::Wait polls them with backoff for the operation's
// limit (communicator.h's timeout rule), so a collective that stalls (a dead
// or stuck peer) ends as DeadlineExceeded with its sequence number instead of
// a hang; rank 0's message also names the ranks that never arrived (a roll
// call, roll_call.h), and Abort() calls MPI_Abort so the whole job ends.
// All-reduces of at most 64 KiB (synchronised BatchNorm's statistics, the
// step's counters) are the exception, where MPI gives MPI_THREAD_MULTIPLE:
// they block inside the call, at half the latency, and past their limit a
// watchdog thread (blocking_watchdog.h) prints the same message, roll call
// included, as main prints an error, and calls MPI_Abort: a blocking MPI call
// cannot be cancelled, so that error never reaches the caller.
// Operations must be issued from one thread at a time, in the same order on
// every rank.
#ifndef MICON_DISTRIBUTED_MPI_MPI_COMMUNICATOR_H_
#define MICON_DISTRIBUTED_MPI_MPI_COMMUNICATOR_H_

#include <mpi.h>

#include <memory>

#include "absl/status/statusor.h"
#include "distributed/communicator.h"

namespace micon {

// MPI_Init_thread on construction unless MPI is already initialised;
// MPI_Finalize on destruction if this object initialised it. Not copyable;
// create one, in main.
class MpiEnvironment {
 public:
  MpiEnvironment(int* argc, char*** argv);
  ~MpiEnvironment();
  MpiEnvironment(const MpiEnvironment&) = delete;
  MpiEnvironment& operator=(const MpiEnvironment&) = delete;
  int thread_level() const { return thread_level_; }

 private:
  bool owns_ = false;
  int thread_level_ = MPI_THREAD_SINGLE;
};

absl::StatusOr<std::unique_ptr<Communicator>> CreateMpiCommunicator(
    MPI_Comm comm, const CommunicatorOptions& options);

}  // namespace micon

#endif  // MICON_DISTRIBUTED_MPI_MPI_COMMUNICATOR_H_
