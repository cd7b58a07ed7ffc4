#include "core/metrics/streamed_replicate_ranks.h"

#include <c10/util/Exception.h>

#include <algorithm>
#include <limits>
#include <map>

#include "core/metrics/average_precision.h"
#include "core/metrics/profile_similarity.h"
#include "core/metrics/threshold_counts.h"
#include "core/openmp_parallel.h"

namespace micon {
namespace {

// The first replicate under one exclusion: the replicate of highest exact
// similarity, the lowest row on ties, and how many candidates rank ahead.
struct FirstReplicate {
  double similarity = -std::numeric_limits<double>::infinity();
  int64_t row = -1;  // -1: no replicate left to find
  int64_t ahead = 0;
};

struct QueryState {
  std::vector<double> replicates;  // exact similarities, descending
  // [m]: negatives ranked behind replicate m - 1 and ahead of replicate m
  // (ties rank replicates first), for controls and for other compounds.
  std::vector<int64_t> ahead_of_controls, ahead_of_compounds;
  std::vector<FirstReplicate> first;  // per exclusion
};

class RankAccumulator {
 public:
  RankAccumulator(const at::Tensor& unit, const RankRoles& roles,
                  const TileOptions& tiles)
      : roles_(roles),
        exact_(unit),
        margin_(TileMargin(tiles.precision, unit.size(1))) {
    const int64_t n = static_cast<int64_t>(roles.compound.size());
    std::map<int64_t, std::vector<int64_t>> members;  // treated, per compound
    for (int64_t r = 0; r < n; ++r) {
      if (!roles.control[r]) members[roles.compound[r]].push_back(r);
    }
    code_.resize(n);
    for (int64_t r = 0; r < n; ++r) {
      TORCH_CHECK(roles.control[r] || roles.compound[r] >= 0, "treated row ", r,
                  " has a negative compound id ", roles.compound[r]);
      code_[r] = roles.control[r] ? -1 : roles.compound[r];
    }
    slot_.assign(n, -1);
    for (int64_t r = 0; r < n; ++r) {
      if (!roles.query[r]) continue;
      TORCH_CHECK(!roles.control[r], "row ", r, " is a control and a query");
      slot_[r] = static_cast<int64_t>(rows_.size());
      rows_.push_back(r);
    }
    states_.resize(rows_.size());
    at::parallel_for(0, static_cast<int64_t>(rows_.size()), 64,
                     [&](int64_t begin, int64_t end) {
                       for (int64_t q = begin; q < end; ++q) {
                         Init(rows_[q], members.at(roles.compound[rows_[q]]),
                              states_[q]);
                       }
                     });
  }

  void Row(int64_t i, int64_t col0, const double* values, int64_t count) {
    if (slot_[i] < 0) return;
    QueryState& q = states_[slot_[i]];
    if (q.replicates.empty()) return;  // nothing to rank, nothing to find
    const CodedSegment segment{values, code_.data() + col0, count, code_[i]};
    std::vector<uint8_t> near(static_cast<size_t>(NearBlocks(count)));
    CountAheadOfReplicates(q, i, col0, segment, near.data());
    for (size_t m = 0; m < q.first.size(); ++m) {
      CountAheadOfFirst(q.first[m], roles_.exclusions[m], i, col0, segment,
                        near.data());
    }
  }

  // Every shard's counts summed into this one's.
  void Reduce(ShardReducer& shards) {
    std::vector<int64_t> counts;
    const auto each_count = [&](const auto& use) {
      for (QueryState& q : states_) {
        for (int64_t& c : q.ahead_of_controls) use(c);
        for (int64_t& c : q.ahead_of_compounds) use(c);
        for (FirstReplicate& f : q.first) use(f.ahead);
      }
    };
    each_count([&](int64_t& c) { counts.push_back(c); });
    shards.Sum(counts);
    size_t k = 0;
    each_count([&](int64_t& c) { c = counts[k++]; });
  }

  QueryRanks Finish() {
    QueryRanks out;
    out.rows = rows_;
    out.first_hit.assign(roles_.exclusions.size(), {});
    for (const QueryState& q : states_) {
      for (size_t m = 0; m < q.first.size(); ++m) {
        out.first_hit[m].push_back(q.first[m].row < 0 ? -1 : q.first[m].ahead);
      }
      out.replicates.push_back(static_cast<int64_t>(q.replicates.size()));
      out.ap_vs_controls.push_back(
          AveragePrecisionFromGaps(q.ahead_of_controls));
      out.ap_vs_compounds.push_back(
          AveragePrecisionFromGaps(q.ahead_of_compounds));
    }
    return out;
  }

 private:
  void Init(int64_t i, const std::vector<int64_t>& members, QueryState& q) {
    q.first.assign(roles_.exclusions.size(), {});
    for (int64_t j : members) {
      if (j == i) continue;
      const double s = exact_(i, j);
      q.replicates.push_back(s);
      for (size_t m = 0; m < q.first.size(); ++m) {
        const std::vector<int64_t>& group = roles_.exclusions[m];
        if (!group.empty() && group[j] == group[i]) continue;
        FirstReplicate& f = q.first[m];
        // Members ascend, so the first of equal similarities stays.
        if (f.row < 0 || s > f.similarity) f = {s, j, 0};
      }
    }
    std::sort(q.replicates.begin(), q.replicates.end(), std::greater<>());
    q.ahead_of_controls.assign(q.replicates.size(), 0);
    q.ahead_of_compounds.assign(q.replicates.size(), 0);
  }

  // A negative x ranks ahead of replicate m when x > r_m (ties rank the
  // replicate first), so with G_m = #{negatives x > r_m}, the negatives
  // between replicates m - 1 and m number G_m - G_{m-1}. G comes from the
  // tile values, decided exactly within the margin.
  void CountAheadOfReplicates(QueryState& q, int64_t i, int64_t col0,
                              const CodedSegment& segment,
                              uint8_t* near) const {
    const int64_t p = static_cast<int64_t>(q.replicates.size());
    int64_t controls_before = 0, negatives_before = 0;  // G_{m-1}
    for (int64_t first = 0; first < p; first += kThresholdsPerPass) {
      const int used =
          static_cast<int>(std::min<int64_t>(kThresholdsPerPass, p - first));
      double near_low[kThresholdsPerPass], above[kThresholdsPerPass];
      for (int t = 0; t < kThresholdsPerPass; ++t) {
        const double r = t < used ? q.replicates[first + t] : 0.0;
        near_low[t] = t < used ? r - margin_ : kNever;
        above[t] = t < used ? r + margin_ : kNever;
      }
      ThresholdCounts counts =
          CountAboveThresholds(segment, near_low, above, near);
      if (std::any_of(counts.unsure, counts.unsure + used,
                      [](int64_t u) { return u > 0; })) {
        ForEachFlagged(segment, near, [&](int64_t c) {
          const double v = segment.values[c];
          double exact = kNever;  // computed once, if any threshold needs it
          for (int t = 0; t < used; ++t) {
            if (v < near_low[t] || v > above[t]) continue;
            if (exact == kNever) exact = exact_(i, col0 + c);
            if (exact > q.replicates[first + t]) {
              ++(segment.code[c] < 0 ? counts.controls[t]
                                     : counts.negatives[t]);
            }
          }
        });
      }
      for (int t = 0; t < used; ++t) {
        const int64_t m = first + t;
        q.ahead_of_controls[m] += counts.controls[t] - controls_before;
        q.ahead_of_compounds[m] += counts.negatives[t] - negatives_before;
        controls_before = counts.controls[t];
        negatives_before = counts.negatives[t];
      }
    }
  }

  // Negatives outside the query's exclusion group ranked ahead of its first
  // replicate under that exclusion: exact value above it, or equal and of a
  // lower row.
  void CountAheadOfFirst(FirstReplicate& f, const std::vector<int64_t>& group,
                         int64_t i, int64_t col0, const CodedSegment& segment,
                         uint8_t* near) const {
    if (f.row < 0) return;
    const int64_t* column_group = group.empty() ? nullptr : group.data() + col0;
    const int64_t own_group = group.empty() ? 0 : group[i];
    const double near_low = f.similarity - margin_;
    const double above = f.similarity + margin_;
    const ExcludingCounts counts = CountNegativesAbove(
        segment, column_group, own_group, near_low, above, near);
    f.ahead += counts.negatives;
    if (counts.unsure == 0) return;
    ForEachFlagged(segment, near, [&](int64_t c) {
      const double v = segment.values[c];
      if (v < near_low || v > above || segment.code[c] < 0) return;
      if (column_group != nullptr && column_group[c] == own_group) return;
      const int64_t j = col0 + c;
      const double e = exact_(i, j);
      if (e > f.similarity || (e == f.similarity && j < f.row)) ++f.ahead;
    });
  }

  // Calls use(c) for the controls and negatives of the segment in the blocks
  // `near` flags: the few that may need their exact value.
  template <typename Use>
  static void ForEachFlagged(const CodedSegment& segment, const uint8_t* near,
                             const Use& use) {
    for (int64_t block = 0; block < NearBlocks(segment.count); ++block) {
      if (!near[block]) continue;
      const int64_t end = std::min(segment.count, (block + 1) * kNearBlock);
      for (int64_t c = block * kNearBlock; c < end; ++c) {
        const int64_t code = segment.code[c];
        if (code >= 0 && code == segment.own) continue;
        use(c);
      }
    }
  }

  // A threshold no value passes: the unused lanes of a pass.
  static constexpr double kNever = std::numeric_limits<double>::infinity();

  const RankRoles& roles_;
  const ExactSimilarity exact_;
  const double margin_;
  std::vector<int64_t> code_;  // per row: -1 control, else its compound
  std::vector<int64_t> slot_;  // row -> query index, -1 for non-queries
  std::vector<int64_t> rows_;
  std::vector<QueryState> states_;
};

void CheckRoles(const RankRoles& roles, int64_t n) {
  const auto size = [](const auto& v) {
    return static_cast<int64_t>(v.size());
  };
  TORCH_CHECK(size(roles.compound) == n && size(roles.control) == n &&
                  size(roles.query) == n,
              "roles must have one compound, control and query flag per row (",
              n, " rows)");
  for (const std::vector<int64_t>& g : roles.exclusions) {
    TORCH_CHECK(g.empty() || size(g) == n,
                "an exclusion must have one group per row (", n, " rows)");
  }
}

}  // namespace

QueryRanks StreamReplicateRanks(const at::Tensor& profiles,
                                const RankRoles& roles,
                                const TileOptions& tiles) {
  SingleShard one;
  return StreamReplicateRanks(profiles, roles, tiles, one);
}

QueryRanks StreamReplicateRanks(const at::Tensor& profiles,
                                const RankRoles& roles,
                                const TileOptions& all_tiles,
                                ShardReducer& shards) {
  const TileOptions tiles = ShardTiles(all_tiles, shards);
  TORCH_CHECK(profiles.dim() == 2, "profiles must be [rows, features], got ",
              profiles.sizes());
  CheckRoles(roles, profiles.size(0));
  const at::Tensor unit = UnitRows(profiles);
  RankAccumulator ranks(unit, roles, tiles);
  return AccumulateOrderedRows(unit, tiles, shards, ranks);
}

int64_t ReplicateRankBytes(const RankRoles& roles) {
  std::map<int64_t, int64_t> treated;
  for (size_t r = 0; r < roles.compound.size(); ++r) {
    if (!roles.control[r]) ++treated[roles.compound[r]];
  }
  int64_t bytes = 0;
  for (size_t r = 0; r < roles.compound.size(); ++r) {
    if (!roles.query[r]) continue;
    const int64_t replicates = treated[roles.compound[r]] - 1;
    bytes += 3 * 8 * replicates + 128 +
             static_cast<int64_t>(roles.exclusions.size()) * 24;
  }
  return bytes;
}

}  // namespace micon
