// streamed_label_ranks.h: average precision when rows carry sets of labels
// (a compound's mechanisms of action or targets: "EGFR inhibitor|HER2
// inhibitor"), copairs' multilabel definition, computed from similarity
// tiles (similarity_tiles.h) so that no n x n matrix is held.
//
//   std::vector<std::vector<int64_t>> labels = {{0}, {0, 1}, {1}, {2}};
//   std::vector<LabelQueryAp> aps = StreamLabelRanks(consensus, labels, tiles);
//   aps[0]  // {row 0, label 0, AP of row 1 among row 0's candidates, ...}
//
// For row i and each label L of i that another row also carries, the
// positives are the other rows carrying L; the negatives are the rows that
// share no label with i. Rows that share another label with i but not L are
// neither: they are left out of that ranking (copairs' pos_sameby and
// neg_diffby on the label column). Ranked by cosine similarity, highest first,
// ties put positives first (average_precision.h). A row without labels is a
// negative of every query and queries nothing.
//
// As in streamed_replicate_ranks.h, every decision is made on
// ExactSimilarity's values: positives' similarities are computed exactly
// first, and a negative's tile value only decides where it is clearly on
// one side of them, so results do not depend on the tile size, precision or
// the number of shards.
#ifndef MICON_CORE_METRICS_STREAMED_LABEL_RANKS_H_
#define MICON_CORE_METRICS_STREAMED_LABEL_RANKS_H_

#include <ATen/core/Tensor.h>

#include <cstdint>
#include <vector>

#include "core/metrics/shard_reducer.h"
#include "core/metrics/similarity_tiles.h"

namespace micon {

struct LabelQueryAp {
  int64_t row = 0;
  int64_t label = 0;
  double ap = 0;
  int64_t positives = 0;
  int64_t candidates = 0;  // positives and negatives
};

// `labels[r]`: the label ids of row r (any order, repeats ignored, ids >= 0).
// One entry per (row, label) with a positive, rows ascending, then labels.
std::vector<LabelQueryAp> StreamLabelRanks(
    const at::Tensor& profiles, const std::vector<std::vector<int64_t>>& labels,
    const TileOptions& tiles);
// This shard's tiles only, combined with the other shards' through `shards`;
// every shard returns the whole result.
std::vector<LabelQueryAp> StreamLabelRanks(
    const at::Tensor& profiles, const std::vector<std::vector<int64_t>>& labels,
    const TileOptions& tiles, ShardReducer& shards);

// Bytes the per-query state takes (the rows related to each query, its
// positives' similarities and counts), for a memory budget.
int64_t LabelRankBytes(const std::vector<std::vector<int64_t>>& labels);

}  // namespace micon

#endif  // MICON_CORE_METRICS_STREAMED_LABEL_RANKS_H_
