// cuda_nccl_runtime.h: the real NcclRuntime, over NCCL and the CUDA runtime
// API.
//
//   MICON_ASSIGN_OR_RETURN(std::unique_ptr<NcclRuntime> rt,
//       CreateCudaNcclRuntime(/*device=*/local_gpu, current_compute_stream));
//   MICON_ASSIGN_OR_RETURN(auto comm,
//       CreateNcclCommunicator(std::move(rt), std::move(mpi), gpu, options));
//
// It needs nccl.h, libnccl and cudart, and no LibTorch CUDA library, so it is
// built (MICON_NCCL) and its smoke test run on CPU machines that have a CUDA
// toolkit; there creation fails, naming the CUDA error. Collectives run on a
// non-blocking stream of its own; `compute_stream` returns the stream the
// model computes on (a cudaStream_t: LibTorch's current stream in a CUDA
// build; null, the legacy default stream, when the function is empty), which
// OrderAfterCompute() waits for and ComputeWaits() makes wait. Events are
// timing-free CUDA events. The communicator is created non-blocking
// (ncclConfig_t::blocking = 0); CommState() is ncclCommGetAsyncError.
// Destruction destroys the communicator, or aborts it when it failed.
#ifndef MICON_DISTRIBUTED_NCCL_CUDA_NCCL_RUNTIME_H_
#define MICON_DISTRIBUTED_NCCL_CUDA_NCCL_RUNTIME_H_

#include <functional>
#include <memory>

#include "absl/status/statusor.h"
#include "distributed/nccl/nccl_runtime.h"

namespace micon {

// NCCL's version as the library reports it (ncclGetVersion) and as the
// header this build compiled against says; they differ when the loader found
// another libnccl than the build did.
int NcclLibraryVersion();
int NcclHeaderVersion();

absl::StatusOr<std::unique_ptr<NcclRuntime>> CreateCudaNcclRuntime(
    int device, std::function<void*()> compute_stream);

}  // namespace micon

#endif  // MICON_DISTRIBUTED_NCCL_CUDA_NCCL_RUNTIME_H_
