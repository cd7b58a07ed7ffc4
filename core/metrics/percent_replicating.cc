#include "core/metrics/percent_replicating.h"

#include <torch/torch.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <memory>

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

PercentReplicating StreamPercentReplicating(
    const at::Tensor& profiles, const std::vector<std::string>& group_keys,
    double quantile, const TileOptions& tiles) {
  const int64_t n = static_cast<int64_t>(group_keys.size());
  TORCH_CHECK(profiles.dim() == 2 && profiles.size(0) == n,
              "profiles must be [", n, ", features], got ", profiles.sizes());
  const at::Tensor unit = CentredUnitRows(profiles);
  const ExactSimilarity exact(unit);
  const double margin = TileMargin(tiles.precision, unit.size(1));
  std::vector<std::string> names;
  std::vector<int64_t> sizes;
  const std::vector<int64_t> group = GroupIds(group_keys, names, sizes);
  std::vector<std::vector<double>> stored(names.size());
  std::vector<std::unique_ptr<TwoPassOrderStatistics>> streamed(names.size());
  for (size_t g = 0; g < names.size(); ++g) {
    if (Pairs(sizes[g]) > kStoredPairs) {
      streamed[g] =
          std::make_unique<TwoPassOrderStatistics>(kGroupBuckets, margin);
    }
  }
  TwoPassOrderStatistics null(kNullBuckets, margin);
  // Every unordered pair once: (i, j), i < j, with the tile's value.
  const auto for_each_pair = [&](const auto& visit) {
    ForEachUpperTile(unit, tiles, [&](const SimilarityTile& t) {
      for (int64_t r = 0; r < t.rows; ++r) {
        const int64_t i = t.row0 + r;
        const double* row = t.s + r * t.cols;
        for (int64_t c = t.diagonal() ? r + 1 : 0; c < t.cols; ++c) {
          visit(i, t.col0 + c, row[c]);
        }
      }
    });
  };
  for_each_pair([&](int64_t i, int64_t j, double v) {
    const int64_t g = group[i];
    if (g != group[j]) {
      null.Count(v);
    } else if (streamed[g]) {
      streamed[g]->Count(v);
    } else {
      stored[g].push_back(exact(i, j));
    }
  });
  null.EndCount();
  int64_t replicate_pairs = 0;
  for (int64_t size : sizes) replicate_pairs += Pairs(size);
  TORCH_CHECK(replicate_pairs > 0,
              "percent replicating needs at least one replicate pair (no two "
              "rows share a group)");
  TORCH_CHECK(null.size() > 0,
              "percent replicating needs at least one non-replicate pair (all "
              "rows are one group)");
  const auto [core_lo, core_hi] = null.WantQuantile(quantile);
  for (const auto& s : streamed) {
    if (!s) continue;
    s->EndCount();
    s->WantQuantile(0.5);
    s->WantAround(core_lo, core_hi);
  }
  for_each_pair([&](int64_t i, int64_t j, double v) {
    const int64_t g = group[i];
    const auto exact_value = [&] { return exact(i, j); };
    if (g != group[j]) {
      null.Observe(v, exact_value);
    } else if (streamed[g]) {
      streamed[g]->Observe(v, exact_value);
    }
  });
  PercentReplicating out;
  out.replicate_pairs = replicate_pairs;
  out.non_replicate_pairs = null.size();
  out.threshold = null.Quantile(quantile);
  int64_t above = 0;
  for (size_t g = 0; g < names.size(); ++g) {
    if (sizes[g] < 2) continue;
    if (streamed[g]) {
      above += streamed[g]->CountAbove(out.threshold);
      out.medians.push_back(
          {names[g], streamed[g]->Quantile(0.5), Pairs(sizes[g])});
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

}  // namespace micon
