// cross_rank_sum.h: a differentiable sum over ranks, as core/ sees it.
// distributed/ implements it (the backward of a sum across ranks is a sum
// across ranks of the gradients); null means world size 1. Used by synchronised
// BatchNorm for its batch statistics.
#ifndef MICON_CORE_CROSS_RANK_SUM_H_
#define MICON_CORE_CROSS_RANK_SUM_H_

#include <ATen/core/Tensor.h>

namespace micon {

class CrossRankSum {
 public:
  virtual ~CrossRankSum() = default;
  // Called in the same order on every rank with tensors of the same shape.
  virtual at::Tensor Sum(const at::Tensor& local) = 0;
};

}  // namespace micon

#endif  // MICON_CORE_CROSS_RANK_SUM_H_
