// feature_selection.h: which features of a profile matrix carry information,
// after pycytominer's feature_select (variance_threshold and
// correlation_threshold operations).
//
//   std::vector<int64_t> keep = SelectFeatures(x, {});   // column indices
//   at::Tensor y = x.index_select(1, torch::tensor(keep));
//
// Over all rows:
//  - near-constant features go: those whose second most frequent value
//    occurs less than `freq_cut` times as often as the most frequent one AND
//    whose distinct values are fewer than `unique_cut` of the rows
//    (pycytominer's defaults 0.05 and 0.01); features with a single value go
//    always;
//  - of every pair correlated above `correlation_threshold` (absolute
//    Pearson), one goes: pairs are visited from the most correlated down, and
//    the member with the larger mean absolute correlation to all features is
//    dropped unless either is already gone. pycytominer's tie-breaking
//    differs in detail, so the kept set can differ from its in the order of
//    near-equal pairs.
// Kept indices are returned in ascending order; at least one feature stays.
#ifndef MICON_CORE_METRICS_FEATURE_SELECTION_H_
#define MICON_CORE_METRICS_FEATURE_SELECTION_H_

#include <ATen/core/Tensor.h>

#include <cstdint>
#include <vector>

namespace micon {

struct FeatureSelectOptions {
  double freq_cut = 0.05;
  double unique_cut = 0.01;
  double correlation_threshold = 0.9;
};

std::vector<int64_t> SelectFeatures(const at::Tensor& x,
                                    const FeatureSelectOptions& options);

}  // namespace micon

#endif  // MICON_CORE_METRICS_FEATURE_SELECTION_H_
