// transformer_block.h: one pre-LayerNorm transformer encoder block, the layer
// of the cross-channel transformer (cross_channel_encoder.h).
//
//   TransformerBlock block(TransformerBlockOptions{.width = 256, .heads = 4});
//   torch::Tensor y = block->forward(tokens);  // [B, T, width] -> same
//
//   y = x + Attention(LayerNorm(x));  out = y + Mlp(LayerNorm(y))
//
// Written out rather than taken from torch::nn::TransformerEncoderLayer so
// that it is the same on LibTorch 1.13 and 2.x (no fused fast path, no
// dropout): each sequence's output depends on that sequence alone, which the
// N-rank invariant needs, and float64 runs are exact.
#ifndef MICON_CORE_TRANSFORMER_BLOCK_H_
#define MICON_CORE_TRANSFORMER_BLOCK_H_

#include <torch/nn/module.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/modules/normalization.h>
#include <torch/nn/pimpl.h>

namespace micon {

struct TransformerBlockOptions {
  int64_t width = 256;
  int64_t heads = 4;      // must divide width
  int64_t mlp_ratio = 4;  // hidden width of the MLP / width
};

class TransformerBlockImpl : public torch::nn::Module {
 public:
  explicit TransformerBlockImpl(const TransformerBlockOptions& options);
  torch::Tensor forward(const torch::Tensor& tokens);

 private:
  torch::Tensor Attention(const torch::Tensor& x);

  TransformerBlockOptions options_;
  torch::nn::LayerNorm attention_norm_{nullptr}, mlp_norm_{nullptr};
  torch::nn::Linear qkv_{nullptr}, out_{nullptr}, hidden_{nullptr},
      mlp_out_{nullptr};
};
TORCH_MODULE(TransformerBlock);

}  // namespace micon

#endif  // MICON_CORE_TRANSFORMER_BLOCK_H_
