#include "core/resnet.h"

#include <torch/torch.h>

#include "core/sync_batch_norm.h"

namespace micon {
namespace {

namespace F = torch::nn::functional;

struct Layout {
  bool bottleneck;
  std::vector<int> blocks;
};

Layout LayoutFor(int depth) {
  switch (depth) {
    case 18:
      return {false, {2, 2, 2, 2}};
    case 34:
      return {false, {3, 4, 6, 3}};
    case 50:
      return {true, {3, 4, 6, 3}};
    case 101:
      return {true, {3, 4, 23, 3}};
    default:
      TORCH_CHECK(false, "ResNet depth must be 18, 34, 50 or 101, got ", depth);
  }
}

torch::nn::Conv2d Conv(int64_t in, int64_t out, int64_t kernel,
                       int64_t stride) {
  return torch::nn::Conv2d(torch::nn::Conv2dOptions(in, out, kernel)
                               .stride(stride)
                               .padding(kernel / 2)
                               .bias(false));
}

// One residual block; names follow torchvision (conv1, bn1, ...,
// downsample.0/1).
class BlockImpl : public torch::nn::Module {
 public:
  BlockImpl(bool bottleneck, int64_t in, int64_t planes, int64_t stride,
            const ResNetOptions& options) {
    const int64_t out = bottleneck ? planes * 4 : planes;
    if (bottleneck) {
      convs_ = {Conv(in, planes, 1, 1), Conv(planes, planes, 3, stride),
                Conv(planes, out, 1, 1)};
      norms_ = {MakeNorm(options.norm, planes, options.sync),
                MakeNorm(options.norm, planes, options.sync),
                MakeNorm(options.norm, out, options.sync)};
    } else {
      convs_ = {Conv(in, planes, 3, stride), Conv(planes, planes, 3, 1)};
      norms_ = {MakeNorm(options.norm, planes, options.sync),
                MakeNorm(options.norm, planes, options.sync)};
    }
    for (size_t i = 0; i < convs_.size(); ++i) {
      register_module("conv" + std::to_string(i + 1), convs_[i]);
      register_module("bn" + std::to_string(i + 1), norms_[i].module);
    }
    if (stride != 1 || in != out) {
      // torchvision's downsample is nn.Sequential(conv, norm): children named
      // "0" and "1".
      downsample_norm_ = MakeNorm(options.norm, out, options.sync);
      downsample_conv_ = Conv(in, out, 1, stride);
      auto downsample =
          register_module("downsample", std::make_shared<torch::nn::Module>());
      downsample->register_module("0", downsample_conv_);
      downsample->register_module("1", downsample_norm_.module);
    }
  }

  torch::Tensor forward(const torch::Tensor& x) {
    torch::Tensor y = x;
    for (size_t i = 0; i < convs_.size(); ++i) {
      y = norms_[i].forward.forward(convs_[i]->forward(y));
      if (i + 1 < convs_.size()) y = torch::relu(y);
    }
    torch::Tensor identity = x;
    if (downsample_conv_) {
      identity = downsample_norm_.forward.forward(downsample_conv_->forward(x));
    }
    return torch::relu(y + identity);
  }

 private:
  std::vector<torch::nn::Conv2d> convs_;
  std::vector<NormLayer> norms_;
  torch::nn::Conv2d downsample_conv_{nullptr};
  NormLayer downsample_norm_;
};
TORCH_MODULE(Block);

void InitializeLikeTorchvision(torch::nn::Module& module) {
  torch::NoGradGuard no_grad;
  for (auto& m : module.modules(/*include_self=*/false)) {
    if (auto* conv = m->as<torch::nn::Conv2d>()) {
      torch::nn::init::kaiming_normal_(conv->weight, 0.0, torch::kFanOut,
                                       torch::kReLU);
    } else if (auto* bn = m->as<torch::nn::BatchNorm2d>()) {
      torch::nn::init::ones_(bn->weight);
      torch::nn::init::zeros_(bn->bias);
    } else if (auto* sbn = m->as<SyncBatchNorm2d>()) {
      torch::nn::init::ones_(sbn->weight);
      torch::nn::init::zeros_(sbn->bias);
    } else if (auto* gn = m->as<torch::nn::GroupNorm>()) {
      torch::nn::init::ones_(gn->weight);
      torch::nn::init::zeros_(gn->bias);
    }
  }
}

void SetNormEval(torch::nn::Module& module) {
  for (auto& m : module.modules(/*include_self=*/true)) {
    if (m->as<torch::nn::BatchNorm2d>() || m->as<SyncBatchNorm2d>()) m->eval();
  }
}

}  // namespace

int64_t ResNetFeatureDim(int depth) {
  return LayoutFor(depth).bottleneck ? 2048 : 512;
}

ResNetImpl::ResNetImpl(const ResNetOptions& options) : options_(options) {
  TORCH_CHECK(options.in_channels >= 1,
              "ResNet needs at least one input channel");
  const Layout layout = LayoutFor(options.depth);
  conv1_ = register_module(
      "conv1",
      torch::nn::Conv2d(torch::nn::Conv2dOptions(options.in_channels, 64, 7)
                            .stride(2)
                            .padding(3)
                            .bias(false)));
  bn1_ = MakeNorm(options.norm, 64, options.sync);
  register_module("bn1", bn1_.module);
  int64_t in = 64;
  for (int stage = 0; stage < 4; ++stage) {
    const int64_t planes = 64 << stage;
    torch::nn::Sequential layer;
    for (int b = 0; b < layout.blocks[stage]; ++b) {
      const int64_t stride = (stage > 0 && b == 0) ? 2 : 1;
      layer->push_back(std::to_string(b),
                       Block(layout.bottleneck, in, planes, stride, options));
      in = layout.bottleneck ? planes * 4 : planes;
    }
    layers_.push_back(
        register_module("layer" + std::to_string(stage + 1), layer));
  }
  InitializeLikeTorchvision(*this);
}

torch::Tensor ResNetImpl::Trunk(torch::Tensor x) {
  x = torch::relu(bn1_.forward.forward(x));
  x = F::max_pool2d(x, F::MaxPool2dFuncOptions(3).stride(2).padding(1));
  for (auto& layer : layers_) x = layer->forward(x);
  return F::adaptive_avg_pool2d(x, F::AdaptiveAvgPool2dFuncOptions(1))
      .flatten(1);
}

torch::Tensor ResNetImpl::forward(const torch::Tensor& x) {
  TORCH_CHECK(x.dim() == 4 && x.size(1) == options_.in_channels,
              "ResNet expects [B, ", options_.in_channels, ", H, W], got ",
              x.sizes());
  return Trunk(conv1_->forward(x));
}

torch::Tensor ResNetImpl::forward_replicated_gray(const torch::Tensor& x) {
  TORCH_CHECK(x.dim() == 4 && x.size(1) == 1, "expected [B, 1, H, W], got ",
              x.sizes());
  const torch::Tensor weight = conv1_->weight.sum(1, /*keepdim=*/true);
  return Trunk(
      F::conv2d(x, weight, F::Conv2dFuncOptions().stride(2).padding(3)));
}

void ResNetImpl::FreezeAllBut(int trainable_stages) {
  TORCH_CHECK(trainable_stages >= 0 && trainable_stages <= 4,
              "trainable ResNet stages must be 0-4, got ", trainable_stages);
  frozen_stages_ = trainable_stages == 4 ? 0 : 5 - trainable_stages;
  std::vector<std::shared_ptr<torch::nn::Module>> frozen = {conv1_.ptr(),
                                                            bn1_.module};
  for (int s = 0; s < 4 - trainable_stages; ++s)
    frozen.push_back(layers_[s].ptr());
  for (auto& m : frozen) {
    for (auto& p : m->parameters()) p.set_requires_grad(false);
  }
  train(is_training());
}

void ResNetImpl::train(bool on) {
  torch::nn::Module::train(on);
  if (frozen_stages_ == 0) return;
  SetNormEval(*bn1_.module);
  for (int s = 0; s < frozen_stages_ - 1 && s < 4; ++s)
    SetNormEval(*layers_[s]);
}

}  // namespace micon
