// norm_layer.h: the normalisation used inside convolutional encoders, chosen by
// option.
//
// BatchNorm makes the objective depend on how the global batch is split across
// ranks (each rank normalises its own rows); GroupNorm does not. Both keep
// torchvision's parameter names (weight, bias; BatchNorm also
// running_mean/var), so pretrained BatchNorm weights load into either
// (GroupNorm takes the affine parameters and ignores the running statistics).
#ifndef MICON_CORE_NORM_LAYER_H_
#define MICON_CORE_NORM_LAYER_H_

#include <torch/nn/module.h>
#include <torch/nn/modules/container/any.h>

#include <memory>
#include <string>

#include "core/cross_rank_sum.h"

namespace micon {

enum class NormKind { kSyncBatch, kBatch, kGroup };

// "sync_batch", "batch" or "group".
const char* NormKindName(NormKind kind);

struct NormLayer {
  std::shared_ptr<torch::nn::Module>
      module;                    // register this under the torchvision name
  torch::nn::AnyModule forward;  // call this
};

// GroupNorm uses min(32, channels) groups, the common choice for ResNets. `sum`
// is used by kSyncBatch only (null: world size 1).
NormLayer MakeNorm(NormKind kind, int64_t channels,
                   const std::shared_ptr<CrossRankSum>& sum);

}  // namespace micon

#endif  // MICON_CORE_NORM_LAYER_H_
