#include "core/metrics/percent_replicating.h"

#include <torch/torch.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <optional>
#include <random>

#include "core/metrics/profile_similarity.h"
#include "core/metrics/threshold_counts.h"
#include "core/metrics/two_pass_order_statistics.h"
#include "core/openmp_parallel.h"

namespace micon {
namespace {

double Median(std::vector<double>& v) { return LinearQuantile(v, 0.5); }

// Replicate groups with more pairs than this are not stored but streamed
// twice, like the non-replicate pairs (a screen's control wells form one
// such group: 10^4 DMSO wells make 5 x 10^7 pairs).
constexpr int64_t kStoredPairs = int64_t{1} << 16;
constexpr int64_t kGroupBuckets = int64_t{1} << 12;
constexpr int64_t kNullBuckets = int64_t{1} << 16;
// The one pass (StreamPercentReplicating): its pilot sample and windows.
constexpr double kPilotDeviations = 6;
constexpr int64_t kGroupPilotPairs = int64_t{1} << 14;
// Predicted windows that would keep more values than this take two passes.
constexpr int64_t kMostPredictedKept = int64_t{1} << 27;
// The pilots grow with the screen so that the window each predicts keeps at
// most its share of kMostPredictedKept (a window's width shrinks as
// 1 / sqrt(pilot size)): half for the null's quantile, an eighth for each
// large group's median (the control wells, usually the only one). At most
// this many pairs: 2^25 exact products of 256 features take about 2 s on 2
// cores, against the hour a 10^6-well pass takes.
constexpr int64_t kNullKeptShare = 2;
constexpr int64_t kGroupKeptShare = 8;
constexpr int64_t kMostPilotPairs = int64_t{1} << 25;
constexpr int64_t kPilotChunk = int64_t{1} << 20;

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
  int64_t replicate_pairs = 0;
  for (int64_t size : sizes) {
    bytes += Pairs(size) > kStoredPairs ? kGroupBuckets * 16 : Pairs(size) * 8;
    replicate_pairs += Pairs(size);
  }
  // The one pass's pilot and the exact values it keeps.
  const int64_t null_pairs =
      Pairs(static_cast<int64_t>(group_keys.size())) - replicate_pairs;
  bytes += 8 * std::min(null_pairs, kMostPilotPairs + kMostPredictedKept) +
           16 * kPilotChunk;
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

// An order statistic's core predicted from a sample drawn with replacement:
// the sample's values kPilotDeviations binomial standard deviations either
// side of the wanted rank, and the share of the population expected between.
struct PredictedCore {
  double lo = 0, hi = 0, share = 1;
};

// The pilot size whose window around quantile `q` of `pairs` values is
// predicted to keep at most `most_kept` of them; at least `least` (0: no
// pilot), at most kMostPilotPairs and `pairs`.
int64_t PilotSize(int64_t least, int64_t pairs, double q, int64_t most_kept) {
  if (least <= 0) return 0;
  // Window share ~ 2 x kPilotDeviations x sqrt(q (1 - q) / size).
  const double needed =
      std::pow(2 * kPilotDeviations * std::sqrt(q * (1 - q)) *
                   static_cast<double>(pairs) / static_cast<double>(most_kept),
               2);
  const int64_t size =
      std::max(least, static_cast<int64_t>(std::min(
                          needed, static_cast<double>(kMostPilotPairs))));
  return std::min(size, pairs);
}

// `size` non-replicate pairs drawn with replacement (seeded), their exact
// similarities computed in parallel, a chunk at a time.
std::vector<double> PilotSample(const ExactSimilarity& exact,
                                const std::vector<int64_t>& group, int64_t size,
                                std::uniform_int_distribution<int64_t>& row,
                                std::mt19937_64& rng) {
  std::vector<double> sample;
  std::vector<std::pair<int64_t, int64_t>> pairs;
  for (int64_t tries = 0;
       static_cast<int64_t>(sample.size()) < size && tries < 20 * size;) {
    pairs.clear();
    while (
        static_cast<int64_t>(pairs.size()) <
            std::min(kPilotChunk, size - static_cast<int64_t>(sample.size())) &&
        tries < 20 * size) {
      ++tries;
      const int64_t i = row(rng), j = row(rng);
      if (group[i] != group[j]) pairs.emplace_back(i, j);
    }
    const size_t first = sample.size();
    sample.resize(first + pairs.size());
    at::parallel_for(0, static_cast<int64_t>(pairs.size()), 4096,
                     [&](int64_t begin, int64_t end) {
                       for (int64_t k = begin; k < end; ++k) {
                         sample[first + k] =
                             exact(pairs[k].first, pairs[k].second);
                       }
                     });
  }
  return sample;
}

PredictedCore PredictCore(std::vector<double>& sample, double q) {
  std::sort(sample.begin(), sample.end());
  const double size = static_cast<double>(sample.size());
  const double centre = q * (size - 1);
  const double spread = kPilotDeviations * std::sqrt(size * q * (1 - q)) + 1;
  const auto at = [&](double rank) {
    return static_cast<size_t>(std::clamp(rank, 0.0, size - 1));
  };
  const size_t lo = at(std::floor(centre - spread));
  const size_t hi = at(std::ceil(centre + spread) + 1);
  return {sample[lo], sample[hi], static_cast<double>(hi - lo + 1) / size};
}

// The one pass over every unordered pair. Per row segment the non-replicate
// pairs are counted around the null's window by a vector loop
// (threshold_counts.h) and the few inside it kept exactly; a streamed group's
// own pairs are observed one by one (its rows are a screen's controls, a few
// percent of the rows).
void OnePass(const at::Tensor& unit, const TileOptions& tiles,
             const std::vector<int64_t>& group, const ExactSimilarity& exact,
             PairTally& tally) {
  std::vector<PairTally> parts;
  for (int t = 0; t < at::get_num_threads(); ++t) {
    parts.push_back(tally.EmptyCopy());
  }
  // Plain variables, not a structured binding: C++17 lambdas cannot capture
  // those (clang refuses; gcc accepts).
  const std::pair<double, double> window = tally.null.OnlyWindow();
  const double low = window.first, high = window.second;
  ForEachUpperTile(unit, tiles, [&](const SimilarityTile& t) {
    at::parallel_for(0, t.rows, 16, [&](int64_t begin, int64_t end) {
      PairTally& part = parts[static_cast<size_t>(at::get_thread_num())];
      std::vector<uint8_t> near(static_cast<size_t>(NearBlocks(t.cols)));
      for (int64_t r = begin; r < end; ++r) {
        const int64_t i = t.row0 + r;
        const int64_t first = t.diagonal() ? r + 1 : 0;
        const int64_t count = t.cols - first;
        if (count <= 0) continue;
        const double* row = t.s + r * t.cols + first;
        const int64_t col0 = t.col0 + first;
        const int64_t* column_group = group.data() + col0;
        const int64_t own = group[i];
        const WindowCounts outside = CountAroundWindow(
            row, column_group, count, own, low, high, near.data());
        part.null.AddOutside(outside.below, outside.above);
        for (int64_t block = 0; block < NearBlocks(count); ++block) {
          if (!near[block]) continue;
          const int64_t last = std::min(count, (block + 1) * kNearBlock);
          for (int64_t c = block * kNearBlock; c < last; ++c) {
            if (column_group[c] != own && row[c] >= low && row[c] <= high) {
              part.null.Keep(exact(i, col0 + c));
            }
          }
        }
        if (std::optional<TwoPassOrderStatistics>& same = part.groups[own]) {
          for (int64_t c = 0; c < count; ++c) {
            if (column_group[c] != own) continue;
            same->Observe(row[c], [&] { return exact(i, col0 + c); });
          }
        }
      }
    });
  });
  for (const PairTally& part : parts) tally.Merge(part);
}

// Share of `sample` (sorted) within [lo, hi].
double ShareWithin(const std::vector<double>& sample, double lo, double hi) {
  const auto first = std::lower_bound(sample.begin(), sample.end(), lo);
  const auto last = std::upper_bound(sample.begin(), sample.end(), hi);
  return static_cast<double>(last - first) / static_cast<double>(sample.size());
}

}  // namespace

PercentReplicating StreamPercentReplicating(
    const at::Tensor& profiles, const std::vector<std::string>& group_keys,
    double quantile, const TileOptions& all_tiles, ShardReducer& shards,
    int64_t pilot_pairs) {
  TileOptions tiles = ShardTiles(all_tiles, shards);
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
  // Small groups' similarities come straight from their members (n x group
  // size products); only large groups and the null need the tiles.
  std::vector<std::vector<int64_t>> members(names.size());
  for (int64_t r = 0; r < n; ++r) members[group[r]].push_back(r);
  std::vector<std::vector<double>> stored(names.size());
  int64_t replicate_pairs = 0;
  for (int64_t size : sizes) replicate_pairs += Pairs(size);
  TORCH_CHECK(replicate_pairs > 0,
              "percent replicating needs at least one replicate pair (no two "
              "rows share a group)");
  const int64_t null_pairs = Pairs(n) - replicate_pairs;
  TORCH_CHECK(null_pairs > 0,
              "percent replicating needs at least one non-replicate pair (all "
              "rows are one group)");
  for (size_t g = 0; g < names.size(); ++g) {
    if (Pairs(sizes[g]) > kStoredPairs) continue;
    const std::vector<int64_t>& m = members[g];
    for (size_t a = 0; a < m.size(); ++a) {
      for (size_t b = a + 1; b < m.size(); ++b) {
        stored[g].push_back(exact(m[a], m[b]));
      }
    }
  }
  const auto fresh_tally = [&] {
    PairTally tally{TwoPassOrderStatistics(kNullBuckets, margin), {}};
    for (size_t g = 0; g < names.size(); ++g) {
      if (Pairs(sizes[g]) > kStoredPairs) {
        tally.groups.emplace_back(std::in_place, kGroupBuckets, margin);
      } else {
        tally.groups.emplace_back();
      }
    }
    return tally;
  };
  PairTally tally = fresh_tally();

  // One pass when the windows can be predicted: a seeded sample of pairs
  // (the same on every shard) places the null's quantile and each large
  // group's median within kPilotDeviations standard deviations, the pass
  // keeps the exact values there, and the order statistics then show
  // whether each wanted rank did fall inside (a miss has odds below 1e-8 and
  // costs the second pass it saves).
  bool one_pass_held = false;
  if (pilot_pairs > 0) {
    std::mt19937_64 rng(0x5eed95);
    std::uniform_int_distribution<int64_t> row(0, n - 1);
    std::vector<double> sample =
        PilotSample(exact, group,
                    PilotSize(pilot_pairs, null_pairs, quantile,
                              kMostPredictedKept / kNullKeptShare),
                    row, rng);
    double predicted_kept = 0;
    if (!sample.empty()) {
      const PredictedCore null_core = PredictCore(sample, quantile);
      predicted_kept += null_core.share * static_cast<double>(null_pairs);
      tally.null.WantAround(null_core.lo, null_core.hi);
      for (size_t g = 0; g < names.size(); ++g) {
        if (!tally.groups[g]) continue;
        const std::vector<int64_t>& m = members[g];
        std::uniform_int_distribution<size_t> member(0, m.size() - 1);
        const int64_t group_pilot =
            PilotSize(kGroupPilotPairs, Pairs(sizes[g]), 0.5,
                      kMostPredictedKept / kGroupKeptShare);
        std::vector<double> group_sample;
        while (static_cast<int64_t>(group_sample.size()) < group_pilot) {
          const size_t a = member(rng), b = member(rng);
          if (a != b) group_sample.push_back(exact(m[a], m[b]));
        }
        const PredictedCore median = PredictCore(group_sample, 0.5);
        predicted_kept +=
            (median.share +
             ShareWithin(group_sample, null_core.lo, null_core.hi)) *
            static_cast<double>(Pairs(sizes[g]));
        tally.groups[g]->WantAround(median.lo, median.hi);
        tally.groups[g]->WantAround(null_core.lo, null_core.hi);
      }
    }
    if (!sample.empty() &&
        predicted_kept < static_cast<double>(kMostPredictedKept)) {
      OnePass(unit, tiles, group, exact, tally);
      tally.ForEach([&](TwoPassOrderStatistics& s) {
        s.ReduceKept(shards);
        s.EndObserve();
      });
      one_pass_held = tally.null.HoldsQuantile(quantile);
      if (one_pass_held) {
        const double threshold = tally.null.Quantile(quantile);
        for (auto& s : tally.groups) {
          if (s && !(s->HoldsQuantile(0.5) && s->Covers(threshold))) {
            one_pass_held = false;
          }
        }
      }
      if (!one_pass_held) tally = fresh_tally();
    }
  }

  if (!one_pass_held) {
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
    const auto [core_lo, core_hi] = tally.null.WantQuantile(quantile);
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
  }
  TwoPassOrderStatistics& null = tally.null;
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
