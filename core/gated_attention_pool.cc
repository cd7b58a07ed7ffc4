#include "core/gated_attention_pool.h"

#include <torch/torch.h>

#include <limits>

namespace micon {

GatedAttentionPoolImpl::GatedAttentionPoolImpl(
    const GatedAttentionPoolOptions& options) {
  tanh_branch_ = register_module("tanh_branch",
                                 torch::nn::Linear(options.in, options.hidden));
  gate_branch_ = register_module("gate_branch",
                                 torch::nn::Linear(options.in, options.hidden));
  // No bias: the softmax over a bag ignores a shift shared by every score,
  // so a bias would get no gradient.
  score_ = register_module(
      "score", torch::nn::Linear(
                   torch::nn::LinearOptions(options.hidden, 1).bias(false)));
}

torch::Tensor GatedAttentionPoolImpl::forward(const torch::Tensor& instances,
                                              const torch::Tensor& present) {
  TORCH_CHECK(instances.dim() == 3, "instances must be [B, K, F], got ",
              instances.sizes());
  TORCH_CHECK(present.dim() == 2 && present.size(0) == instances.size(0) &&
                  present.size(1) == instances.size(1) &&
                  present.scalar_type() == torch::kBool,
              "present must be bool [", instances.size(0), ", ",
              instances.size(1), "], got ", present.sizes());
  TORCH_CHECK(present.any(1).all().item<bool>(),
              "every bag needs at least one present instance");
  const torch::Tensor scores =
      score_
          ->forward(torch::tanh(tanh_branch_->forward(instances)) *
                    torch::sigmoid(gate_branch_->forward(instances)))
          .squeeze(-1)
          .masked_fill(~present, -std::numeric_limits<double>::infinity());
  const torch::Tensor weights = torch::softmax(scores, 1);  // [B, K]
  return (weights.unsqueeze(-1) * instances).sum(1);
}

}  // namespace micon
