#include "core/metrics/profile_similarity.h"

#include <torch/torch.h>

namespace micon {

at::Tensor UnitRows(const at::Tensor& x) {
  TORCH_CHECK(x.dim() == 2, "profiles must be [rows, features], got ",
              x.sizes());
  const at::Tensor d = x.to(torch::kFloat64);
  const at::Tensor norm = d.norm(2, /*dim=*/1, /*keepdim=*/true);
  // Rows without direction become zero rows: similarity 0 to everything.
  return torch::where(norm > 0, d / norm.clamp_min(1e-300),
                      torch::zeros_like(d));
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
