#include "distributed/nccl/cuda_handles.h"

#include "absl/strings/str_cat.h"

namespace micon {

absl::Status CudaError(cudaError_t e, const char* call) {
  return absl::InternalError(absl::StrCat(call, ": ", cudaGetErrorName(e), " (",
                                          cudaGetErrorString(e), ")"));
}

absl::StatusOr<CudaStream> CreateNonBlockingStream() {
  cudaStream_t stream = nullptr;
  if (cudaError_t e = cudaStreamCreateWithFlags(&stream, cudaStreamNonBlocking);
      e != cudaSuccess) {
    return CudaError(e, "cudaStreamCreateWithFlags");
  }
  return CudaStream(stream);
}

absl::StatusOr<CudaEvent> CreateEventWithoutTiming() {
  cudaEvent_t event = nullptr;
  if (cudaError_t e = cudaEventCreateWithFlags(&event, cudaEventDisableTiming);
      e != cudaSuccess) {
    return CudaError(e, "cudaEventCreateWithFlags");
  }
  return CudaEvent(event);
}

}  // namespace micon
