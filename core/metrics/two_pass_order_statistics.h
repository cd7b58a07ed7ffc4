// two_pass_order_statistics.h: exact order statistics of a set of
// similarities too large to store, which can be streamed twice (as tiles of
// similarity_tiles.h stream them), with an approximate value per element and
// its exact value on demand.
//
//   TwoPassOrderStatistics s(/*buckets=*/1 << 20, margin);
//   for each element: s.Count(approx);                       // pass 1
//   s.EndCount();  s.WantQuantile(0.95);  s.WantAround(lo, hi);
//   for each element: s.Observe(approx, [&] { return exact; });  // pass 2
//   double v = s.Quantile(0.95);  int64_t n = s.CountAbove(t);  // after
//
// A pass may be split: EmptyCopy() gives each thread its own copy to count or
// observe into, Merge() adds it back, and ReduceCounts / ReduceKept combine
// the shards of several processes (shard_reducer.h). Counts add and kept
// values join, so a split pass ends in the state of an unsplit one.
//
// Why it is exact: pass 1 counts the approximate values in uniform buckets
// over [-1, 1]. A wanted rank r lies in bucket b: fewer than r+1 approximate
// values fall below b's lower edge e, and every value whose exact value is
// below e - margin has its approximate value below e. So the r-th exact value
// is at least e - margin, and likewise at most b's upper edge + margin. Pass 2
// keeps the exact value of every element whose approximate value lies within
// the bucket widened by 2 x margin (a window), and counts the elements outside
// each window. Those below a window are exactly below e - margin, those kept
// are exactly above it: the r-th value is the (r - below)-th kept one. The
// same holds for CountAbove(t) where t lies in a window's core, which
// WantAround reserves. Select and CountAbove check that what they need was
// kept, so a misuse fails rather than answers wrongly. The same argument
// holds for windows chosen before any counting (a prediction, e.g. from a
// sample): whether each wanted rank then fell inside a window is known after
// the one pass, and a miss is reported (Holds), never answered.
#ifndef MICON_CORE_METRICS_TWO_PASS_ORDER_STATISTICS_H_
#define MICON_CORE_METRICS_TWO_PASS_ORDER_STATISTICS_H_

#include <cmath>
#include <cstdint>
#include <utility>
#include <vector>

#include "core/metrics/shard_reducer.h"

namespace micon {

class TwoPassOrderStatistics {
 public:
  TwoPassOrderStatistics(int64_t buckets, double margin);

  // Same buckets, margin and windows; nothing counted, observed or kept.
  TwoPassOrderStatistics EmptyCopy() const;
  // Adds an EmptyCopy's counts (pass 1) or its gaps and kept values (pass 2).
  void Merge(const TwoPassOrderStatistics& part);
  // Every shard's counts summed, on every shard (pass 1, before EndCount).
  void ReduceCounts(ShardReducer& shards);
  // Every shard's gaps summed and kept values joined (after pass 2).
  void ReduceKept(ShardReducer& shards);

  // Pass 1.
  void Count(double approx) { ++counts_[Bucket(approx)]; }
  int64_t size() const { return total_; }
  // Ends pass 1 (after every Count); sums the buckets.
  void EndCount();

  // Between the passes. The core (approximate value interval) of the bucket
  // holding `rank` (0-based, ascending), which pass 2 keeps.
  std::pair<double, double> Want(int64_t rank);
  // Keeps the values near [lo, hi], so that CountAbove(t) works for t in it.
  void WantAround(double lo, double hi);
  // How many elements pass 2 will keep (from pass 1's counts), for a memory
  // check before it starts.
  int64_t ToKeep() const;

  // Pass 2: `exact()` is called only for the elements kept.
  template <typename ExactValue>
  void Observe(double approx, const ExactValue& exact) {
    for (size_t w = 0; w < windows_.size(); ++w) {
      if (approx < windows_[w].lo) {
        ++gaps_[w];
        return;
      }
      if (approx <= windows_[w].hi) {
        windows_[w].kept.push_back(exact());
        return;
      }
    }
    ++gaps_.back();
  }

  // One pass instead of two, when the windows are predicted (WantAround)
  // before it: Observe alone, then EndObserve. Whether the prediction held
  // shows after it: Holds, HoldsQuantile, Covers.
  // The one pass in bulk, for a statistic with a single predicted window:
  // its bounds, the elements seen below and above it, the exact values of
  // those inside it; EndObserve (after ReduceKept) then totals them, as
  // EndCount would have.
  std::pair<double, double> OnlyWindow() const;
  void AddOutside(int64_t below, int64_t above);
  void Keep(double exact) { windows_.front().kept.push_back(exact); }
  void EndObserve();

  // After pass 2 (or the one pass). Whether Select(rank), Quantile(q) and
  // CountAbove(t) can answer; they fail loudly where these say false.
  bool Holds(int64_t rank);
  bool HoldsQuantile(double q);
  bool Covers(double t) const;
  double Select(int64_t rank);
  // The q-quantile with linear interpolation (LinearQuantile's rule); its two
  // ranks must have been wanted (WantQuantile does that).
  double Quantile(double q);
  std::pair<double, double> WantQuantile(double q);
  // Elements whose exact value is > t; t must lie in a wanted core.
  int64_t CountAbove(double t);

 private:
  struct Window {
    double lo = 0, hi = 0;     // approximate values kept in pass 2
    std::vector<double> kept;  // their exact values
  };
  // The window and the rank of its first element, for an exact value `v`
  // that must lie at least a margin inside a window.
  std::pair<const Window*, int64_t> Inside(double v, const char* what);
  // The window that kept the element of rank `rank` and that element's exact
  // value; no window (nullptr) when pass 2 kept no element of that rank.
  std::pair<const Window*, double> Ranked(int64_t rank);
  int64_t Bucket(double approx) const {
    // Uniform over [-1, 1]; the end buckets reach to -inf and +inf (Edge), so
    // a value rounded past +-1 still lies in its bucket.
    const double b = std::floor((approx + 1) * half_buckets_);
    if (!(b >= 0)) return 0;  // also NaN, which unit rows never give
    return b < last_ ? static_cast<int64_t>(b) : static_cast<int64_t>(last_);
  }
  double Edge(int64_t bucket) const;
  void AddWindow(double core_lo, double core_hi);
  void SortOnce();

  double margin_;
  double half_buckets_;  // buckets / 2
  double last_;          // buckets - 1
  std::vector<int64_t> counts_;
  std::vector<int64_t> cumulative_;  // elements in buckets < b
  int64_t total_ = 0;
  std::vector<Window> windows_;  // ascending, more than 2 margins apart
  // Pass 2's elements outside every window: [w] below window w (and above
  // w - 1), the last above every window.
  std::vector<int64_t> gaps_;
  bool sorted_ = false;
};

}  // namespace micon

#endif  // MICON_CORE_METRICS_TWO_PASS_ORDER_STATISTICS_H_
