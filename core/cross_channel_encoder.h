// cross_channel_encoder.h: CellCLIP's image side. A well is a bag of fields,
// each field C per-channel embeddings from a frozen encoder (the per-channel
// embedding store, DESIGN.md §8); this turns a well into `h`.
//
//   CrossChannelEncoder e(CrossChannelOptions{.channels = 5, .input_dim = 512});
//   torch::Tensor h = e->EncodeWells(x, present);  // [B, K, C, D], [B, K]
//                                                  //   -> [B, dim] unit norm
//
// Per field: tokens = Linear(D -> width)(x_c) + channel_embedding[c], a CLS
// token in front, `layers` transformer blocks across the C channels
// (transformer_block.h), a final LayerNorm; the field's vector is the CLS
// output. Per well: gated-attention pooling over its present fields
// (gated_attention_pool.h), then Linear(width -> dim) and L2 normalisation.
// Channel embedding row c belongs to the store's c-th channel (every plate of
// a store lists the same names in the same order). The names' hashes are a
// buffer of the module, so a checkpoint knows the stains it was trained on
// and a reader can refuse a store whose channels differ (SameChannels).
// LayerNorm only: a well's h depends on that well alone.
#ifndef MICON_CORE_CROSS_CHANNEL_ENCODER_H_
#define MICON_CORE_CROSS_CHANNEL_ENCODER_H_

#include <torch/nn/module.h>
#include <torch/nn/modules/container/modulelist.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/modules/normalization.h>
#include <torch/nn/pimpl.h>

#include <string>
#include <vector>

#include "core/encoder.h"
#include "core/gated_attention_pool.h"

namespace micon {

struct CrossChannelOptions {
  int64_t channels = 0;   // C, from the store
  int64_t input_dim = 0;  // D, from the store
  int64_t width = 256;
  int64_t layers = 2;
  int64_t heads = 4;
  int64_t pool_hidden = 128;
  int64_t dim = 512;  // width of h
  // The C channel names, in the store's order; empty: unnamed.
  std::vector<std::string> channel_names;
};

class CrossChannelEncoderImpl : public EncoderImpl {
 public:
  explicit CrossChannelEncoderImpl(const CrossChannelOptions& options);
  // x [B, K, C, D] (K fields per well, padded), present [B, K] bool.
  torch::Tensor EncodeWells(const torch::Tensor& x,
                            const torch::Tensor& present);
  // [B, C, D] (one field a well) or [B, K, C, D] (every field present).
  torch::Tensor Encode(const torch::Tensor& x) override;
  int64_t dim() const override { return options_.dim; }
  // Whether `names` are the channels (in order) the module's weights belong
  // to: after loading a checkpoint, the ones it was trained on.
  bool SameChannels(const std::vector<std::string>& names) const;

 private:
  CrossChannelOptions options_;
  torch::nn::Linear input_{nullptr}, output_{nullptr};
  torch::Tensor channel_embedding_, cls_;
  torch::Tensor channel_ids_;  // int64 [C], StableHash of each name
  torch::nn::ModuleList blocks_{nullptr};
  torch::nn::LayerNorm final_norm_{nullptr};
  GatedAttentionPool pool_{nullptr};
};
TORCH_MODULE(CrossChannelEncoder);

// Wells as EncodeWells takes them: `wells` holds each well's fields
// [k_i, C, D] (k_i >= 1); they are stacked into fields [B, K, C, D], K the
// largest k_i, padded with zeros, and present [B, K] marks the real ones.
struct PaddedWells {
  torch::Tensor fields;
  torch::Tensor present;
};
PaddedWells PadWells(const std::vector<torch::Tensor>& wells, int64_t channels,
                     int64_t dim);

}  // namespace micon

#endif  // MICON_CORE_CROSS_CHANNEL_ENCODER_H_
