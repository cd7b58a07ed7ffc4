// threshold_counts.h: the inner loops of streamed replicate ranking
// (streamed_replicate_ranks.cc): over one row segment of a similarity tile,
// how many columns of each kind lie certainly above a threshold, and how many
// lie within the tile margin of it and need their exact value.
//
// Columns are coded once per screen: a control is -1, a treated well its
// compound id (>= 0). Against query compound `own`, a column is a control, a
// negative (another compound) or excluded (a replicate, or the query itself).
// The loops are branch-free and compiled for AVX-512, AVX2 and baseline x86
// (target_clones): at 10^5 wells they visit 10^10 values, and a branch per
// value that goes either way at random cost more than the products did.
#ifndef MICON_CORE_METRICS_THRESHOLD_COUNTS_H_
#define MICON_CORE_METRICS_THRESHOLD_COUNTS_H_

#include <cstdint>

namespace micon {

inline constexpr int kThresholdsPerPass = 4;
// Unsure columns are flagged per block of this many, so that the exact pass
// after a count visits a few blocks, not the segment.
inline constexpr int64_t kNearBlock = 64;
inline int64_t NearBlocks(int64_t count) {
  return (count + kNearBlock - 1) / kNearBlock;
}

// One row segment: `count` tile values and the codes of their columns.
struct CodedSegment {
  const double* values;
  const int64_t* code;  // -1 control, else compound id
  int64_t count;
  int64_t own;  // the query's compound
};

// Per threshold t: columns with value > above[t] (certainly above the exact
// threshold), among controls and among negatives; and columns of either kind
// with value in [near_low[t], above[t]] (within the margin: unsure).
// near[b] (NearBlocks(count) of them) is nonzero when block b holds an unsure
// column of any threshold.
struct ThresholdCounts {
  int64_t controls[kThresholdsPerPass] = {};
  int64_t negatives[kThresholdsPerPass] = {};
  int64_t unsure[kThresholdsPerPass] = {};
};
ThresholdCounts CountAboveThresholds(
    const CodedSegment& segment, const double (&near_low)[kThresholdsPerPass],
    const double (&above)[kThresholdsPerPass], uint8_t* near);

// Negatives whose `group` differs from `own_group` (every negative when
// `group` is null) with value > above, and with value in [near_low, above];
// `near` flags the blocks of the latter, as above.
struct ExcludingCounts {
  int64_t negatives = 0;
  int64_t unsure = 0;
};
ExcludingCounts CountNegativesAbove(const CodedSegment& segment,
                                    const int64_t* group, int64_t own_group,
                                    double near_low, double above,
                                    uint8_t* near);

// Percent replicating's one pass (percent_replicating.cc): among the columns
// whose `group` differs from `own_group` (non-replicate pairs), how many lie
// below `low` and above `high`; `near` flags the blocks holding one in
// [low, high], whose exact values are kept.
struct WindowCounts {
  int64_t below = 0;
  int64_t above = 0;
};
WindowCounts CountAroundWindow(const double* values, const int64_t* group,
                               int64_t count, int64_t own_group, double low,
                               double high, uint8_t* near);

}  // namespace micon

#endif  // MICON_CORE_METRICS_THRESHOLD_COUNTS_H_
