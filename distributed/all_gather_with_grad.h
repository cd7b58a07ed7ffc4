// all_gather_with_grad.h: the all-gather that contrastive losses need,
// differentiable.
//
// Forward: every rank's rows, concatenated in rank order (uneven counts
// allowed). Backward: each rank receives, for its own rows, the sum over ranks
// of the gradient those rows got on every rank (a reduce-scatter of the global
// gradient), which is what makes N ranks with local batches compute the
// gradients of one process on the concatenated batch.
//
//   at::Tensor global = AllGatherWithGrad(comm, local, row_counts);
//
// A failed collective raises c10::Error with the communicator's message (no
// hang); it ends in main's single catch site.
#ifndef MICON_DISTRIBUTED_ALL_GATHER_WITH_GRAD_H_
#define MICON_DISTRIBUTED_ALL_GATHER_WITH_GRAD_H_

#include <ATen/core/Tensor.h>

#include <vector>

#include "distributed/communicator.h"

namespace micon {

at::Tensor AllGatherWithGrad(Communicator& comm, const at::Tensor& local,
                             const std::vector<int64_t>& row_counts);

// Sum over ranks with autograd: the backward of a sum across ranks is again a
// sum across ranks of the incoming gradients. Used by synchronised BatchNorm
// for its statistics.
at::Tensor AllReduceSumWithGrad(Communicator& comm, const at::Tensor& tensor);

}  // namespace micon

#endif  // MICON_DISTRIBUTED_ALL_GATHER_WITH_GRAD_H_
