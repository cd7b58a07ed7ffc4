// Per-step communication of the default MICON model, worked out from its real
// parameter count and the tensors the step gathers.
//   build/tests/bench/communication_volume [gpus=64] [entries_per_gpu=32]
// Ring all-reduce moves 2(n-1)/n x bytes per GPU; an all-gather of G global
// bytes moves (n-1)/n x G per GPU, and its backward reduce-scatter the same
// again.
#include <torch/torch.h>

#include <cstdio>
#include <cstdlib>

#include "core/micon_model.h"

int main(int argc, char** argv) {
  const int n = argc > 1 ? std::atoi(argv[1]) : 64;
  const int64_t b = argc > 2 ? std::atoll(argv[2]) : 32;
  micon::MiconModelOptions
      options;  // defaults: ResNet-18 per-channel, 5 stains, 2048-bit Morgan
  micon::MiconModel model(options);
  int64_t trained = 0;
  for (const auto& p : model->ParametersFor(micon::Objective::kMicon))
    trained += p.numel();
  const double grad_bytes = trained * 4.0;
  const double ring = 2.0 * (n - 1) / n;
  // Gathered per step: PaCLR z [4B, 512] + labels [4B] int64; counterfactual 2
  // views x (z [2B, 512] + labels [2B]); every gather also exchanges one int64
  // row count per rank.
  const double d = options.projection_dim;
  const double gathered_rows_float = n * (4.0 * b + 2 * 2.0 * b);
  const double gathered_bytes =
      gathered_rows_float * d * 4 + gathered_rows_float * 8;
  const double per_gpu_gather = (n - 1.0) / n * gathered_bytes;
  const double per_gpu_scatter = (n - 1.0) / n * (gathered_rows_float * d * 4);
  std::printf(
      "model: %lld trained parameters (MICON objective), %.1f MB of float32 "
      "gradients\n",
      static_cast<long long>(trained), grad_bytes / 1e6);
  std::printf("gpus %d, %lld entries per GPU (%lld images incl. controls)\n", n,
              static_cast<long long>(b), static_cast<long long>(4 * b));
  std::printf("gradient all-reduce (ring): %.1f MB per GPU per step\n",
              ring * grad_bytes / 1e6);
  std::printf(
      "embedding all-gathers: %.1f MB per GPU forward, %.1f MB reduce-scatter "
      "backward\n",
      per_gpu_gather / 1e6, per_gpu_scatter / 1e6);
  std::printf("total: %.1f MB per GPU per step\n",
              (ring * grad_bytes + per_gpu_gather + per_gpu_scatter) / 1e6);
  return 0;
}
