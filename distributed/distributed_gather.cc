#include "distributed/distributed_gather.h"

#include <ATen/ATen.h>

#include <numeric>

#include "distributed/all_gather_with_grad.h"

namespace micon {

GatheredRows DistributedGather::Gather(const at::Tensor& local) {
  std::vector<int64_t> counts;
  const absl::Status status = GatherRowCounts(comm_, local.size(0), &counts);
  TORCH_CHECK(status.ok(), std::string(status.message()));
  const int64_t offset = std::accumulate(
      counts.begin(), counts.begin() + comm_.rank(), int64_t{0});
  if (local.is_floating_point())
    return {AllGatherWithGrad(comm_, local, counts), offset};
  std::vector<int64_t> shape = local.sizes().vec();
  shape[0] = std::accumulate(counts.begin(), counts.end(), int64_t{0});
  at::Tensor global = at::empty(shape, local.options());
  const absl::Status gathered =
      WaitFor(comm_.AllGatherV(local.contiguous(), global, counts, {}), comm_);
  TORCH_CHECK(gathered.ok(), std::string(gathered.message()));
  return {global, offset};
}

}  // namespace micon
