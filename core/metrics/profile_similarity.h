// profile_similarity.h: similarity matrices between profiles (one row each),
// computed in float64 whatever the input precision.
//
//   at::Tensor s = CosineSimilarity(queries, candidates);  // [q, c]
//   at::Tensor r = PearsonSimilarity(profiles);            // [n, n]
//
// A zero row (cosine) or a constant row (Pearson) has no direction: its
// similarities are 0, never NaN, so it ranks as unrelated to everything.
#ifndef MICON_CORE_METRICS_PROFILE_SIMILARITY_H_
#define MICON_CORE_METRICS_PROFILE_SIMILARITY_H_

#include <ATen/core/Tensor.h>

namespace micon {

at::Tensor CosineSimilarity(const at::Tensor& a, const at::Tensor& b);
// Pearson correlation of every pair of rows (across features).
at::Tensor PearsonSimilarity(const at::Tensor& x);

// The rows both are products of: `x` in float64 with each row scaled to unit
// length (zero rows stay zero), and the same after centring each row.
at::Tensor UnitRows(const at::Tensor& x);
at::Tensor CentredUnitRows(const at::Tensor& x);

}  // namespace micon

#endif  // MICON_CORE_METRICS_PROFILE_SIMILARITY_H_
