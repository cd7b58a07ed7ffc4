#include "core/metrics/percent_replicating.h"

#include <torch/torch.h>

#include <algorithm>
#include <cmath>
#include <map>

namespace micon {
namespace {

double Median(std::vector<double>& v) { return LinearQuantile(v, 0.5); }

}  // namespace

double LinearQuantile(std::vector<double>& values, double q) {
  TORCH_CHECK(!values.empty(), "quantile of no values");
  TORCH_CHECK(q >= 0 && q <= 1, "quantile must be in [0, 1], got ", q);
  std::sort(values.begin(), values.end());
  const double h = q * static_cast<double>(values.size() - 1);
  const size_t lo = static_cast<size_t>(std::floor(h));
  const size_t hi = std::min(lo + 1, values.size() - 1);
  return values[lo] + (h - static_cast<double>(lo)) * (values[hi] - values[lo]);
}

PercentReplicating ComputePercentReplicating(
    const at::Tensor& similarity, const std::vector<std::string>& group_keys,
    double quantile) {
  const int64_t n = static_cast<int64_t>(group_keys.size());
  TORCH_CHECK(similarity.dim() == 2 && similarity.size(0) == n &&
                  similarity.size(1) == n,
              "similarity must be [", n, ", ", n, "], got ",
              similarity.sizes());
  const at::Tensor s = similarity.to(torch::kFloat64).contiguous();
  const double* data = s.data_ptr<double>();
  std::vector<double> replicate, non_replicate;
  std::map<std::string, std::vector<double>> by_group;
  for (int64_t i = 0; i < n; ++i) {
    for (int64_t j = i + 1; j < n; ++j) {
      const double v = data[i * n + j];
      if (group_keys[i] == group_keys[j]) {
        replicate.push_back(v);
        by_group[group_keys[i]].push_back(v);
      } else {
        non_replicate.push_back(v);
      }
    }
  }
  TORCH_CHECK(!replicate.empty(),
              "percent replicating needs at least one replicate pair (no two "
              "rows share a group)");
  TORCH_CHECK(!non_replicate.empty(),
              "percent replicating needs at least one non-replicate pair (all "
              "rows are one group)");
  PercentReplicating out;
  out.replicate_pairs = static_cast<int64_t>(replicate.size());
  out.non_replicate_pairs = static_cast<int64_t>(non_replicate.size());
  out.threshold = LinearQuantile(non_replicate, quantile);
  const auto above = std::count_if(replicate.begin(), replicate.end(),
                                   [&](double v) { return v > out.threshold; });
  out.score =
      static_cast<double>(above) / static_cast<double>(replicate.size());
  for (auto& [group, values] : by_group) {
    out.medians.push_back(
        {group, Median(values), static_cast<int64_t>(values.size())});
  }
  std::stable_sort(
      out.medians.begin(), out.medians.end(),
      [](const ReplicateGroupMedian& a, const ReplicateGroupMedian& b) {
        return a.median > b.median;
      });
  return out;
}

}  // namespace micon
