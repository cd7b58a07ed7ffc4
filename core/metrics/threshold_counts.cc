#include "core/metrics/threshold_counts.h"

#include <algorithm>

namespace micon {

// Bodies written for the vectoriser: every test is a 0/1 value added to a
// count, so each iteration is the same straight-line code for every lane.
#if defined(__GNUC__) && defined(__x86_64__) && !defined(__clang__)
#define MICON_VECTOR_CLONES \
  __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define MICON_VECTOR_CLONES
#endif

MICON_VECTOR_CLONES
ThresholdCounts CountAboveThresholds(
    const CodedSegment& segment, const double (&near_low)[kThresholdsPerPass],
    const double (&above)[kThresholdsPerPass], uint8_t* near) {
  const double* values = segment.values;
  const int64_t* code = segment.code;
  const int64_t own = segment.own;
  int64_t controls[kThresholdsPerPass] = {};
  int64_t negatives[kThresholdsPerPass] = {};
  int64_t unsure[kThresholdsPerPass] = {};
  for (int64_t block = 0; block * kNearBlock < segment.count; ++block) {
    const int64_t begin = block * kNearBlock;
    const int64_t end = std::min(segment.count, begin + kNearBlock);
    int64_t block_unsure = 0;
    for (int64_t c = begin; c < end; ++c) {
      const double v = values[c];
      const int64_t is_control = code[c] < 0;
      const int64_t is_negative = (code[c] >= 0) & (code[c] != own);
      const int64_t counted = is_control | is_negative;
      for (int t = 0; t < kThresholdsPerPass; ++t) {
        const int64_t is_above = v > above[t];
        const int64_t is_near = (v >= near_low[t]) & (v <= above[t]) & counted;
        controls[t] += is_above & is_control;
        negatives[t] += is_above & is_negative;
        unsure[t] += is_near;
        block_unsure |= is_near;
      }
    }
    near[block] = static_cast<uint8_t>(block_unsure);
  }
  ThresholdCounts out;
  for (int t = 0; t < kThresholdsPerPass; ++t) {
    out.controls[t] = controls[t];
    out.negatives[t] = negatives[t];
    out.unsure[t] = unsure[t];
  }
  return out;
}

MICON_VECTOR_CLONES
ExcludingCounts CountNegativesAbove(const CodedSegment& segment,
                                    const int64_t* group, int64_t own_group,
                                    double near_low, double above,
                                    uint8_t* near) {
  const double* values = segment.values;
  const int64_t* code = segment.code;
  const int64_t own = segment.own;
  // Without exclusion groups every column is in a group of its own.
  const int64_t* groups = group != nullptr ? group : code;
  const int64_t excluded = group != nullptr ? own_group : own;
  int64_t negatives = 0, unsure = 0;
  for (int64_t block = 0; block * kNearBlock < segment.count; ++block) {
    const int64_t begin = block * kNearBlock;
    const int64_t end = std::min(segment.count, begin + kNearBlock);
    int64_t block_unsure = 0;
    for (int64_t c = begin; c < end; ++c) {
      const double v = values[c];
      const int64_t counted =
          (code[c] >= 0) & (code[c] != own) & (groups[c] != excluded);
      const int64_t is_near = (v >= near_low) & (v <= above) & counted;
      negatives += (v > above) & counted;
      unsure += is_near;
      block_unsure |= is_near;
    }
    near[block] = static_cast<uint8_t>(block_unsure);
  }
  return {negatives, unsure};
}

MICON_VECTOR_CLONES
WindowCounts CountAroundWindow(const double* values, const int64_t* group,
                               int64_t count, int64_t own_group, double low,
                               double high, uint8_t* near) {
  int64_t below = 0, above = 0;
  for (int64_t block = 0; block * kNearBlock < count; ++block) {
    const int64_t begin = block * kNearBlock;
    const int64_t end = std::min(count, begin + kNearBlock);
    int64_t block_near = 0;
    for (int64_t c = begin; c < end; ++c) {
      const double v = values[c];
      const int64_t counted = group[c] != own_group;
      below += (v < low) & counted;
      above += (v > high) & counted;
      block_near |= (v >= low) & (v <= high) & counted;
    }
    near[block] = static_cast<uint8_t>(block_near);
  }
  return {below, above};
}

}  // namespace micon
