#include "core/metrics/feature_selection.h"

#include <torch/torch.h>

#include <algorithm>
#include <map>
#include <tuple>

namespace micon {
namespace {

bool NearConstant(const double* column, int64_t n, int64_t stride,
                  const FeatureSelectOptions& o) {
  std::map<double, int64_t> counts;
  for (int64_t r = 0; r < n; ++r) ++counts[column[r * stride]];
  if (counts.size() <= 1) return true;
  int64_t first = 0, second = 0;
  for (const auto& [value, count] : counts) {
    if (count > first) {
      second = first;
      first = count;
    } else if (count > second) {
      second = count;
    }
  }
  const double freq_ratio =
      static_cast<double>(second) / static_cast<double>(first);
  const double unique_ratio =
      static_cast<double>(counts.size()) / static_cast<double>(n);
  return freq_ratio < o.freq_cut && unique_ratio < o.unique_cut;
}

}  // namespace

std::vector<int64_t> SelectFeatures(const at::Tensor& x,
                                    const FeatureSelectOptions& options) {
  TORCH_CHECK(x.dim() == 2 && x.size(0) >= 2,
              "SelectFeatures: need a [rows >= 2, features] matrix, got ",
              x.sizes());
  const torch::Tensor v = x.to(torch::kFloat64).contiguous();
  const int64_t n = v.size(0), f = v.size(1);
  std::vector<int64_t> candidates;
  for (int64_t k = 0; k < f; ++k) {
    if (!NearConstant(v.data_ptr<double>() + k, n, f, options)) {
      candidates.push_back(k);
    }
  }
  if (candidates.empty()) return {0};

  const torch::Tensor c =
      v.index_select(1, torch::tensor(candidates, torch::kLong));
  const torch::Tensor centred = c - c.mean(0, true);
  const torch::Tensor unit = centred / centred.norm(2, 0, true);
  const torch::Tensor r = unit.t().matmul(unit).abs().contiguous();
  const int64_t m = r.size(0);
  const torch::Tensor mean_abs_tensor = r.mean(1).contiguous();
  const std::vector<double> mean_abs(mean_abs_tensor.data_ptr<double>(),
                                     mean_abs_tensor.data_ptr<double>() + m);
  const double* rr = r.data_ptr<double>();
  std::vector<std::tuple<double, int64_t, int64_t>> pairs;
  for (int64_t a = 0; a < m; ++a) {
    for (int64_t b = a + 1; b < m; ++b) {
      if (rr[a * m + b] > options.correlation_threshold) {
        pairs.emplace_back(rr[a * m + b], a, b);
      }
    }
  }
  std::stable_sort(pairs.begin(), pairs.end(),
                   [](const auto& p, const auto& q) {
                     return std::get<0>(p) > std::get<0>(q);
                   });
  std::vector<bool> dropped(static_cast<size_t>(m), false);
  for (const auto& [corr, a, b] : pairs) {
    if (dropped[static_cast<size_t>(a)] || dropped[static_cast<size_t>(b)]) {
      continue;
    }
    const bool drop_a =
        mean_abs[static_cast<size_t>(a)] > mean_abs[static_cast<size_t>(b)];
    dropped[static_cast<size_t>(drop_a ? a : b)] = true;
  }
  std::vector<int64_t> keep;
  for (int64_t k = 0; k < m; ++k) {
    if (!dropped[static_cast<size_t>(k)]) keep.push_back(candidates[k]);
  }
  return keep;
}

}  // namespace micon
