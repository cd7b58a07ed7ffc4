#include "core/metrics/percent_replicating.h"

#include <ATen/Parallel.h>
#include <torch/torch.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <optional>

#include "core/metrics/profile_similarity.h"
#include "core/metrics/two_pass_order_statistics.h"

namespace micon {
namespace {

double Median(std::vector<double>& v) { return LinearQuantile(v, 0.5); }

// Replicate groups with more pairs than this are not stored but streamed
// twice, like the non-replicate pairs (a screen's control wells form one
// such group: 10^4 DMSO wells make 5 x 10^7 pairs).
constexpr int64_t kStoredPairs = int64_t{1} << 16;
constexpr int64_t kGroupBuckets = int64_t{1} << 12;
constexpr int64_t kNullBuckets = int64_t{1} << 16;

int64_t Pairs(int64_t rows) { return rows * (rows - 1) / 2; }

void SortByMedian(std::vector<ReplicateGroupMedian>& medians) {
  std::stable_sort(
      medians.begin(), medians.end(),
      [](const ReplicateGroupMedian& a, const ReplicateGroupMedian& b) {
        return a.median > b.median;
      });
}

// Each row's group as a dense id, groups numbered in key order (the order a
// std::map of keys gives, which ComputePercentReplicating reports ties in).
std::vector<int64_t> GroupIds(const std::vector<std::string>& keys,
                              std::vector<std::string>& names,
                              std::vector<int64_t>& sizes) {
  std::map<std::string, int64_t> id;
  for (const std::string& k : keys) id.emplace(k, 0);
  for (auto& [key, value] : id) {
    value = static_cast<int64_t>(names.size());
    names.push_back(key);
  }
  sizes.assign(names.size(), 0);
  std::vector<int64_t> out;
  for (const std::string& k : keys) {
    out.push_back(id.at(k));
    ++sizes[static_cast<size_t>(out.back())];
  }
  return out;
}

}  // namespace

double LinearQuantile(std::vector<double>& values, double q) {
  TORCH_CHECK(!values.empty(), "quantile of no values");
  TORCH_CHECK(q >= 0 && q <= 1, "quantile must be in [0, 1], got ", q);
  std::sort(values.begin(), values.end());
  const double h = q * static_cast<double>(values.size() - 1);
  const size_t lo = static_cast<size_t>(std::floor(h));
  const size_t hi = std::min(lo + 1, values.size() - 1);
  return values[lo] + (h - static_cast<double>(lo)) * (values[hi] - values[lo]);
}

PercentReplicating ComputePercentReplicating(
    const at::Tensor& similarity, const std::vector<std::string>& group_keys,
    double quantile) {
  const int64_t n = static_cast<int64_t>(group_keys.size());
  TORCH_CHECK(similarity.dim() == 2 && similarity.size(0) == n &&
                  similarity.size(1) == n,
              "similarity must be [", n, ", ", n, "], got ",
              similarity.sizes());
  const at::Tensor s = similarity.to(torch::kFloat64).contiguous();
  const double* data = s.data_ptr<double>();
  std::vector<double> replicate, non_replicate;
  std::map<std::string, std::vector<double>> by_group;
  for (int64_t i = 0; i < n; ++i) {
    for (int64_t j = i + 1; j < n; ++j) {
      const double v = data[i * n + j];
      if (group_keys[i] == group_keys[j]) {
        replicate.push_back(v);
        by_group[group_keys[i]].push_back(v);
      } else {
        non_replicate.push_back(v);
      }
    }
  }
  TORCH_CHECK(!replicate.empty(),
              "percent replicating needs at least one replicate pair (no two "
              "rows share a group)");
  TORCH_CHECK(!non_replicate.empty(),
              "percent replicating needs at least one non-replicate pair (all "
              "rows are one group)");
  PercentReplicating out;
  out.replicate_pairs = static_cast<int64_t>(replicate.size());
  out.non_replicate_pairs = static_cast<int64_t>(non_replicate.size());
  out.threshold = LinearQuantile(non_replicate, quantile);
  const auto above = std::count_if(replicate.begin(), replicate.end(),
                                   [&](double v) { return v > out.threshold; });
  out.score =
      static_cast<double>(above) / static_cast<double>(replicate.size());
  for (auto& [group, values] : by_group) {
    out.medians.push_back(
        {group, Median(values), static_cast<int64_t>(values.size())});
  }
  SortByMedian(out.medians);
  return out;
}

int64_t PercentReplicatingBytes(const std::vector<std::string>& group_keys) {
  std::vector<std::string> names;
  std::vector<int64_t> sizes;
  GroupIds(group_keys, names, sizes);
  int64_t bytes = kNullBuckets * 16;
  for (int64_t size : sizes) {
    bytes += Pairs(size) > kStoredPairs ? kGroupBuckets * 16 : Pairs(size) * 8;
  }
  return bytes;
}

namespace {

// What one thread (or one shard) counts in a pass over the pairs: the
// non-replicate similarities, and those of each streamed replicate group.
struct PairTally {
  TwoPassOrderStatistics null;
  std::vector<std::optional<TwoPassOrderStatistics>> groups;  // by group id

  PairTally EmptyCopy() const {
    PairTally copy{null.EmptyCopy(), {}};
    for (const auto& g : groups) {
      copy.groups.push_back(g ? std::optional(g->EmptyCopy()) : std::nullopt);
    }
    return copy;
  }
  void Merge(const PairTally& part) {
    null.Merge(part.null);
    for (size_t g = 0; g < groups.size(); ++g) {
      if (groups[g]) groups[g]->Merge(*part.groups[g]);
    }
  }
  template <typename Reduce>
  void ForEach(const Reduce& reduce) {
    reduce(null);
    for (auto& g : groups) {
      if (g) reduce(*g);
    }
  }
};

// Visits every unordered pair (i, j), i < j, of this shard's tiles once, with
// the tile's value: `visit(tally, i, j, v)`. Rows run in parallel, each
// thread into its own copy of `tally`, merged back after.
template <typename Visit>
void ForEachPair(const at::Tensor& unit, const TileOptions& tiles,
                 PairTally& tally, const Visit& visit) {
  std::vector<PairTally> parts;
  for (int t = 0; t < at::get_num_threads(); ++t) {
    parts.push_back(tally.EmptyCopy());
  }
  ForEachUpperTile(unit, tiles, [&](const SimilarityTile& t) {
    at::parallel_for(0, t.rows, 16, [&](int64_t begin, int64_t end) {
      PairTally& part = parts[static_cast<size_t>(at::get_thread_num())];
      for (int64_t r = begin; r < end; ++r) {
        const int64_t i = t.row0 + r;
        const double* row = t.s + r * t.cols;
        for (int64_t c = t.diagonal() ? r + 1 : 0; c < t.cols; ++c) {
          visit(part, i, t.col0 + c, row[c]);
        }
      }
    });
  });
  for (const PairTally& part : parts) tally.Merge(part);
}

}  // namespace

PercentReplicating StreamPercentReplicating(
    const at::Tensor& profiles, const std::vector<std::string>& group_keys,
    double quantile, const TileOptions& all_tiles, ShardReducer& shards) {
  TileOptions tiles = all_tiles;
  tiles.shard = shards.shard();
  tiles.shards = shards.shards();
  tiles.transposed = false;  // unordered pairs: `s` alone
  const int64_t n = static_cast<int64_t>(group_keys.size());
  TORCH_CHECK(profiles.dim() == 2 && profiles.size(0) == n,
              "profiles must be [", n, ", features], got ", profiles.sizes());
  const at::Tensor unit = CentredUnitRows(profiles);
  const ExactSimilarity exact(unit);
  const double margin = TileMargin(tiles.precision, unit.size(1));
  std::vector<std::string> names;
  std::vector<int64_t> sizes;
  const std::vector<int64_t> group = GroupIds(group_keys, names, sizes);
  // Small groups' similarities straight from their members (every shard
  // computes them all); large groups are streamed with the other pairs.
  std::vector<std::vector<int64_t>> members(names.size());
  for (int64_t r = 0; r < n; ++r) members[group[r]].push_back(r);
  std::vector<std::vector<double>> stored(names.size());
  PairTally tally{TwoPassOrderStatistics(kNullBuckets, margin), {}};
  for (size_t g = 0; g < names.size(); ++g) {
    if (Pairs(sizes[g]) > kStoredPairs) {
      tally.groups.emplace_back(std::in_place, kGroupBuckets, margin);
      continue;
    }
    tally.groups.emplace_back();
    const std::vector<int64_t>& m = members[g];
    for (size_t a = 0; a < m.size(); ++a) {
      for (size_t b = a + 1; b < m.size(); ++b) {
        stored[g].push_back(exact(m[a], m[b]));
      }
    }
  }
  ForEachPair(unit, tiles, tally,
              [&](PairTally& part, int64_t i, int64_t j, double v) {
                const int64_t g = group[i];
                if (g != group[j]) {
                  part.null.Count(v);
                } else if (part.groups[g]) {
                  part.groups[g]->Count(v);
                }
              });
  tally.ForEach([&](TwoPassOrderStatistics& s) {
    s.ReduceCounts(shards);
    s.EndCount();
  });
  TwoPassOrderStatistics& null = tally.null;
  int64_t replicate_pairs = 0;
  for (int64_t size : sizes) replicate_pairs += Pairs(size);
  TORCH_CHECK(replicate_pairs > 0,
              "percent replicating needs at least one replicate pair (no two "
              "rows share a group)");
  TORCH_CHECK(null.size() > 0,
              "percent replicating needs at least one non-replicate pair (all "
              "rows are one group)");
  const auto [core_lo, core_hi] = null.WantQuantile(quantile);
  for (auto& s : tally.groups) {
    if (!s) continue;
    s->WantQuantile(0.5);
    s->WantAround(core_lo, core_hi);
  }
  ForEachPair(unit, tiles, tally,
              [&](PairTally& part, int64_t i, int64_t j, double v) {
                const int64_t g = group[i];
                const auto exact_value = [&] { return exact(i, j); };
                if (g != group[j]) {
                  part.null.Observe(v, exact_value);
                } else if (part.groups[g]) {
                  part.groups[g]->Observe(v, exact_value);
                }
              });
  tally.ForEach([&](TwoPassOrderStatistics& s) { s.ReduceKept(shards); });
  PercentReplicating out;
  out.replicate_pairs = replicate_pairs;
  out.non_replicate_pairs = null.size();
  out.threshold = null.Quantile(quantile);
  int64_t above = 0;
  for (size_t g = 0; g < names.size(); ++g) {
    if (sizes[g] < 2) continue;
    if (tally.groups[g]) {
      TwoPassOrderStatistics& s = *tally.groups[g];
      above += s.CountAbove(out.threshold);
      out.medians.push_back({names[g], s.Quantile(0.5), Pairs(sizes[g])});
    } else {
      std::vector<double>& values = stored[g];
      above += std::count_if(values.begin(), values.end(),
                             [&](double v) { return v > out.threshold; });
      out.medians.push_back(
          {names[g], Median(values), static_cast<int64_t>(values.size())});
    }
  }
  out.score = static_cast<double>(above) / static_cast<double>(replicate_pairs);
  SortByMedian(out.medians);
  return out;
}

PercentReplicating StreamPercentReplicating(
    const at::Tensor& profiles, const std::vector<std::string>& group_keys,
    double quantile, const TileOptions& tiles) {
  SingleShard one;
  return StreamPercentReplicating(profiles, group_keys, quantile, tiles, one);
}

}  // namespace micon
