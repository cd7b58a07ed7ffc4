// percent_replicating.h: percent replicating as cytominer-eval defines it
// (replicate_reproducibility), at the level of pairs.
//
//   at::Tensor r = PearsonSimilarity(profiles);                 // [n, n]
//   PercentReplicating p = ComputePercentReplicating(r, keys);  // keys[i]: row
//   p.score, p.threshold, p.medians[0].group                    // i's group
//
// Every unordered pair of distinct rows is a replicate pair when both rows
// have the same group key (the caller joins the group columns as text, so
// empty values form one group), else a non-replicate pair. The threshold is
// the `quantile` of the non-replicate similarities (linear interpolation, as
// pandas), and the score is the share of replicate pairs strictly above it.
// Reproduces cytominer-eval's values on its SQ00015054 example exactly
// (tests/core/metrics/percent_replicating_test.cc).
//
// StreamPercentReplicating computes the same from the profiles without the
// n x n matrix: it visits the Pearson tiles (similarity_tiles.h), rows in
// parallel, once when a seeded sample of pairs (2^20, more on screens of
// over 10^5 rows, up to 2^25) predicts where the
// quantile and the large groups' medians lie (the pass counts every value and
// keeps the exact ones there; the counts then prove the prediction held),
// else twice: pass 1 counts the non-replicate similarities in buckets, pass
// 2 keeps only those near the quantile (two_pass_order_statistics.h). Small
// replicate groups' similarities come from their members directly; large
// groups (a screen's controls) are streamed like the non-replicates and kept
// near the threshold and their median. The
// threshold, score and medians are exact: those of ExactSimilarity's values,
// which differ from a BLAS matrix's by rounding only.
#ifndef MICON_CORE_METRICS_PERCENT_REPLICATING_H_
#define MICON_CORE_METRICS_PERCENT_REPLICATING_H_

#include <ATen/core/Tensor.h>

#include <cstdint>
#include <string>
#include <vector>

#include "core/metrics/shard_reducer.h"
#include "core/metrics/similarity_tiles.h"

namespace micon {

struct ReplicateGroupMedian {
  std::string group;
  double median = 0;  // of the group's replicate-pair similarities
  int64_t pairs = 0;
};

struct PercentReplicating {
  double score = 0;
  double threshold = 0;
  int64_t replicate_pairs = 0;
  int64_t non_replicate_pairs = 0;
  std::vector<ReplicateGroupMedian> medians;  // highest median first
};

PercentReplicating ComputePercentReplicating(
    const at::Tensor& similarity, const std::vector<std::string>& group_keys,
    double quantile = 0.95);

PercentReplicating StreamPercentReplicating(
    const at::Tensor& profiles, const std::vector<std::string>& group_keys,
    double quantile, const TileOptions& tiles);
// This shard's tiles only (tiles.shard of tiles.shards), combined with the
// other shards' through `shards`; every shard returns the whole result.
// `pilot_pairs`: the least size of the seeded sample that predicts the
// windows of the one-pass path (0: always two passes). The result does not
// depend on it.
inline constexpr int64_t kPercentReplicatingPilotPairs = int64_t{1} << 20;
PercentReplicating StreamPercentReplicating(
    const at::Tensor& profiles, const std::vector<std::string>& group_keys,
    double quantile, const TileOptions& tiles, ShardReducer& shards,
    int64_t pilot_pairs = kPercentReplicatingPilotPairs);

// Bytes StreamPercentReplicating holds besides its tiles: the similarities of
// the small replicate groups and the buckets.
int64_t PercentReplicatingBytes(const std::vector<std::string>& group_keys);

// The q-quantile of `values` with linear interpolation between order
// statistics (pandas' and NumPy's default). `values` is sorted in place.
double LinearQuantile(std::vector<double>& values, double q);

}  // namespace micon

#endif  // MICON_CORE_METRICS_PERCENT_REPLICATING_H_
