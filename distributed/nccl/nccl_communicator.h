// nccl_communicator.h: the NCCL backend: the Communicator contract over an
// NcclRuntime for tensors on this rank's GPU, with CPU tensors on a CPU
// communicator.
//
//   MICON_ASSIGN_OR_RETURN(std::unique_ptr<Communicator> comm,
//       CreateNcclCommunicator(std::move(runtime), std::move(mpi),
//                              c10::Device(c10::kCUDA, local_gpu), options));
//
// Creation is collective: rank 0 makes NCCL's unique id, the CPU communicator
// broadcasts it, and every rank starts a non-blocking initialisation and
// polls it until it is ready, it fails, or the communicator's limit passes
// (then NCCL is aborted and the error says so).
//
// Routing: tensors on `device` go through NCCL, on its own stream, after the
// work already on the compute stream; CPU tensors (row counts, checksums,
// step statistics) go through the CPU communicator, never through the GPU;
// an operation mixing the two, or a tensor on another device, is an error.
// Barrier() is the CPU communicator's (ranks meet on the host). Uneven
// all-gathers and reduce-scatters are grouped broadcasts and reductions, one
// per rank.
//
// Work::Wait() polls the operation's event and NCCL's asynchronous error for
// the operation's limit (communicator.h's timeout rule). A timeout or an
// error aborts NCCL (its stream stops waiting) and fails naming the
// operation, its sequence number and what the runtime can tell of the stall;
// after that every NCCL operation fails at once. Abort() also aborts the CPU
// communicator, which ends the other ranks (main's catch site calls it after
// reporting the error). Operations are issued from one thread at a time, in
// the same order on every rank.
#ifndef MICON_DISTRIBUTED_NCCL_NCCL_COMMUNICATOR_H_
#define MICON_DISTRIBUTED_NCCL_NCCL_COMMUNICATOR_H_

#include <c10/core/Device.h>

#include <memory>

#include "absl/status/statusor.h"
#include "distributed/communicator.h"
#include "distributed/nccl/nccl_runtime.h"

namespace micon {

absl::StatusOr<std::unique_ptr<Communicator>> CreateNcclCommunicator(
    std::unique_ptr<NcclRuntime> runtime, std::unique_ptr<Communicator> cpu,
    c10::Device device, const CommunicatorOptions& options);

}  // namespace micon

#endif  // MICON_DISTRIBUTED_NCCL_NCCL_COMMUNICATOR_H_
