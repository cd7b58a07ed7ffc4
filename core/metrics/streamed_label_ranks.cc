#include "core/metrics/streamed_label_ranks.h"

#include <c10/util/Exception.h>

#include <algorithm>
#include <map>

#include "core/metrics/average_precision.h"
#include "core/metrics/profile_similarity.h"
#include "core/openmp_parallel.h"

namespace micon {
namespace {

struct LabelState {
  int64_t label = 0;
  std::vector<double> positives;  // exact similarities, ascending
  // [m]: negatives ranked behind positive m - 1 and ahead of positive m, in
  // rank order (descending similarity; ties rank positives first).
  std::vector<int64_t> ahead;
};

struct QueryState {
  std::vector<int64_t> related;  // rows sharing a label with it, itself too
  std::vector<LabelState> labels;
};

std::vector<std::vector<int64_t>> DistinctLabels(
    const std::vector<std::vector<int64_t>>& labels) {
  std::vector<std::vector<int64_t>> out = labels;
  for (size_t r = 0; r < out.size(); ++r) {
    std::sort(out[r].begin(), out[r].end());
    out[r].erase(std::unique(out[r].begin(), out[r].end()), out[r].end());
    TORCH_CHECK(out[r].empty() || out[r].front() >= 0, "row ", r,
                " has a negative label id ", out[r].front());
  }
  return out;
}

// Rows per label, ascending.
std::map<int64_t, std::vector<int64_t>> Members(
    const std::vector<std::vector<int64_t>>& labels) {
  std::map<int64_t, std::vector<int64_t>> members;
  for (size_t r = 0; r < labels.size(); ++r) {
    for (int64_t l : labels[r]) members[l].push_back(static_cast<int64_t>(r));
  }
  return members;
}

class LabelRankAccumulator {
 public:
  LabelRankAccumulator(const at::Tensor& unit,
                       const std::vector<std::vector<int64_t>>& labels,
                       const TileOptions& tiles)
      : exact_(unit), margin_(TileMargin(tiles.precision, unit.size(1))) {
    const int64_t n = static_cast<int64_t>(labels.size());
    const std::map<int64_t, std::vector<int64_t>> members = Members(labels);
    slot_.assign(n, -1);
    for (int64_t r = 0; r < n; ++r) {
      const bool queries =
          std::any_of(labels[r].begin(), labels[r].end(),
                      [&](int64_t l) { return members.at(l).size() > 1; });
      if (!queries) continue;
      slot_[r] = static_cast<int64_t>(rows_.size());
      rows_.push_back(r);
    }
    states_.resize(rows_.size());
    at::parallel_for(0, static_cast<int64_t>(rows_.size()), 16,
                     [&](int64_t begin, int64_t end) {
                       for (int64_t q = begin; q < end; ++q) {
                         Init(rows_[q], labels[rows_[q]], members, states_[q]);
                       }
                     });
  }

  void Row(int64_t i, int64_t col0, const double* values, int64_t count) {
    if (slot_[i] < 0) return;
    QueryState& q = states_[slot_[i]];
    auto related = std::lower_bound(q.related.begin(), q.related.end(), col0);
    for (int64_t c = 0; c < count; ++c) {
      const int64_t j = col0 + c;
      if (related != q.related.end() && *related == j) {
        ++related;  // a positive, or neither for every label: not ranked here
        continue;
      }
      for (LabelState& s : q.labels) CountNegative(s, i, j, values[c]);
    }
  }

  void Reduce(ShardReducer& shards) {
    std::vector<int64_t> counts;
    for (const QueryState& q : states_) {
      for (const LabelState& s : q.labels) {
        counts.insert(counts.end(), s.ahead.begin(), s.ahead.end());
      }
    }
    shards.Sum(counts);
    size_t k = 0;
    for (QueryState& q : states_) {
      for (LabelState& s : q.labels) {
        for (int64_t& a : s.ahead) a = counts[k++];
      }
    }
  }

  std::vector<LabelQueryAp> Finish() const {
    const int64_t n = static_cast<int64_t>(slot_.size());
    std::vector<LabelQueryAp> out;
    for (size_t q = 0; q < rows_.size(); ++q) {
      const QueryState& state = states_[q];
      const int64_t negatives = n - static_cast<int64_t>(state.related.size());
      for (const LabelState& s : state.labels) {
        const int64_t p = static_cast<int64_t>(s.positives.size());
        out.push_back({rows_[q], s.label, AveragePrecisionFromGaps(s.ahead), p,
                       p + negatives});
      }
    }
    return out;
  }

 private:
  void Init(int64_t i, const std::vector<int64_t>& own,
            const std::map<int64_t, std::vector<int64_t>>& members,
            QueryState& q) const {
    for (int64_t l : own) {
      const std::vector<int64_t>& rows = members.at(l);
      q.related.insert(q.related.end(), rows.begin(), rows.end());
      if (rows.size() < 2) continue;
      LabelState s;
      s.label = l;
      for (int64_t j : rows) {
        if (j != i) s.positives.push_back(exact_(i, j));
      }
      std::sort(s.positives.begin(), s.positives.end());
      s.ahead.assign(s.positives.size(), 0);
      q.labels.push_back(std::move(s));
    }
    std::sort(q.related.begin(), q.related.end());
    q.related.erase(std::unique(q.related.begin(), q.related.end()),
                    q.related.end());
  }

  // A negative of exact similarity x ranks ahead of the positives below x
  // (ties rank the positive first); with G of them, it is ahead of the
  // positives from rank p - G on, so it adds to the gap before rank p - G.
  // G is decided on the tile value v when every positive lies clearly on one
  // side of it, on the exact value otherwise.
  void CountNegative(LabelState& s, int64_t i, int64_t j, double v) const {
    const auto below = [&](double x) {
      return std::lower_bound(s.positives.begin(), s.positives.end(), x) -
             s.positives.begin();
    };
    int64_t g = below(v + margin_);
    if (g == 0) return;
    if (below(v - margin_) != g) g = below(exact_(i, j));
    if (g == 0) return;
    ++s.ahead[s.positives.size() - static_cast<size_t>(g)];
  }

  const ExactSimilarity exact_;
  const double margin_;
  std::vector<int64_t> slot_;  // row -> query index, -1 for non-queries
  std::vector<int64_t> rows_;
  std::vector<QueryState> states_;
};

}  // namespace

std::vector<LabelQueryAp> StreamLabelRanks(
    const at::Tensor& profiles, const std::vector<std::vector<int64_t>>& labels,
    const TileOptions& tiles) {
  SingleShard one;
  return StreamLabelRanks(profiles, labels, tiles, one);
}

std::vector<LabelQueryAp> StreamLabelRanks(
    const at::Tensor& profiles,
    const std::vector<std::vector<int64_t>>& given_labels,
    const TileOptions& all_tiles, ShardReducer& shards) {
  const TileOptions tiles = ShardTiles(all_tiles, shards);
  TORCH_CHECK(profiles.dim() == 2, "profiles must be [rows, features], got ",
              profiles.sizes());
  TORCH_CHECK(static_cast<int64_t>(given_labels.size()) == profiles.size(0),
              "labels must have one set per row (", profiles.size(0),
              " rows), got ", given_labels.size());
  const std::vector<std::vector<int64_t>> labels = DistinctLabels(given_labels);
  const at::Tensor unit = UnitRows(profiles);
  LabelRankAccumulator ranks(unit, labels, tiles);
  return AccumulateOrderedRows(unit, tiles, shards, ranks);
}

int64_t LabelRankBytes(const std::vector<std::vector<int64_t>>& labels) {
  const std::vector<std::vector<int64_t>> distinct = DistinctLabels(labels);
  const std::map<int64_t, std::vector<int64_t>> members = Members(distinct);
  int64_t bytes = 0;
  for (const std::vector<int64_t>& own : distinct) {
    for (int64_t l : own) {
      const int64_t rows = static_cast<int64_t>(members.at(l).size());
      // Related rows, and for a label with positives their similarities and
      // gap counts.
      bytes += 8 * rows + (rows > 1 ? 16 * rows + 64 : 0);
    }
    bytes += 64;
  }
  return bytes;
}

}  // namespace micon
