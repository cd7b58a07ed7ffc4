// compute_device.h: where a rank computes, from train.device (or micon
// embed's --device) and the distributed runtime.
//
//   MICON_ASSIGN_OR_RETURN(c10::Device d,
//       ChooseDevice(config.train.device, dist, /*device_collectives=*/true));
//
// "auto" takes the GPU bootstrap bound this rank to (its local rank modulo the
// visible GPUs, distributed/bootstrap.h) when there is one, else the CPU.
// With `device_collectives` (training: gradients and embeddings are reduced
// on the device) a CUDA device needs a backend that reduces device memory:
// not MPI, and the thread backend only at world 1.
#ifndef MICON_LAUNCH_TRAIN_COMPUTE_DEVICE_H_
#define MICON_LAUNCH_TRAIN_COMPUTE_DEVICE_H_

#include <c10/core/Device.h>

#include "absl/status/statusor.h"
#include "core/enum_names.h"

namespace micon {

struct DistributedContext;

enum class DeviceChoice { kAuto, kCpu, kCuda };

inline constexpr EnumName<DeviceChoice> kDeviceChoiceNames[] = {
    {"auto", DeviceChoice::kAuto},
    {"cpu", DeviceChoice::kCpu},
    {"cuda", DeviceChoice::kCuda}};

absl::StatusOr<c10::Device> ChooseDevice(DeviceChoice choice,
                                         const DistributedContext& dist,
                                         bool device_collectives);

}  // namespace micon

#endif  // MICON_LAUNCH_TRAIN_COMPUTE_DEVICE_H_
