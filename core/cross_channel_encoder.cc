#include "core/cross_channel_encoder.h"

#include <torch/torch.h>

#include <algorithm>

#include "core/stable_hash.h"
#include "core/transformer_block.h"

namespace micon {

namespace {

torch::Tensor ChannelIds(const std::vector<std::string>& names,
                         int64_t channels) {
  std::vector<int64_t> ids;
  for (int64_t c = 0; c < channels; ++c) {
    const std::string name = names.empty() ? "channel " + std::to_string(c)
                                           : names[static_cast<size_t>(c)];
    ids.push_back(static_cast<int64_t>(StableHash(name)));
  }
  return torch::tensor(ids, torch::kLong);
}

}  // namespace

bool CrossChannelEncoderImpl::SameChannels(
    const std::vector<std::string>& names) const {
  return static_cast<int64_t>(names.size()) == options_.channels &&
         torch::equal(channel_ids_.cpu(), ChannelIds(names, options_.channels));
}

CrossChannelEncoderImpl::CrossChannelEncoderImpl(
    const CrossChannelOptions& options)
    : options_(options) {
  TORCH_CHECK(options.channels > 0 && options.input_dim > 0,
              "the cross-channel encoder needs the store's channels and "
              "embedding width, got ",
              options.channels, " and ", options.input_dim);
  TORCH_CHECK(options.layers >= 0, "layers must be >= 0, got ", options.layers);
  TORCH_CHECK(options.channel_names.empty() ||
                  static_cast<int64_t>(options.channel_names.size()) ==
                      options.channels,
              options.channel_names.size(), " channel names for ",
              options.channels, " channels");
  channel_ids_ = register_buffer(
      "channel_ids", ChannelIds(options.channel_names, options.channels));
  const int64_t w = options.width;
  input_ = register_module("input", torch::nn::Linear(options.input_dim, w));
  // Small random starts, as ViT initialises its position and class tokens.
  channel_embedding_ = register_parameter(
      "channel_embedding", torch::randn({options.channels, w}) * 0.02);
  cls_ = register_parameter("cls", torch::randn({1, 1, w}) * 0.02);
  blocks_ = register_module("blocks", torch::nn::ModuleList());
  for (int64_t i = 0; i < options.layers; ++i) {
    blocks_->push_back(TransformerBlock(
        TransformerBlockOptions{w, options.heads, /*mlp_ratio=*/4}));
  }
  final_norm_ = register_module(
      "final_norm", torch::nn::LayerNorm(torch::nn::LayerNormOptions({w})));
  pool_ = register_module("pool", GatedAttentionPool(GatedAttentionPoolOptions{
                                      w, options.pool_hidden}));
  output_ = register_module("output", torch::nn::Linear(w, options.dim));
}

torch::Tensor CrossChannelEncoderImpl::EncodeWells(
    const torch::Tensor& x, const torch::Tensor& present) {
  TORCH_CHECK(x.dim() == 4 && x.size(2) == options_.channels &&
                  x.size(3) == options_.input_dim,
              "wells must be [B, K, ", options_.channels, ", ",
              options_.input_dim, "], got ", x.sizes());
  const int64_t b = x.size(0), k = x.size(1), c = options_.channels,
                w = options_.width;
  torch::Tensor tokens =
      (input_->forward(x) + channel_embedding_).reshape({b * k, c, w});
  tokens = torch::cat({cls_.expand({b * k, 1, w}), tokens}, 1);
  for (const auto& block : *blocks_) {
    tokens = block->as<TransformerBlock>()->forward(tokens);
  }
  const torch::Tensor fields =
      final_norm_->forward(tokens.select(1, 0)).view({b, k, w});
  return L2Normalize(output_->forward(pool_->forward(fields, present)));
}

PaddedWells PadWells(const std::vector<torch::Tensor>& wells, int64_t channels,
                     int64_t dim) {
  int64_t slots = 1;
  for (const torch::Tensor& w : wells) slots = std::max(slots, w.size(0));
  const int64_t b = static_cast<int64_t>(wells.size());
  PaddedWells out{torch::zeros({b, slots, channels, dim}),
                  torch::zeros({b, slots}, torch::kBool)};
  for (int64_t i = 0; i < b; ++i) {
    const torch::Tensor& w = wells[static_cast<size_t>(i)];
    TORCH_CHECK(w.dim() == 3 && w.size(0) >= 1 && w.size(1) == channels &&
                    w.size(2) == dim,
                "well ", i, " must be [k >= 1, ", channels, ", ", dim,
                "] fields, got ", w.sizes());
    out.fields[i].narrow(0, 0, w.size(0)).copy_(w);
    out.present[i].narrow(0, 0, w.size(0)).fill_(true);
  }
  return out;
}

torch::Tensor CrossChannelEncoderImpl::Encode(const torch::Tensor& x) {
  const torch::Tensor wells = x.dim() == 3 ? x.unsqueeze(1) : x;
  TORCH_CHECK(wells.dim() == 4, "expected [B, C, D] or [B, K, C, D], got ",
              x.sizes());
  return EncodeWells(
      wells,
      torch::ones({wells.size(0), wells.size(1)},
                  torch::TensorOptions(torch::kBool).device(x.device())));
}

}  // namespace micon
