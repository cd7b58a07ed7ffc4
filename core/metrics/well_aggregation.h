// well_aggregation.h: per-image vectors reduced to one profile per well.
//
//   std::vector<int64_t> well_of_image = {0, 0, 1, 1, 1};
//   at::Tensor profiles = AggregateByGroup(h, well_of_image, /*groups=*/2,
//                                          Aggregation::kMedian);   // [2, D]
//
// kMean is the paper's well profile; kMedian (pycytominer's default for
// CellProfiler single cells) resists an out-of-focus or empty field. The
// median of an even count is the mean of the two middle values, as numpy's
// and pandas' are. Computed in float64; every group must have a row.
#ifndef MICON_CORE_METRICS_WELL_AGGREGATION_H_
#define MICON_CORE_METRICS_WELL_AGGREGATION_H_

#include <ATen/core/Tensor.h>

#include <cstdint>
#include <string>
#include <vector>

#include "core/enum_names.h"

namespace micon {

enum class Aggregation { kMean, kMedian };

inline constexpr EnumName<Aggregation> kAggregationNames[] = {
    {"mean", Aggregation::kMean}, {"median", Aggregation::kMedian}};

// `values` [N, D]; `group_of_row` [N] in [0, groups). Returns [groups, D]
// float64.
at::Tensor AggregateByGroup(const at::Tensor& values,
                            const std::vector<int64_t>& group_of_row,
                            int64_t groups, Aggregation aggregation);

}  // namespace micon

#endif  // MICON_CORE_METRICS_WELL_AGGREGATION_H_
