// resnet_weights.h: loads torchvision ResNet weights exported by
// deploy/export_torchvision_weights.py (a plain {name: tensor} dict saved with
// torch.save).
//
//   MICON_RETURN_IF_ERROR(
//       LoadTorchvisionWeights(*encoder->trunk(), "resnet50.pt"));
//
// Names must match exactly (the classifier fc.* is skipped). A stem with C != 3
// input channels gets the RGB kernels' mean copied to every channel and scaled
// by 3/C, which keeps the activation scale of grey input; GroupNorm trunks take
// the affine parameters and skip BatchNorm running statistics. Anything else
// missing or left over is an error naming the file and the parameters.
#ifndef MICON_CORE_RESNET_WEIGHTS_H_
#define MICON_CORE_RESNET_WEIGHTS_H_

#include <torch/nn/module.h>

#include <string>

#include "absl/status/status.h"

namespace micon {

absl::Status LoadTorchvisionWeights(torch::nn::Module& trunk,
                                    const std::string& path);

}  // namespace micon

#endif  // MICON_CORE_RESNET_WEIGHTS_H_
