#include "core/sync_batch_norm.h"

#include <torch/torch.h>

namespace micon {

SyncBatchNorm2dImpl::SyncBatchNorm2dImpl(int64_t channels,
                                         std::shared_ptr<CrossRankSum> sum,
                                         double eps, double momentum)
    : sum_(std::move(sum)), eps_(eps), momentum_(momentum) {
  weight = register_parameter("weight", torch::ones({channels}));
  bias = register_parameter("bias", torch::zeros({channels}));
  running_mean = register_buffer("running_mean", torch::zeros({channels}));
  running_var = register_buffer("running_var", torch::ones({channels}));
  num_batches_tracked =
      register_buffer("num_batches_tracked", torch::zeros({}, torch::kLong));
}

torch::Tensor SyncBatchNorm2dImpl::forward(const torch::Tensor& x) {
  TORCH_CHECK(x.dim() == 4 && x.size(1) == weight.size(0),
              "SyncBatchNorm2d expects [B, ", weight.size(0), ", H, W], got ",
              x.sizes());
  const auto shape = std::vector<int64_t>{1, -1, 1, 1};
  if (!is_training()) {
    return (x - running_mean.view(shape)) *
               torch::rsqrt(running_var.view(shape) + eps_) *
               weight.view(shape) +
           bias.view(shape);
  }
  // Statistics without cancellation: each rank takes its own mean and the sum
  // of squared deviations from it (two passes, in the compute dtype), and the
  // ranks combine [sum x, M2 + n * mean^2, n] in float64, where var = S2/N -
  // mean^2 cancels harmlessly. A single-pass E[x^2] - E[x]^2 in float32 loses
  // most of its digits on channels whose mean is large against their spread (a
  // known SyncBatchNorm hazard), at the cost of the same one all-reduce per
  // layer.
  const torch::Tensor xf =
      x.to(x.scalar_type() == torch::kDouble ? torch::kDouble : torch::kFloat);
  const int64_t c = x.size(1);
  const double local_n = static_cast<double>(x.numel() / c);
  const torch::Tensor local_mean = xf.mean({0, 2, 3});
  const torch::Tensor local_m2 =
      (xf - local_mean.view(shape)).pow(2).sum({0, 2, 3});
  const torch::Tensor local_mean64 = local_mean.to(torch::kDouble);
  torch::Tensor stats = torch::cat(
      {local_mean64 * local_n,
       local_m2.to(torch::kDouble) + local_n * local_mean64 * local_mean64,
       torch::full({1}, local_n, local_mean64.options())});
  if (sum_) stats = sum_->Sum(stats);
  const torch::Tensor n = stats.slice(0, 2 * c, 2 * c + 1);
  const torch::Tensor mean64 = stats.slice(0, 0, c) / n;
  const torch::Tensor mean = mean64.to(xf.scalar_type());
  const torch::Tensor var = (stats.slice(0, c, 2 * c) / n - mean64 * mean64)
                                .clamp_min(0)
                                .to(xf.scalar_type());
  {
    torch::NoGradGuard no_grad;
    const double total = n.item<double>();
    running_mean.mul_(1 - momentum_)
        .add_(mean.detach().to(running_mean.dtype()), momentum_);
    running_var.mul_(1 - momentum_)
        .add_((var.detach() * (total / std::max(1.0, total - 1)))
                  .to(running_var.dtype()),
              momentum_);
    num_batches_tracked.add_(1);
  }
  const torch::Tensor y =
      (xf - mean.view(shape)) * torch::rsqrt(var.view(shape) + eps_);
  return (y * weight.view(shape) + bias.view(shape)).to(x.scalar_type());
}

}  // namespace micon
