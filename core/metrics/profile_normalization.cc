#include "core/metrics/profile_normalization.h"

#include <torch/torch.h>

#include <algorithm>
#include <map>

namespace micon {
namespace {

at::Tensor Rows(const std::vector<int64_t>& rows) {
  return torch::tensor(rows, torch::kLong);
}

// Median along dim 0 as NumPy and pandas define it (mean of the two middle
// values for an even count); torch's median returns the lower one.
at::Tensor ColumnMedian(const at::Tensor& x) {
  return torch::quantile(x, 0.5, /*dim=*/0);
}

}  // namespace

at::Tensor NormalizePerGroup(const at::Tensor& x,
                             const std::vector<std::string>& group,
                             const std::vector<bool>& control,
                             NormalizeMethod method) {
  TORCH_CHECK(x.dim() == 2, "profiles must be [rows, features], got ",
              x.sizes());
  const int64_t n = x.size(0);
  TORCH_CHECK(static_cast<int64_t>(group.size()) == n &&
                  static_cast<int64_t>(control.size()) == n,
              "need one group and one control flag per row (", n, " rows)");
  at::Tensor out = x.to(torch::kFloat64).clone();
  if (method == NormalizeMethod::kNone) return out;
  std::map<std::string, std::pair<std::vector<int64_t>, std::vector<int64_t>>>
      members;  // group -> (rows, control rows)
  for (int64_t r = 0; r < n; ++r) {
    auto& m = members[group[r]];
    m.first.push_back(r);
    if (control[r]) m.second.push_back(r);
  }
  for (const auto& [name, m] : members) {
    TORCH_CHECK(!m.second.empty(), "group '", name,
                "' has no control rows to fit the normalisation on");
    const at::Tensor ctrl = out.index_select(0, Rows(m.second));
    at::Tensor centre, scale;
    if (method == NormalizeMethod::kStandardize) {
      centre = ctrl.mean(0);
      scale = ctrl.std(0, /*unbiased=*/false);
      scale = torch::where(scale > 0, scale, torch::ones_like(scale));
    } else {
      centre = ColumnMedian(ctrl);
      scale = 1.4826 * ColumnMedian((ctrl - centre).abs()) + 1e-18;
    }
    const at::Tensor rows = Rows(m.first);
    out.index_copy_(0, rows, (out.index_select(0, rows) - centre) / scale);
  }
  return out;
}

at::Tensor ZcaSphere(const at::Tensor& x, const std::vector<bool>& control,
                     double epsilon) {
  TORCH_CHECK(x.dim() == 2, "profiles must be [rows, features], got ",
              x.sizes());
  TORCH_CHECK(static_cast<int64_t>(control.size()) == x.size(0),
              "need one control flag per row");
  std::vector<int64_t> rows;
  for (size_t r = 0; r < control.size(); ++r) {
    if (control[r]) rows.push_back(static_cast<int64_t>(r));
  }
  TORCH_CHECK(rows.size() >= 2, "sphering needs at least 2 control rows, got ",
              rows.size());
  const at::Tensor d = x.to(torch::kFloat64);
  const at::Tensor ctrl = d.index_select(0, Rows(rows));
  const at::Tensor mean = ctrl.mean(0);
  const at::Tensor centred = ctrl - mean;
  const at::Tensor cov =
      centred.t().matmul(centred) / static_cast<double>(rows.size() - 1);
  // The covariance is symmetric positive semi-definite: eigh is its SVD.
  auto [s, u] = torch::linalg_eigh(cov);
  const at::Tensor w =
      u.matmul(torch::diag(1.0 / torch::sqrt(s.clamp_min(0) + epsilon)))
          .matmul(u.t());
  return (d - mean).matmul(w);
}

at::Tensor ZcaSpherePerGroup(const at::Tensor& x,
                             const std::vector<std::string>& group,
                             const std::vector<bool>& control, double epsilon) {
  TORCH_CHECK(x.dim() == 2 && static_cast<int64_t>(group.size()) == x.size(0) &&
                  control.size() == group.size(),
              "need [rows, features] profiles with one group and one control "
              "flag per row, got ",
              x.sizes(), ", ", group.size(), " groups, ", control.size(),
              " flags");
  std::map<std::string, std::vector<int64_t>> rows_of;
  for (size_t r = 0; r < group.size(); ++r) {
    rows_of[group[r]].push_back(static_cast<int64_t>(r));
  }
  const at::Tensor d = x.to(torch::kFloat64);
  at::Tensor out = torch::empty_like(d);
  for (const auto& [name, rows] : rows_of) {
    std::vector<bool> group_control;
    for (int64_t r : rows) group_control.push_back(control[r]);
    TORCH_CHECK(
        std::count(group_control.begin(), group_control.end(), true) >= 2,
        "group '", name, "' has fewer than 2 control rows to sphere on");
    const at::Tensor index = Rows(rows);
    out.index_copy_(
        0, index, ZcaSphere(d.index_select(0, index), group_control, epsilon));
  }
  return out;
}

}  // namespace micon
