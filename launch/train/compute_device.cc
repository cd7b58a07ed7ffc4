#include "launch/train/compute_device.h"

#include <torch/cuda.h>

#include "distributed/bootstrap.h"

namespace micon {

absl::StatusOr<c10::Device> ChooseDevice(DeviceChoice choice,
                                         const DistributedContext& dist,
                                         bool device_collectives) {
  const bool cuda = torch::cuda::is_available();
  if (choice == DeviceChoice::kCpu ||
      (choice == DeviceChoice::kAuto && !cuda)) {
    return c10::Device(c10::kCPU);
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
  return c10::Device(c10::kCUDA,
                     static_cast<c10::DeviceIndex>(dist.local_rank % gpus));
}

}  // namespace micon
