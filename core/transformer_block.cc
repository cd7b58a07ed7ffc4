#include "core/transformer_block.h"

#include <torch/torch.h>

#include <cmath>

namespace micon {

TransformerBlockImpl::TransformerBlockImpl(
    const TransformerBlockOptions& options)
    : options_(options) {
  TORCH_CHECK(options.width > 0 && options.heads > 0 &&
                  options.width % options.heads == 0,
              "transformer width ", options.width,
              " must be a positive multiple of its heads ", options.heads);
  const int64_t w = options.width;
  attention_norm_ = register_module(
      "attention_norm", torch::nn::LayerNorm(torch::nn::LayerNormOptions({w})));
  qkv_ = register_module("qkv", torch::nn::Linear(w, 3 * w));
  out_ = register_module("out", torch::nn::Linear(w, w));
  mlp_norm_ = register_module(
      "mlp_norm", torch::nn::LayerNorm(torch::nn::LayerNormOptions({w})));
  hidden_ =
      register_module("hidden", torch::nn::Linear(w, options.mlp_ratio * w));
  mlp_out_ =
      register_module("mlp_out", torch::nn::Linear(options.mlp_ratio * w, w));
}

torch::Tensor TransformerBlockImpl::Attention(const torch::Tensor& x) {
  const int64_t b = x.size(0), t = x.size(1), h = options_.heads,
                d = options_.width / options_.heads;
  // [B, T, 3W] -> 3 x [B, heads, T, d]
  const std::vector<torch::Tensor> qkv =
      qkv_->forward(x).view({b, t, 3, h, d}).permute({2, 0, 3, 1, 4}).unbind(0);
  const torch::Tensor weights = torch::softmax(
      torch::matmul(qkv[0], qkv[1].transpose(-2, -1)) / std::sqrt(double(d)),
      -1);
  const torch::Tensor mixed = torch::matmul(weights, qkv[2]);  // [B, h, T, d]
  return out_->forward(mixed.transpose(1, 2).reshape({b, t, h * d}));
}

torch::Tensor TransformerBlockImpl::forward(const torch::Tensor& tokens) {
  TORCH_CHECK(tokens.dim() == 3 && tokens.size(2) == options_.width,
              "tokens must be [B, T, ", options_.width, "], got ",
              tokens.sizes());
  const torch::Tensor y = tokens + Attention(attention_norm_->forward(tokens));
  return y + mlp_out_->forward(
                 torch::gelu(hidden_->forward(mlp_norm_->forward(y))));
}

}  // namespace micon
