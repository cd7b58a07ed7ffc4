// compute_device.h: where a rank computes, from train.device and the
// distributed runtime.
//
//   MICON_ASSIGN_OR_RETURN(torch::Device d,
//                          ChooseDevice(config, dist, /*collectives=*/true));
//
// "auto" takes this rank's GPU (local rank modulo the visible GPUs) when CUDA
// is visible, else the CPU. With `device_collectives` (training: gradients
// and embeddings are reduced on the device) a CUDA device needs a backend
// that reduces device memory, which the MPI backend does not.
#ifndef MICON_LAUNCH_COMPUTE_DEVICE_H_
#define MICON_LAUNCH_COMPUTE_DEVICE_H_

#include <torch/types.h>

#include "absl/status/statusor.h"
#include "distributed/bootstrap.h"
#include "launch/train_config.h"

namespace micon {

absl::StatusOr<torch::Device> ChooseDevice(const TrainConfig& config,
                                           const DistributedContext& dist,
                                           bool device_collectives);

}  // namespace micon

#endif  // MICON_LAUNCH_COMPUTE_DEVICE_H_
