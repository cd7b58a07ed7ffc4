// distributed_gather.h: core's BatchGather across the ranks of a Communicator.
//
//   DistributedGather gather(comm);
//   LossParts parts = ComputeStepLoss(*model, batch, options, gather);
//
// Floating tensors are gathered with gradient (all_gather_with_grad.h), integer
// tensors (labels) without. Each call first exchanges row counts, once for all
// the tensors it gathers together, so local batches may differ in size.
#ifndef MICON_DISTRIBUTED_DISTRIBUTED_GATHER_H_
#define MICON_DISTRIBUTED_DISTRIBUTED_GATHER_H_

#include "core/batch_gather.h"
#include "distributed/communicator.h"

namespace micon {

class DistributedGather final : public BatchGather {
 public:
  explicit DistributedGather(Communicator& comm) : comm_(comm) {}
  std::vector<at::Tensor> GatherTogether(const std::vector<at::Tensor>& locals,
                                         int64_t* offset) override;
  int world_size() const override { return comm_.world_size(); }

 private:
  Communicator& comm_;
};

}  // namespace micon

#endif  // MICON_DISTRIBUTED_DISTRIBUTED_GATHER_H_
