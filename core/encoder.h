// encoder.h: E, the network that turns one sample (an image or a profile) into
// `h`, the L2-normalised vector MICON evaluates.
//
//   ImageEncoder e(ImageEncoderOptions{});         // or ProfileEncoder
//   torch::Tensor h = e->Encode(images);           // [B, C, H, W] -> [B, e->dim()]
//
// Image modes:
//  - per-channel (the MICON reference): every stain goes separately through
//    one shared ResNet built for 3-channel input, as if the grey stain filled
//    all three input channels; the C per-stain vectors are concatenated:
//    [B, C, H, W] -> [B*C, 1, H, W] -> [B, C*d].
//  - multi-channel: one ResNet whose stem takes all C stains at once:
//    [B, C, H, W] -> [B, d].
// The pooled ResNet features come after a ReLU, so without a head h lies in
// the positive orthant. StainHead::kLinear adds one Linear(d, d), shared by
// the stains and applied to each stain's pooled vector before concatenation
// (as the MICON reference does), so h is signed and a generator ending in a
// linear layer can reach any of it.
// BatchNorm: statistics come from the rows of each Encode() call. The MICON
// step encodes treated and control images in separate calls, as the reference
// does, so a batch's controls never shift its treated images' normalisation;
// GroupNorm (ResNetOptions::norm) removes the batch dependence altogether.
#ifndef MICON_CORE_ENCODER_H_
#define MICON_CORE_ENCODER_H_

#include <torch/nn/module.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/pimpl.h>

#include <memory>

#include "core/enum_names.h"
#include "core/mlp.h"
#include "core/resnet.h"

namespace micon {

enum class ChannelMode { kPerChannel, kMultiChannel };

inline constexpr EnumName<ChannelMode> kChannelModeNames[] = {
    {"per_channel", ChannelMode::kPerChannel},
    {"multi_channel", ChannelMode::kMultiChannel}};

enum class StainHead { kNone, kLinear };

inline constexpr EnumName<StainHead> kStainHeadNames[] = {
    {"none", StainHead::kNone}, {"linear", StainHead::kLinear}};

struct ImageEncoderOptions {
  ResNetOptions resnet;  // in_channels is set from `channels` and `mode`
  int64_t channels = 5;
  ChannelMode mode = ChannelMode::kPerChannel;
  int trainable_stages = 4;  // 1 = the reference's "only the last stage trains"
  StainHead head = StainHead::kNone;
};

struct ProfileEncoderOptions {
  int64_t features = 0;  // input width (e.g. CellProfiler features)
  std::vector<int64_t> hidden = {1024};
  int64_t dim = 512;
  double dropout = 0.0;
};

class EncoderImpl : public torch::nn::Module {
 public:
  // [B, ...] samples -> [B, dim()] unit-norm rows.
  virtual torch::Tensor Encode(const torch::Tensor& x) = 0;
  virtual int64_t dim() const = 0;
};

class ImageEncoderImpl : public EncoderImpl {
 public:
  explicit ImageEncoderImpl(const ImageEncoderOptions& options);
  torch::Tensor Encode(const torch::Tensor& images) override;
  // Per-channel mode only: [B, C, H, W] -> [B, C, d], each stain's pooled
  // trunk vector (after the stain head), before concatenation and
  // normalisation; Encode is normalise(EncodeStains(x).reshape({B, C * d})).
  torch::Tensor EncodeStains(const torch::Tensor& images);
  int64_t dim() const override;
  ResNet& trunk() { return trunk_; }

 private:
  void CheckImages(const torch::Tensor& images) const;

  ImageEncoderOptions options_;
  ResNet trunk_{nullptr};
  torch::nn::Linear head_{nullptr};  // StainHead::kLinear only
};
TORCH_MODULE(ImageEncoder);

class ProfileEncoderImpl : public EncoderImpl {
 public:
  explicit ProfileEncoderImpl(const ProfileEncoderOptions& options);
  torch::Tensor Encode(const torch::Tensor& profiles) override;
  int64_t dim() const override { return options_.dim; }

 private:
  ProfileEncoderOptions options_;
  Mlp mlp_{nullptr};
};
TORCH_MODULE(ProfileEncoder);

}  // namespace micon

#endif  // MICON_CORE_ENCODER_H_
