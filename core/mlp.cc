#include "core/mlp.h"

#include <torch/torch.h>

namespace micon {

MlpImpl::MlpImpl(const MlpOptions& options) : options_(options) {
  TORCH_CHECK(options.in > 0 && options.out > 0,
              "MLP needs positive in/out sizes, got ", options.in, " -> ",
              options.out);
  TORCH_CHECK(options.dropout >= 0 && options.dropout < 1,
              "dropout must be in [0, 1)");
  int64_t width = options.in;
  for (int64_t h : options.hidden) {
    TORCH_CHECK(h > 0, "MLP hidden sizes must be positive, got ", h);
    layers_->push_back(torch::nn::Linear(width, h));
    if (options.layer_norm)
      layers_->push_back(
          torch::nn::LayerNorm(torch::nn::LayerNormOptions({h})));
    layers_->push_back(torch::nn::ReLU());
    if (options.dropout > 0)
      layers_->push_back(torch::nn::Dropout(options.dropout));
    width = h;
  }
  layers_->push_back(torch::nn::Linear(width, options.out));
  register_module("layers", layers_);
}

torch::Tensor MlpImpl::forward(const torch::Tensor& x) {
  TORCH_CHECK(x.dim() == 2 && x.size(1) == options_.in, "MLP expects [B, ",
              options_.in, "], got ", x.sizes());
  return layers_->forward(x);
}

torch::Tensor L2Normalize(const torch::Tensor& x) {
  return torch::nn::functional::normalize(
      x, torch::nn::functional::NormalizeFuncOptions().p(2).dim(-1).eps(1e-12));
}

}  // namespace micon
