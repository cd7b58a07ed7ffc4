// nccl_work.h: the Work of one NCCL collective (nccl_communicator.h says
// what Wait() promises in each NcclWaits mode).
#ifndef MICON_DISTRIBUTED_NCCL_NCCL_WORK_H_
#define MICON_DISTRIBUTED_NCCL_NCCL_WORK_H_

#include <memory>
#include <utility>

#include "distributed/communicator.h"
#include "distributed/nccl/nccl_state.h"

namespace micon {

class NcclWork final : public Work {
 public:
  NcclWork(std::shared_ptr<NcclState> state,
           std::shared_ptr<NcclPending> pending)
      : state_(std::move(state)), pending_(std::move(pending)) {}

  absl::Status Wait() override;
  bool IsCompleted() override;

 private:
  // kStreamOrdered: the compute stream waits for the collective's event.
  absl::Status OrderCompute();
  // kBlockHost: polls until the collective is settled.
  absl::Status BlockHost();

  const std::shared_ptr<NcclState> state_;
  const std::shared_ptr<NcclPending> pending_;
};

}  // namespace micon

#endif  // MICON_DISTRIBUTED_NCCL_NCCL_WORK_H_
