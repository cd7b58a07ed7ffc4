// communicator_sum.h: core's CrossRankSum over a Communicator (for synchronised
// BatchNorm).
//
//   options.image.resnet.sync = std::make_shared<CommunicatorSum>(comm);
#ifndef MICON_DISTRIBUTED_COMMUNICATOR_SUM_H_
#define MICON_DISTRIBUTED_COMMUNICATOR_SUM_H_

#include "core/cross_rank_sum.h"
#include "distributed/all_gather_with_grad.h"
#include "distributed/communicator.h"

namespace micon {

class CommunicatorSum final : public CrossRankSum {
 public:
  explicit CommunicatorSum(Communicator& comm) : comm_(comm) {}
  at::Tensor Sum(const at::Tensor& local) override {
    return AllReduceSumWithGrad(comm_, local);
  }

 private:
  Communicator& comm_;
};

}  // namespace micon

#endif  // MICON_DISTRIBUTED_COMMUNICATOR_SUM_H_
