// resnet.h: ResNet-18/34/50/101 trunks (no classifier) with torchvision's
// module names.
//
// Parameter and buffer names equal torchvision's (conv1.weight,
// layer3.5.bn2.running_var, ...), so a torchvision state_dict loads by name
// (resnet_weights.h). Bottleneck blocks put the stride on the 3x3 convolution
// (torchvision's "ResNet v1.5").
//
//   ResNet net(ResNetOptions{.depth = 50, .in_channels = 3});
//   torch::Tensor features = net->forward(images);  // [B, 2048]
#ifndef MICON_CORE_RESNET_H_
#define MICON_CORE_RESNET_H_

#include <torch/nn/module.h>
#include <torch/nn/modules/container/sequential.h>
#include <torch/nn/modules/conv.h>
#include <torch/nn/pimpl.h>

#include <memory>
#include <string>
#include <vector>

#include "core/enum_names.h"
#include "core/norm_layer.h"

namespace micon {

struct ResNetOptions {
  int depth = 18;  // 18, 34, 50 or 101
  int64_t in_channels = 3;
  NormKind norm = NormKind::kSyncBatch;
  // kSyncBatch's sum across ranks; null = world size 1.
  std::shared_ptr<CrossRankSum> sync;
};

// The architectures offered, by torchvision's names.
inline constexpr EnumName<int> kResNetArchNames[] = {
    {"resnet18", 18}, {"resnet34", 34}, {"resnet50", 50}, {"resnet101", 101}};

// 512 for ResNet-18/34, 2048 for ResNet-50/101.
int64_t ResNetFeatureDim(int depth);

class ResNetImpl : public torch::nn::Module {
 public:
  explicit ResNetImpl(const ResNetOptions& options);

  // [B, in_channels, H, W] -> [B, ResNetFeatureDim(depth)] (global average
  // pooled).
  torch::Tensor forward(const torch::Tensor& x);
  // The stem applied to single-channel input, as if each channel were copied to
  // every input channel: the stem's weights summed over input channels, one
  // convolution instead of three.
  torch::Tensor forward_replicated_gray(const torch::Tensor& x);

  // Keeps parameters of the stem and of layer1..layer(4 - trainable_stages)
  // fixed, and their BatchNorm layers in eval mode (the MICON reference trains
  // only the last stage: 1).
  void FreezeAllBut(int trainable_stages);
  void train(bool on = true) override;

  const ResNetOptions& options() const { return options_; }
  int64_t feature_dim() const { return ResNetFeatureDim(options_.depth); }

 private:
  torch::Tensor Trunk(torch::Tensor x);

  ResNetOptions options_;
  torch::nn::Conv2d conv1_{nullptr};
  NormLayer bn1_;
  std::vector<torch::nn::Sequential> layers_;
  int frozen_stages_ = 0;  // 0 = nothing frozen; 5 = everything
};
TORCH_MODULE(ResNet);

}  // namespace micon

#endif  // MICON_CORE_RESNET_H_
