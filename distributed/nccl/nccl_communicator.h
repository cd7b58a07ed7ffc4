// nccl_communicator.h: the NCCL backend: the Communicator contract over an
// NcclRuntime for tensors on this rank's GPU, with CPU tensors on a CPU
// communicator.
//
//   MICON_ASSIGN_OR_RETURN(std::unique_ptr<Communicator> comm,
//       CreateNcclCommunicator(std::move(runtime), std::move(mpi),
//                              c10::Device(c10::kCUDA, local_gpu), options));
//
// Creation is collective (nccl_init.h: rank 0's unique id over the CPU
// communicator, a non-blocking initialisation polled for the communicator's
// limit).
//
// Routing: tensors on `device` go through NCCL, on its own stream, after the
// work already on the compute stream; CPU tensors (row counts, checksums,
// step statistics) go through the CPU communicator, never through the GPU;
// an operation mixing the two, or a tensor on another device, is an error.
// Barrier() is the CPU communicator's (ranks meet on the host). Uneven
// all-gathers and reduce-scatters are grouped broadcasts and reductions, one
// per rank.
//
// Waiting (NcclWaits, nccl_state.h). On a GPU, Work::Wait() is
// stream-ordered, as ProcessGroupNCCL's: it makes the caller's current CUDA
// stream wait for the collective's event and returns at once, so the host
// goes on queueing kernels; the host blocks only where it reads a value
// (`.item()`, a copy to the CPU), and that read sees the final value. A
// Work that is never waited for has unspecified outputs. On the CPU device
// (a fake runtime's memory in tests) Wait() blocks until the collective
// completed, as before.
//
// Errors and deadlines. A watchdog thread settles the collectives in flight
// (nccl_watchdog.h): on NCCL's asynchronous error, or when one passes its
// limit (communicator.h's timeout rule), it aborts NCCL, which releases the
// streams and any host read blocked on them, and says so on stderr, naming
// the operation, its sequence number and what the runtime can tell of the
// stall. The error reaches the caller at its next Wait(), its next
// operation (CPU tensors and barriers included), or Synchronize(), whichever
// comes first; after that every operation fails at once naming the cause.
// A value read from the device between the abort and that call is not to be
// trusted: the trainer calls Synchronize() before it writes a checkpoint.
// Abort() also aborts the CPU communicator, which ends the other ranks
// (main's catch site calls it after reporting the error). Operations are
// issued from one thread at a time, in the same order on every rank.
#ifndef MICON_DISTRIBUTED_NCCL_NCCL_COMMUNICATOR_H_
#define MICON_DISTRIBUTED_NCCL_NCCL_COMMUNICATOR_H_

#include <c10/core/Device.h>

#include <chrono>
#include <memory>
#include <optional>

#include "absl/status/statusor.h"
#include "distributed/communicator.h"
#include "distributed/nccl/nccl_runtime.h"
#include "distributed/nccl/nccl_state.h"

namespace micon {

struct NcclCommunicatorOptions {
  // Unset: stream-ordered on a GPU, blocking on the CPU.
  std::optional<NcclWaits> waits;
  // How often the watchdog looks at the collectives in flight: it bounds
  // how late a deadline or an asynchronous error is noticed, and how long
  // completed collectives' buffers are kept.
  std::chrono::microseconds watchdog_period{2000};
};

absl::StatusOr<std::unique_ptr<Communicator>> CreateNcclCommunicator(
    std::unique_ptr<NcclRuntime> runtime, std::unique_ptr<Communicator> cpu,
    c10::Device device, const CommunicatorOptions& options,
    const NcclCommunicatorOptions& nccl = {});

}  // namespace micon

#endif  // MICON_DISTRIBUTED_NCCL_NCCL_COMMUNICATOR_H_
