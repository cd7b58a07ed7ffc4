#include "core/norm_layer.h"

#include <torch/torch.h>

#include <algorithm>

#include "core/sync_batch_norm.h"

namespace micon {

NormLayer MakeNorm(NormKind kind, int64_t channels,
                   const std::shared_ptr<CrossRankSum>& sum) {
  if (kind == NormKind::kSyncBatch) {
    auto sbn = std::make_shared<SyncBatchNorm2dImpl>(channels, sum);
    return {sbn, torch::nn::AnyModule(sbn)};
  }
  if (kind == NormKind::kBatch) {
    auto bn = std::make_shared<torch::nn::BatchNorm2dImpl>(channels);
    return {bn, torch::nn::AnyModule(bn)};
  }
  auto gn = std::make_shared<torch::nn::GroupNormImpl>(
      torch::nn::GroupNormOptions(std::min<int64_t>(32, channels), channels));
  return {gn, torch::nn::AnyModule(gn)};
}

}  // namespace micon
