// SyncBatchNorm2d's own autograd node against LibTorch's BatchNorm2d at world
// size 1 (no CrossRankSum), in float64: output, every gradient and the running
// statistics. The N-ranks = one-process invariant (tests/distributed) compares
// SyncBatchNorm2d with itself; this is the independent reference.
#include "core/sync_batch_norm.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

namespace micon {
namespace {

double RelativeError(const torch::Tensor& a, const torch::Tensor& b) {
  return ((a - b).abs().max() / b.abs().max().clamp_min(1e-300)).item<double>();
}

TEST(SyncBatchNorm2d, EqualsLibTorchBatchNormWithoutRanks) {
  torch::manual_seed(3);
  const auto f64 = torch::TensorOptions().dtype(torch::kDouble);
  SyncBatchNorm2d mine(6, nullptr);
  torch::nn::BatchNorm2d reference(torch::nn::BatchNorm2dOptions(6));
  mine->to(torch::kDouble);
  reference->to(torch::kDouble);
  {
    torch::NoGradGuard no_grad;
    const torch::Tensor w = torch::randn({6}, f64);
    const torch::Tensor b = torch::randn({6}, f64);
    mine->weight.copy_(w);
    mine->bias.copy_(b);
    reference->weight.copy_(w);
    reference->bias.copy_(b);
  }
  // Channels whose mean is large against their spread, and a loss that is
  // not linear in the output, so every term of the input's gradient matters.
  const torch::Tensor data = torch::randn({3, 6, 5, 4}, f64) * 0.5 +
                             torch::arange(6, f64).view({1, 6, 1, 1}) * 10;
  const torch::Tensor r = torch::randn({3, 6, 5, 4}, f64);
  for (int step = 0; step < 2; ++step) {  // twice: running statistics move
    torch::Tensor x1 = data.clone().requires_grad_(true);
    torch::Tensor x2 = data.clone().requires_grad_(true);
    const torch::Tensor y1 = mine->forward(x1);
    const torch::Tensor y2 = reference->forward(x2);
    ((y1 * r).sum() + y1.pow(3).sum() * 0.1).backward();
    ((y2 * r).sum() + y2.pow(3).sum() * 0.1).backward();
    EXPECT_LT(RelativeError(y1, y2), 1e-12);
    EXPECT_LT(RelativeError(x1.grad(), x2.grad()), 1e-10);
    EXPECT_LT(RelativeError(mine->weight.grad(), reference->weight.grad()),
              1e-10);
    EXPECT_LT(RelativeError(mine->bias.grad(), reference->bias.grad()), 1e-10);
    EXPECT_LT(RelativeError(mine->running_mean, reference->running_mean),
              1e-12);
    EXPECT_LT(RelativeError(mine->running_var, reference->running_var), 1e-12);
  }
  mine->eval();
  reference->eval();
  EXPECT_LT(RelativeError(mine->forward(data), reference->forward(data)),
            1e-12);
}

TEST(SyncBatchNorm2d, KeepsTheInputsDtypeUnderBfloat16) {
  SyncBatchNorm2d bn(4, nullptr);
  torch::Tensor x =
      torch::randn({2, 4, 3, 3}).to(torch::kBFloat16).requires_grad_(true);
  const torch::Tensor y = bn->forward(x);
  EXPECT_EQ(y.scalar_type(), torch::kBFloat16);
  y.sum().backward();
  EXPECT_EQ(x.grad().scalar_type(), torch::kBFloat16);
  EXPECT_EQ(bn->weight.grad().scalar_type(), torch::kFloat);
}

}  // namespace
}  // namespace micon
