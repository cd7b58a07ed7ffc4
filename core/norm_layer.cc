#include "core/norm_layer.h"

#include <torch/torch.h>

#include <algorithm>

namespace micon {

const char* NormKindName(NormKind kind) {
  return kind == NormKind::kBatch ? "batch" : "group";
}

NormLayer MakeNorm(NormKind kind, int64_t channels) {
  if (kind == NormKind::kBatch) {
    auto bn = std::make_shared<torch::nn::BatchNorm2dImpl>(channels);
    return {bn, torch::nn::AnyModule(bn)};
  }
  auto gn = std::make_shared<torch::nn::GroupNormImpl>(
      torch::nn::GroupNormOptions(std::min<int64_t>(32, channels), channels));
  return {gn, torch::nn::AnyModule(gn)};
}

}  // namespace micon
