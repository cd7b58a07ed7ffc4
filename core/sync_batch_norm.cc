#include "core/sync_batch_norm.h"

#include <torch/torch.h>

#include <algorithm>
#include <cstdint>
#include <vector>

namespace micon {

namespace {

// Batch normalisation over every rank's rows as one autograd node, as
// PyTorch's SyncBatchNorm: two passes forward (local statistics, then the
// affine normalisation) and three backward (one fused for the two gradient
// sums, two for the input's gradient), against about ten of each when
// autograd differentiates the same formula op by op (the cost measured as 27 %
// of a step at np 2: docs/PERFORMANCE.md). One all-reduce forward (the
// statistics) and one backward (the two gradient sums the input's gradient
// needs); the weight's and bias's gradients are this rank's sums, which the
// gradient reducer combines like every other parameter's.
//
// Statistics without cancellation: each rank takes its own mean and the sum
// of squared deviations from it (var_mean: Welford, in the compute dtype),
// and the ranks combine [sum x, M2 + n * mean^2, n] in float64, where var =
// S2/N - mean^2 cancels harmlessly. A single-pass E[x^2] - E[x]^2 in float32
// loses most of its digits on channels whose mean is large against their
// spread (a known SyncBatchNorm hazard).
//
// Outputs: y (x's dtype), then, without gradient, the global mean and
// (biased) variance in the compute dtype and the global row count.
class SyncBatchNormFunction
    : public torch::autograd::Function<SyncBatchNormFunction> {
 public:
  static std::vector<torch::Tensor> forward(
      torch::autograd::AutogradContext* ctx, const torch::Tensor& x,
      const torch::Tensor& weight, const torch::Tensor& bias, int64_t sum,
      double eps) {
    CrossRankSum* ranks = Ranks(sum);
    const auto compute =
        x.scalar_type() == torch::kDouble ? torch::kDouble : torch::kFloat;
    const torch::Tensor xf = x.to(compute);
    const int64_t c = x.size(1);
    const double local_n = static_cast<double>(x.numel() / c);
    const auto [local_var, local_mean] =
        torch::var_mean(xf, {0, 2, 3}, /*unbiased=*/false);
    const torch::Tensor mean64 = local_mean.to(torch::kDouble);
    torch::Tensor stats = torch::cat(
        {mean64 * local_n,
         local_var.to(torch::kDouble) * local_n + local_n * mean64 * mean64,
         torch::full({1}, local_n, mean64.options())});
    if (ranks != nullptr) stats = ranks->Sum(stats);
    const torch::Tensor n = stats.slice(0, 2 * c, 2 * c + 1);
    const torch::Tensor global_mean64 = stats.slice(0, 0, c) / n;
    const torch::Tensor mean = global_mean64.to(compute);
    const torch::Tensor var =
        (stats.slice(0, c, 2 * c) / n - global_mean64 * global_mean64)
            .clamp_min(0)
            .to(compute);
    const torch::Tensor invstd = torch::rsqrt(var + eps);
    const torch::Tensor scale = invstd * weight.to(compute);
    const torch::Tensor shift = bias.to(compute) - mean * scale;
    const auto shape = std::vector<int64_t>{1, -1, 1, 1};
    const torch::Tensor y =
        torch::addcmul(shift.view(shape), xf, scale.view(shape))
            .to(x.scalar_type());
    ctx->save_for_backward({xf, mean, invstd, weight, n});
    ctx->saved_data["sum"] = sum;
    ctx->mark_non_differentiable({mean, var, n});
    return {y, mean, var, n};
  }

  static torch::autograd::tensor_list backward(
      torch::autograd::AutogradContext* ctx,
      torch::autograd::tensor_list grads) {
    const auto saved = ctx->get_saved_variables();
    const torch::Tensor &xf = saved[0], &mean = saved[1], &invstd = saved[2],
                        &weight = saved[3], &n = saved[4];
    CrossRankSum* ranks = Ranks(ctx->saved_data["sum"].toInt());
    const auto shape = std::vector<int64_t>{1, -1, 1, 1};
    const int64_t c = xf.size(1);
    const torch::Tensor dy = grads[0].to(xf.scalar_type()).contiguous();
    const torch::Tensor w = weight.to(xf.scalar_type());
    // sum(dy) and sum(dy * xhat) with the global statistics in one fused pass:
    // they are what batch norm's own backward gives as the bias's and the
    // weight's gradients when handed the saved mean and invstd.
    const auto [no_dx, sum_dy_xhat, sum_dy] = at::native_batch_norm_backward(
        dy, xf, w, {}, {}, mean, invstd, /*train=*/true, /*eps=*/0.0,
        {false, true, true});
    torch::Tensor sums = torch::cat({sum_dy, sum_dy_xhat}).to(torch::kDouble);
    if (ranks != nullptr) sums = ranks->Sum(sums);
    sums = (sums / n).to(xf.scalar_type());
    const torch::Tensor mean_dy = sums.slice(0, 0, c);
    const torch::Tensor mean_dy_xhat = sums.slice(0, c, 2 * c);
    // dx = (dy - mean_dy - xhat * mean_dy_xhat) * invstd * w, per channel
    // dy * a + x * b + k: two passes over the activation instead of six, the
    // form the forward's y = x * scale + shift also takes.
    const torch::Tensor a = invstd * w;
    const torch::Tensor b = -a * invstd * mean_dy_xhat;
    const torch::Tensor k = -a * mean_dy - b * mean;
    torch::Tensor dx = torch::addcmul(k.view(shape), xf, b.view(shape));
    dx.addcmul_(dy, a.view(shape));
    return {dx.to(grads[0].scalar_type()), sum_dy_xhat.to(weight.scalar_type()),
            sum_dy.to(weight.scalar_type()), torch::Tensor(), torch::Tensor()};
  }

 private:
  // The module's CrossRankSum, which outlives every backward pass of its
  // forward; passed as an integer because autograd saves only IValues.
  static CrossRankSum* Ranks(int64_t sum) {
    return reinterpret_cast<CrossRankSum*>(static_cast<intptr_t>(sum));
  }
};

}  // namespace

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
  if (!is_training()) {
    const auto shape = std::vector<int64_t>{1, -1, 1, 1};
    return (x - running_mean.view(shape)) *
               torch::rsqrt(running_var.view(shape) + eps_) *
               weight.view(shape) +
           bias.view(shape);
  }
  const std::vector<torch::Tensor> out = SyncBatchNormFunction::apply(
      x, weight, bias,
      static_cast<int64_t>(reinterpret_cast<intptr_t>(sum_.get())), eps_);
  {
    // The unbiased correction from the global count on the device: a host
    // read here would stall a GPU at every layer.
    torch::NoGradGuard no_grad;
    const torch::Tensor n = out[3].to(out[2].scalar_type());
    running_mean.mul_(1 - momentum_)
        .add_(out[1].to(running_mean.dtype()), momentum_);
    running_var.mul_(1 - momentum_)
        .add_((out[2] * n / (n - 1).clamp_min(1)).to(running_var.dtype()),
              momentum_);
    num_batches_tracked.add_(1);
  }
  return out[0];
}

}  // namespace micon
