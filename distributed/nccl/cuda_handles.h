// cuda_handles.h: owners of the CUDA runtime's stream and event handles, so
// the NCCL runtime (cuda_nccl_runtime.cc) frees them however it ends.
//
//   MICON_ASSIGN_OR_RETURN(CudaStream stream, CudaStream::CreateNonBlocking());
//   MICON_ASSIGN_OR_RETURN(CudaEvent done, CudaEvent::Create());
//   cudaEventRecord(done.get(), stream.get());
//
// Move-only; a moved-from or default-constructed owner holds nothing. The
// destructors never throw and ignore the runtime's errors (nothing can be done
// there); they run on the thread's current device, so an owner of several
// GPUs' handles sets the device first.
#ifndef MICON_DISTRIBUTED_NCCL_CUDA_HANDLES_H_
#define MICON_DISTRIBUTED_NCCL_CUDA_HANDLES_H_

#include <cuda_runtime_api.h>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace micon {

// "<call>: <error name> (<error text>)".
absl::Status CudaError(cudaError_t e, const char* call);

class CudaStream {
 public:
  // A stream that does not synchronise with the legacy default stream.
  static absl::StatusOr<CudaStream> CreateNonBlocking();
  CudaStream() = default;
  CudaStream(CudaStream&& other) noexcept;
  CudaStream& operator=(CudaStream&& other) noexcept;
  CudaStream(const CudaStream&) = delete;
  CudaStream& operator=(const CudaStream&) = delete;
  ~CudaStream();

  cudaStream_t get() const { return stream_; }

 private:
  explicit CudaStream(cudaStream_t stream) : stream_(stream) {}
  cudaStream_t stream_ = nullptr;
};

class CudaEvent {
 public:
  // An event without timing (cheaper to record and query).
  static absl::StatusOr<CudaEvent> Create();
  CudaEvent() = default;
  CudaEvent(CudaEvent&& other) noexcept;
  CudaEvent& operator=(CudaEvent&& other) noexcept;
  CudaEvent(const CudaEvent&) = delete;
  CudaEvent& operator=(const CudaEvent&) = delete;
  ~CudaEvent();

  cudaEvent_t get() const { return event_; }
  explicit operator bool() const { return event_ != nullptr; }

 private:
  explicit CudaEvent(cudaEvent_t event) : event_(event) {}
  cudaEvent_t event_ = nullptr;
};

}  // namespace micon

#endif  // MICON_DISTRIBUTED_NCCL_CUDA_HANDLES_H_
