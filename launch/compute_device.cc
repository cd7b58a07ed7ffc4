#include "launch/compute_device.h"

#include <torch/cuda.h>

namespace micon {

absl::StatusOr<torch::Device> ChooseDevice(const TrainConfig& config,
                                           const DistributedContext& dist,
                                           bool device_collectives) {
  const bool cuda = torch::cuda::is_available();
  if (config.device == "cpu" || (config.device == "auto" && !cuda)) {
    return torch::Device(torch::kCPU);
  }
  if (!cuda) {
    return absl::FailedPreconditionError(
        "train.device is cuda but no CUDA device is visible");
  }
  if (device_collectives && dist.backend == "mpi") {
    return absl::FailedPreconditionError(
        "training on CUDA needs the NCCL backend, which this build does not "
        "have yet (docs/DISTRIBUTED.md); set train.device: cpu, or "
        "distributed.backend: threads for one GPU");
  }
  const int64_t gpus = torch::cuda::device_count();
  return torch::Device(torch::kCUDA,
                       static_cast<c10::DeviceIndex>(dist.local_rank % gpus));
}

}  // namespace micon
