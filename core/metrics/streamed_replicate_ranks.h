// streamed_replicate_ranks.h: for every query well, where its replicates rank
// among all wells by cosine similarity, computed from tiles
// (similarity_tiles.h) so that no n x n matrix is held:
//  - the 0-based rank of its first replicate among the treated wells, under
//    each top-k exclusion (replicate_matching.h's definitions, ties keep
//    well order): top-k is the share of queries with a rank below k;
//  - the average precision of its replicates against the control wells and
//    against the other compounds' wells (average_precision.h's definition,
//    ties rank replicates first).
//
//   RankRoles roles{compound_ids, is_control, queries, {batch_ids}};
//   QueryRanks r = StreamReplicateRanks(profiles, roles, {.tile = 4096});
//   r.first_hit[0][q]   // rank of query q's first replicate, -1: none
//
// Every decision is made on ExactSimilarity's values, so the results do not
// depend on the tile size or precision: each query's replicate similarities
// are computed first, and a tile's value only decides where it is clearly
// on one side of them (similarity_tiles.h). A query's state is touched by
// its own row only, so rows run in parallel.
#ifndef MICON_CORE_METRICS_STREAMED_REPLICATE_RANKS_H_
#define MICON_CORE_METRICS_STREAMED_REPLICATE_RANKS_H_

#include <ATen/core/Tensor.h>

#include <cstdint>
#include <vector>

#include "core/metrics/shard_reducer.h"
#include "core/metrics/similarity_tiles.h"

namespace micon {

struct RankRoles {
  std::vector<int64_t> compound;  // per row: a compound id
  std::vector<uint8_t> control;   // 1: a control well (a negative for AP)
  std::vector<uint8_t> query;     // 1: a treated well that queries
  // One per top-k exclusion: a group id per row, and candidates in the
  // query's own group are left out (not same batch, not same source); an
  // empty vector leaves out only the query itself.
  std::vector<std::vector<int64_t>> exclusions;
};

struct QueryRanks {
  std::vector<int64_t> rows;  // the querying rows, ascending
  // [exclusion][query]: rank of the first replicate; -1 when no replicate
  // is left to find.
  std::vector<std::vector<int64_t>> first_hit;
  std::vector<int64_t> replicates;  // per query: other treated wells of its
                                    // compound
  // Per query; NaN without replicates.
  std::vector<double> ap_vs_controls;
  std::vector<double> ap_vs_compounds;
};

QueryRanks StreamReplicateRanks(const at::Tensor& profiles,
                                const RankRoles& roles,
                                const TileOptions& tiles);
// This shard's tiles only, combined with the other shards' through `shards`
// (shard_reducer.h); every shard returns the whole result.
QueryRanks StreamReplicateRanks(const at::Tensor& profiles,
                                const RankRoles& roles,
                                const TileOptions& tiles, ShardReducer& shards);

// Bytes the per-query state takes (its replicate similarities, rank counts),
// for a memory budget.
int64_t ReplicateRankBytes(const RankRoles& roles);

}  // namespace micon

#endif  // MICON_CORE_METRICS_STREAMED_REPLICATE_RANKS_H_
