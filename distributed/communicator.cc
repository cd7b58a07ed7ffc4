#include "distributed/communicator.h"

#include <ATen/ATen.h>

#include "absl/strings/str_cat.h"

namespace micon {

const char* ReduceOpName(ReduceOp op) {
  switch (op) {
    case ReduceOp::kSum:
      return "sum";
    case ReduceOp::kAvg:
      return "avg";
    case ReduceOp::kMax:
      return "max";
    case ReduceOp::kMin:
      return "min";
  }
  return "?";
}

absl::Status GatherRowCounts(Communicator& comm, int64_t local_rows,
                             std::vector<int64_t>* counts) {
  const at::Tensor local = at::full({1}, local_rows, at::kLong);
  at::Tensor all = at::empty({comm.world_size()}, at::kLong);
  absl::Status status = comm.AllGather(local, all, {})->Wait();
  if (!status.ok()) return status;
  counts->assign(all.data_ptr<int64_t>(),
                 all.data_ptr<int64_t>() + comm.world_size());
  return absl::OkStatus();
}

}  // namespace micon
