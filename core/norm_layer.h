// norm_layer.h: the normalisation used inside convolutional encoders, chosen by
// option.
//
// kSyncBatch (the default) normalises with statistics of the global batch
// across ranks, so N ranks compute what one process computes on the
// concatenated batch; at world size 1 it is BatchNorm. kBatch normalises each
// rank's rows alone, which makes the objective depend on how the batch is split
// across ranks. kGroup (GroupNorm) does not look at the batch at all. All keep
// torchvision's parameter names (weight, bias; the BatchNorms also
// running_mean/var), so pretrained weights load into any of them (GroupNorm
// takes only the affine parameters).
#ifndef MICON_CORE_NORM_LAYER_H_
#define MICON_CORE_NORM_LAYER_H_

#include <torch/nn/module.h>
#include <torch/nn/modules/container/any.h>

#include <memory>
#include <string>

#include "core/cross_rank_sum.h"
#include "core/enum_names.h"

namespace micon {

enum class NormKind { kSyncBatch, kBatch, kGroup };

inline constexpr EnumName<NormKind> kNormKindNames[] = {
    {"sync_batch", NormKind::kSyncBatch},
    {"batch", NormKind::kBatch},
    {"group", NormKind::kGroup}};

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
