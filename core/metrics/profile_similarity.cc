#include "core/metrics/profile_similarity.h"

#include <torch/torch.h>

namespace micon {

at::Tensor UnitRows(const at::Tensor& x) {
  TORCH_CHECK(x.dim() == 2, "profiles must be [rows, features], got ",
              x.sizes());
  const at::Tensor d = x.to(torch::kFloat64);
  // A row without direction stays a zero row (0 / 1e-300 is 0): similarity 0
  // to everything. One temporary the size of `x`, not three: this runs on
  // screens of 10^6 wells.
  return d / d.norm(2, /*dim=*/1, /*keepdim=*/true).clamp_min(1e-300);
}

at::Tensor CentredUnitRows(const at::Tensor& x) {
  TORCH_CHECK(x.dim() == 2, "profiles must be [rows, features], got ",
              x.sizes());
  const at::Tensor d = x.to(torch::kFloat64);
  return UnitRows(d - d.mean(/*dim=*/1, /*keepdim=*/true));
}

at::Tensor CosineSimilarity(const at::Tensor& a, const at::Tensor& b) {
  TORCH_CHECK(a.dim() == 2 && b.dim() == 2 && a.size(1) == b.size(1),
              "profiles must be [rows, features] with equal widths, got ",
              a.sizes(), " and ", b.sizes());
  return UnitRows(a).matmul(UnitRows(b).t());
}

at::Tensor PearsonSimilarity(const at::Tensor& x) {
  const at::Tensor centred = CentredUnitRows(x);
  return centred.matmul(centred.t());
}

}  // namespace micon
