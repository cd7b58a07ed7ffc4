// sync_batch_norm.h: BatchNorm2d whose batch statistics span every rank's rows.
//
// With N ranks it normalises with the mean and variance of the global batch, so
// the encoder computes what one process computes on the concatenated batch (the
// distributed invariant). Parameter and buffer names equal BatchNorm2d's
// (weight, bias, running_mean, running_var, num_batches_tracked): torchvision
// weights load unchanged. Without a CrossRankSum it is ordinary BatchNorm
// (statistics of the local rows). Eval mode uses the running statistics.
#ifndef MICON_CORE_SYNC_BATCH_NORM_H_
#define MICON_CORE_SYNC_BATCH_NORM_H_

#include <torch/nn/module.h>
#include <torch/nn/pimpl.h>

#include <memory>

#include "core/cross_rank_sum.h"

namespace micon {

class SyncBatchNorm2dImpl : public torch::nn::Module {
 public:
  SyncBatchNorm2dImpl(int64_t channels, std::shared_ptr<CrossRankSum> sum,
                      double eps = 1e-5, double momentum = 0.1);
  torch::Tensor forward(const torch::Tensor& x);

  torch::Tensor weight, bias, running_mean, running_var, num_batches_tracked;

 private:
  std::shared_ptr<CrossRankSum> sum_;
  double eps_, momentum_;
};
TORCH_MODULE(SyncBatchNorm2d);

}  // namespace micon

#endif  // MICON_CORE_SYNC_BATCH_NORM_H_
