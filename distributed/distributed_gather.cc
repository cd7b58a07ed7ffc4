#include "distributed/distributed_gather.h"

#include <ATen/ATen.h>

#include <numeric>

#include "distributed/all_gather_with_grad.h"

namespace micon {

std::vector<at::Tensor> DistributedGather::GatherTogether(
    const std::vector<at::Tensor>& locals, int64_t* offset) {
  TORCH_CHECK(!locals.empty(), "nothing to gather");
  const int64_t rows = locals.front().size(0);
  for (const at::Tensor& t : locals) {
    TORCH_CHECK(t.size(0) == rows,
                "tensors gathered together need equal row counts, got ", rows,
                " and ", t.size(0));
  }
  std::vector<int64_t> counts;
  const absl::Status status = GatherRowCounts(comm_, rows, &counts);
  TORCH_CHECK(status.ok(), std::string(status.message()));
  *offset = std::accumulate(counts.begin(), counts.begin() + comm_.rank(),
                            int64_t{0});
  const int64_t total =
      std::accumulate(counts.begin(), counts.end(), int64_t{0});
  std::vector<at::Tensor> out;
  for (const at::Tensor& local : locals) {
    if (local.is_floating_point()) {
      out.push_back(AllGatherWithGrad(comm_, local, counts));
      continue;
    }
    std::vector<int64_t> shape = local.sizes().vec();
    shape[0] = total;
    at::Tensor global = at::empty(shape, local.options());
    const absl::Status gathered =
        comm_.AllGatherV(local.contiguous(), global, counts, {})->Wait();
    TORCH_CHECK(gathered.ok(), std::string(gathered.message()));
    out.push_back(global);
  }
  return out;
}

}  // namespace micon
