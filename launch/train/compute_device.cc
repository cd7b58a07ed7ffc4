#include "launch/train/compute_device.h"

#include "distributed/bootstrap.h"

namespace micon {

absl::StatusOr<c10::Device> ChooseDevice(DeviceChoice choice,
                                         const DistributedContext& dist,
                                         bool device_collectives) {
  const bool gpu = dist.device_index >= 0;
  if (choice == DeviceChoice::kCpu || (choice == DeviceChoice::kAuto && !gpu)) {
    return c10::Device(c10::kCPU);
  }
  if (!gpu) {
    return absl::FailedPreconditionError(
        "cuda was asked for but this rank has no GPU (a CPU build of micon, "
        "or no CUDA device visible)");
  }
  if (device_collectives && dist.backend == "mpi") {
    return absl::FailedPreconditionError(
        "training on CUDA needs the NCCL backend, which this build does not "
        "have yet (docs/DISTRIBUTED.md); set train.device: cpu, or "
        "distributed.backend: threads for one GPU");
  }
  return c10::Device(c10::kCUDA,
                     static_cast<c10::DeviceIndex>(dist.device_index));
}

}  // namespace micon
