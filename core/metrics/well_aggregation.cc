#include "core/metrics/well_aggregation.h"

#include <torch/torch.h>

namespace micon {

at::Tensor AggregateByGroup(const at::Tensor& values,
                            const std::vector<int64_t>& group_of_row,
                            int64_t groups, Aggregation aggregation) {
  TORCH_CHECK(values.dim() == 2, "AggregateByGroup: values must be [N, D]");
  TORCH_CHECK(static_cast<int64_t>(group_of_row.size()) == values.size(0),
              "AggregateByGroup: ", group_of_row.size(), " group ids for ",
              values.size(0), " rows");
  std::vector<std::vector<int64_t>> rows(static_cast<size_t>(groups));
  for (size_t r = 0; r < group_of_row.size(); ++r) {
    const int64_t g = group_of_row[r];
    TORCH_CHECK(g >= 0 && g < groups, "AggregateByGroup: row ", r,
                " has group ", g, ", outside [0, ", groups, ")");
    rows[static_cast<size_t>(g)].push_back(static_cast<int64_t>(r));
  }
  const torch::Tensor x = values.to(torch::kFloat64);
  torch::Tensor out = torch::empty({groups, values.size(1)}, torch::kFloat64);
  for (int64_t g = 0; g < groups; ++g) {
    const std::vector<int64_t>& members = rows[static_cast<size_t>(g)];
    TORCH_CHECK(!members.empty(), "AggregateByGroup: group ", g,
                " has no rows");
    const torch::Tensor part =
        x.index_select(0, torch::tensor(members, torch::kLong));
    out[g] = aggregation == Aggregation::kMean
                 ? part.mean(0)
                 : torch::quantile(part, 0.5, /*dim=*/0);
  }
  return out;
}

}  // namespace micon
