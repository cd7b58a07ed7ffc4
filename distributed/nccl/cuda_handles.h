// cuda_handles.h: owners of the CUDA runtime's stream and event handles, so
// the NCCL runtime (cuda_nccl_runtime.cc) frees them however it ends.
//
//   MICON_ASSIGN_OR_RETURN(CudaStream stream, CreateNonBlockingStream());
//   MICON_ASSIGN_OR_RETURN(CudaEvent done, CreateEventWithoutTiming());
//   cudaEventRecord(done.get(), stream.get());
//
// Move-only; a moved-from or default-constructed owner holds nothing. The
// destructors never throw and ignore the runtime's errors (nothing can be done
// there); they run on the thread's current device, so an owner of several
// GPUs' handles sets the device first.
#ifndef MICON_DISTRIBUTED_NCCL_CUDA_HANDLES_H_
#define MICON_DISTRIBUTED_NCCL_CUDA_HANDLES_H_

#include <cuda_runtime_api.h>

#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace micon {

// "<call>: <error name> (<error text>)".
absl::Status CudaError(cudaError_t e, const char* call);

// One handle of the runtime, released by `Destroy`.
template <typename Handle, cudaError_t (*Destroy)(Handle)>
class CudaHandle {
 public:
  CudaHandle() = default;
  explicit CudaHandle(Handle handle) : handle_(handle) {}
  CudaHandle(CudaHandle&& other) noexcept
      : handle_(std::exchange(other.handle_, nullptr)) {}
  CudaHandle& operator=(CudaHandle&& other) noexcept {
    if (this != &other) {
      Release();
      handle_ = std::exchange(other.handle_, nullptr);
    }
    return *this;
  }
  CudaHandle(const CudaHandle&) = delete;
  CudaHandle& operator=(const CudaHandle&) = delete;
  ~CudaHandle() { Release(); }

  Handle get() const { return handle_; }
  explicit operator bool() const { return handle_ != nullptr; }

 private:
  void Release() {
    if (handle_ != nullptr) Destroy(std::exchange(handle_, nullptr));
  }
  Handle handle_ = nullptr;
};

using CudaStream = CudaHandle<cudaStream_t, cudaStreamDestroy>;
using CudaEvent = CudaHandle<cudaEvent_t, cudaEventDestroy>;

// A stream that does not synchronise with the legacy default stream.
absl::StatusOr<CudaStream> CreateNonBlockingStream();
// An event without timing (cheaper to record and query).
absl::StatusOr<CudaEvent> CreateEventWithoutTiming();

}  // namespace micon

#endif  // MICON_DISTRIBUTED_NCCL_CUDA_HANDLES_H_
