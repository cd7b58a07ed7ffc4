#include "distributed/communicator_shard_reducer.h"

#include <ATen/ATen.h>
#include <c10/util/Exception.h>

#include <numeric>
#include <string>

namespace micon {
namespace {

void CheckOk(const absl::Status& status, const char* what) {
  TORCH_CHECK(status.ok(), "evaluation shards: ", what, ": ",
              std::string(status.message()));
}

}  // namespace

void CommunicatorShardReducer::Sum(std::vector<int64_t>& counts) {
  if (comm_.world_size() == 1) return;
  at::Tensor t = at::empty({static_cast<int64_t>(counts.size())}, at::kLong);
  std::copy(counts.begin(), counts.end(), t.data_ptr<int64_t>());
  CheckOk(comm_.AllReduce(t, {ReduceOp::kSum})->Wait(), "summing counts");
  std::copy(t.data_ptr<int64_t>(), t.data_ptr<int64_t>() + t.numel(),
            counts.begin());
}

void CommunicatorShardReducer::Concatenate(std::vector<double>& values) {
  if (comm_.world_size() == 1) return;
  std::vector<int64_t> sizes;
  CheckOk(GatherRowCounts(comm_, static_cast<int64_t>(values.size()), &sizes),
          "gathering kept values' counts");
  const int64_t total = std::accumulate(sizes.begin(), sizes.end(), int64_t{0});
  at::Tensor local =
      at::empty({static_cast<int64_t>(values.size())}, at::kDouble);
  std::copy(values.begin(), values.end(), local.data_ptr<double>());
  at::Tensor all = at::empty({total}, at::kDouble);
  CheckOk(comm_.AllGatherV(local, all, sizes, {})->Wait(),
          "gathering kept values");
  values.assign(all.data_ptr<double>(), all.data_ptr<double>() + total);
}

}  // namespace micon
