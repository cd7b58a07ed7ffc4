// gradient_reducer.h: averages gradients across ranks in flat buckets, launched
// from autograd hooks as buckets fill, so communication overlaps the rest of
// backward (PyTorch DDP's design).
//
//   GradientReducer reducer(comm, model->parameters(), {});
//   (loss_share * world_size).backward();   // see below
//   MICON_RETURN_IF_ERROR(reducer.Synchronize());
//   optimizer.step();
//
// Buckets hold parameters in reverse registration order (the order backward
// produces their gradients): a small first bucket (1 MiB) so communication
// starts early, then ~25 MiB buckets; one dtype per bucket. The layout depends
// only on the parameters, so it is the same on every rank, and buckets are
// launched strictly in order on every rank.
//
// Averaging and loss shares: micon's losses return each rank's share of the
// global loss (core/contrastive_losses.h), and the all-gather's backward
// already sums cross-rank terms. Backpropagating world_size x share on every
// rank and averaging (the default op) therefore gives exactly the one-process
// gradient of the global loss.
//
// One backward per Synchronize(). A parameter that gets no gradient on this
// rank contributes zeros; after the reduction it gets a gradient only if some
// rank produced a non-zero one, so parameters an objective does not use stay
// without gradient, as in one process.
#ifndef MICON_DISTRIBUTED_GRADIENT_REDUCER_H_
#define MICON_DISTRIBUTED_GRADIENT_REDUCER_H_

#include <ATen/core/Tensor.h>

#include <memory>
#include <vector>

#include "absl/status/status.h"
#include "distributed/communicator.h"

namespace micon {

struct GradientReducerOptions {
  int64_t first_bucket_bytes = int64_t{1} << 20;
  int64_t bucket_bytes = int64_t{25} << 20;
  ReduceOp op = ReduceOp::kAvg;
  // Launch each bucket from the autograd hook that fills it, during
  // backward (DDP's overlap). false: every bucket is launched in
  // Synchronize(), after backward, in the same order (the synchronous path,
  // kept to measure the overlap against; the same sums either way).
  bool overlap = true;
};

class GradientReducer {
 public:
  // Parameters that do not require gradients are ignored.
  GradientReducer(Communicator& comm, const std::vector<at::Tensor>& parameters,
                  const GradientReducerOptions& options);
  ~GradientReducer();
  GradientReducer(const GradientReducer&) = delete;
  GradientReducer& operator=(const GradientReducer&) = delete;

  // Waits for every bucket (launching those whose parameters got no gradient)
  // and writes the reduced gradients into the parameters' .grad. Resets for the
  // next backward.
  absl::Status Synchronize();

  // Parameter indices (into the constructor's list, gradient-requiring only)
  // per bucket.
  std::vector<std::vector<size_t>> BucketLayout() const;
  int64_t buckets_launched_during_backward() const {
    return launched_in_backward_;
  }

 private:
  struct Bucket;
  void OnGradient(size_t param, const at::Tensor& grad);
  void LaunchReadyBuckets();
  void Launch(Bucket& bucket);

  Communicator& comm_;
  GradientReducerOptions options_;
  std::vector<at::Tensor> params_;
  std::vector<unsigned> hook_ids_;
  std::vector<std::unique_ptr<Bucket>> buckets_;
  std::vector<size_t> bucket_of_, offset_of_;
  std::vector<bool> received_;
  size_t next_launch_ = 0;
  int64_t launched_in_backward_ = 0;
  absl::Status launch_error_;
};

}  // namespace micon

#endif  // MICON_DISTRIBUTED_GRADIENT_REDUCER_H_
