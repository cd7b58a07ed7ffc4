#include "core/encoder.h"

#include <torch/torch.h>

namespace micon {

ImageEncoderImpl::ImageEncoderImpl(const ImageEncoderOptions& options)
    : options_(options) {
  TORCH_CHECK(options.channels >= 1,
              "image encoder needs at least one channel");
  ResNetOptions resnet = options.resnet;
  resnet.in_channels =
      options.mode == ChannelMode::kPerChannel ? 3 : options.channels;
  trunk_ = register_module("trunk", ResNet(resnet));
  if (options.trainable_stages < 4)
    trunk_->FreezeAllBut(options.trainable_stages);
  if (options.head == StainHead::kLinear) {
    const int64_t d = trunk_->feature_dim();
    head_ = register_module("head", torch::nn::Linear(d, d));
  }
}

void ImageEncoderImpl::CheckImages(const torch::Tensor& images) const {
  TORCH_CHECK(images.dim() == 4 && images.size(1) == options_.channels,
              "image encoder expects [B, ", options_.channels, ", H, W], got ",
              images.sizes());
}

int64_t ImageEncoderImpl::dim() const {
  const int64_t d = trunk_->feature_dim();
  return options_.mode == ChannelMode::kPerChannel ? d * options_.channels : d;
}

torch::Tensor ImageEncoderImpl::Encode(const torch::Tensor& images) {
  if (options_.mode == ChannelMode::kPerChannel) {
    return L2Normalize(EncodeStains(images).flatten(1));
  }
  CheckImages(images);
  const torch::Tensor pooled = trunk_->forward(images);
  return L2Normalize(head_ ? head_->forward(pooled) : pooled);
}

torch::Tensor ImageEncoderImpl::EncodeStains(const torch::Tensor& images) {
  TORCH_CHECK(options_.mode == ChannelMode::kPerChannel,
              "per-stain vectors need a per-channel trunk");
  CheckImages(images);
  const int64_t b = images.size(0), c = images.size(1);
  torch::Tensor pooled = trunk_->forward_replicated_gray(
      images.reshape({b * c, 1, images.size(2), images.size(3)}));
  if (head_) pooled = head_->forward(pooled);
  return pooled.reshape({b, c, -1});
}

ProfileEncoderImpl::ProfileEncoderImpl(const ProfileEncoderOptions& options)
    : options_(options) {
  mlp_ = register_module(
      "mlp", Mlp(MlpOptions{options.features, options.hidden, options.dim,
                            /*layer_norm=*/true, options.dropout}));
}

torch::Tensor ProfileEncoderImpl::Encode(const torch::Tensor& profiles) {
  return L2Normalize(mlp_->forward(profiles));
}

}  // namespace micon
