// The streamed metrics against the matrix-based definitions they replace:
// the same answers for every tile size and precision, ties included, and
// exact order statistics from two passes without storing the values.
#include <ATen/Parallel.h>
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <algorithm>
#include <cmath>
#include <random>

#include "core/metrics/average_precision.h"
#include "core/metrics/percent_replicating.h"
#include "core/metrics/profile_similarity.h"
#include "core/metrics/replicate_matching.h"
#include "core/metrics/similarity_tiles.h"
#include "core/metrics/streamed_label_ranks.h"
#include "core/metrics/streamed_replicate_ranks.h"
#include "core/metrics/two_pass_order_statistics.h"

namespace micon {
namespace {

// Values whose approximate twins are off by up to `margin`, as a tile's are.
struct Noisy {
  std::vector<double> exact, approx;
};
Noisy NoisyValues(int64_t n, double margin, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> value(0.1, 0.2);
  std::uniform_real_distribution<double> noise(-margin, margin);
  Noisy out;
  for (int64_t i = 0; i < n; ++i) {
    // Clustered on a coarse grid too, so that ties and bucket edges occur.
    const double v = i % 3 == 0 ? std::round(value(rng) * 64) / 64 : value(rng);
    out.exact.push_back(std::clamp(v, -1.0, 1.0));
    out.approx.push_back(out.exact.back() + noise(rng));
  }
  return out;
}

TEST(TwoPassOrderStatistics, QuantilesAndCountsAreExactDespiteNoise) {
  for (const int64_t buckets : {2, 16, 1024}) {
    const double margin = 1e-3;
    const Noisy v = NoisyValues(20000, margin, buckets);
    TwoPassOrderStatistics s(buckets, margin);
    for (double a : v.approx) s.Count(a);
    s.EndCount();
    ASSERT_EQ(s.size(), 20000);
    const auto [lo, hi] = s.WantQuantile(0.95);
    s.WantQuantile(0.5);
    s.WantAround(0.3, 0.3);
    EXPECT_GT(s.ToKeep(), 0);
    for (size_t i = 0; i < v.exact.size(); ++i) {
      s.Observe(v.approx[i], [&] { return v.exact[i]; });
    }
    std::vector<double> sorted = v.exact;
    EXPECT_EQ(s.Quantile(0.95), LinearQuantile(sorted, 0.95)) << buckets;
    EXPECT_EQ(s.Quantile(0.5), LinearQuantile(sorted, 0.5)) << buckets;
    const double t = s.Quantile(0.95);
    EXPECT_GE(t, lo - margin);
    EXPECT_LE(t, hi + margin);
    for (const double threshold : {t, 0.3}) {
      EXPECT_EQ(s.CountAbove(threshold),
                std::count_if(sorted.begin(), sorted.end(),
                              [&](double x) { return x > threshold; }))
          << buckets << " " << threshold;
    }
  }
}

TEST(TwoPassOrderStatistics, RefusesWhatWasNotWantedBeforePassTwo) {
  const Noisy v = NoisyValues(5000, 1e-4, 3);
  TwoPassOrderStatistics s(1 << 12, 1e-4);
  for (double a : v.approx) s.Count(a);
  s.EndCount();
  s.Want(10);
  for (size_t i = 0; i < v.exact.size(); ++i) {
    s.Observe(v.approx[i], [&] { return v.exact[i]; });
  }
  EXPECT_NO_THROW(s.Select(10));
  EXPECT_THROW(s.Select(4000), c10::Error);
  EXPECT_THROW(s.CountAbove(0.9), c10::Error);
}

// Random profiles with structure: compounds shift a shared direction, some
// rows are exact copies (ties), one row is all zeros.
at::Tensor Profiles(int64_t n, int64_t d, const std::vector<int64_t>& label) {
  torch::manual_seed(17);
  at::Tensor x = torch::randn({n, d}, torch::kFloat64);
  const at::Tensor centres = torch::randn({n, d}, torch::kFloat64);
  for (int64_t r = 0; r < n; ++r) x[r] += 1.5 * centres[label[r] % n];
  x[5] = x[9].clone();
  x[20] = x[21].clone();
  x[30].zero_();
  // Row 47's nearest well is 87, and 41 is an exact copy of 47: in the ranks
  // test 87 and 47 are replicates and 41 a negative tied with 47, which ranks
  // first as the lower row.
  x[87] = x[47] + 1e-3 * torch::randn({d}, torch::kFloat64);
  x[41] = x[47].clone();
  return x;
}

TEST(StreamPercentReplicating, EqualsTheMatrixDefinitionForAnyTiling) {
  // 400 control rows make one group of 79,800 pairs, streamed; 60
  // compounds of 3 and 4 rows are stored. Pilots: none (two passes), one
  // pair (a window that misses: two passes after the one), and the default
  // (one pass).
  const int64_t n = 600;
  std::vector<int64_t> label;
  std::vector<std::string> keys;
  for (int64_t r = 0; r < n; ++r) {
    label.push_back(r < 400 ? 0 : 1 + (r - 400) % 57);
    keys.push_back(r < 400 ? "DMSO" : "c" + std::to_string(label.back()));
  }
  const at::Tensor x = Profiles(n, 24, label);
  const PercentReplicating want =
      ComputePercentReplicating(PearsonSimilarity(x), keys, 0.95);
  for (const TilePrecision precision :
       {TilePrecision::kFloat32, TilePrecision::kFloat64}) {
    for (const auto& [tile, pilot] : {std::pair<int64_t, int64_t>{37, 0},
                                      {256, 0},
                                      {600, 0},
                                      {37, 1},
                                      {256, 1},
                                      {37, kPercentReplicatingPilotPairs},
                                      {256, kPercentReplicatingPilotPairs},
                                      {600, kPercentReplicatingPilotPairs}}) {
      SingleShard one;
      const PercentReplicating got = StreamPercentReplicating(
          x, keys, 0.95, {tile, precision}, one, pilot);
      EXPECT_EQ(got.replicate_pairs, want.replicate_pairs);
      EXPECT_EQ(got.non_replicate_pairs, want.non_replicate_pairs);
      EXPECT_NEAR(got.threshold, want.threshold, 1e-14) << tile;
      EXPECT_EQ(got.score, want.score) << tile;
      ASSERT_EQ(got.medians.size(), want.medians.size());
      for (size_t g = 0; g < want.medians.size(); ++g) {
        EXPECT_EQ(got.medians[g].group, want.medians[g].group) << g;
        EXPECT_NEAR(got.medians[g].median, want.medians[g].median, 1e-14);
        EXPECT_EQ(got.medians[g].pairs, want.medians[g].pairs);
      }
    }
  }
}

// The matrix path: ReplicateTopK per exclusion, AveragePrecision per query.
TEST(StreamReplicateRanks, EqualsTopKAndAveragePrecisionForAnyTiling) {
  const int64_t n = 300;
  RankRoles roles;
  std::vector<int64_t> batch;
  for (int64_t r = 0; r < n; ++r) {
    const bool control = r % 10 == 0;
    roles.compound.push_back(control ? 1000 : (r * 7) % 40);
    roles.control.push_back(control);
    roles.query.push_back(!control && r % 3 != 1);
    batch.push_back(r % 4);
  }
  roles.compound[9] = roles.compound[5];         // copies of one compound tie
  roles.compound[21] = roles.compound[20] = 99;  // tied pair, own compound
  ASSERT_EQ(roles.compound[47], roles.compound[87]);
  ASSERT_NE(roles.compound[41], roles.compound[47]);
  roles.exclusions = {{}, batch};
  const at::Tensor x = Profiles(n, 16, roles.compound);
  const at::Tensor cos = CosineSimilarity(x, x).contiguous();
  const double* s = cos.data_ptr<double>();

  // Expected, from the matrix.
  std::vector<int64_t> treated, queries;
  for (int64_t r = 0; r < n; ++r) {
    if (roles.control[r]) continue;
    treated.push_back(r);
    if (roles.query[r]) queries.push_back(r);
  }
  const auto rows_of = [&](const std::vector<int64_t>& rows,
                           const std::vector<int64_t>& group) {
    MatchingRows m;
    for (int64_t r : rows) {
      m.id.push_back(r);
      m.label.push_back(roles.compound[r]);
      m.group.push_back(group.empty() ? 0 : group[r]);
    }
    return m;
  };
  const at::Tensor sub =
      cos.index_select(0, torch::tensor(queries, torch::kLong))
          .index_select(1, torch::tensor(treated, torch::kLong));
  std::vector<TopK> want_topk;
  for (const std::vector<int64_t>& group : roles.exclusions) {
    want_topk.push_back(ReplicateTopK(
        sub, rows_of(queries, group), rows_of(treated, group),
        group.empty() ? Exclusion::kNone : Exclusion::kSameGroup, 10));
  }
  const auto ap = [&](int64_t i, bool vs_controls) {
    std::vector<RankedCandidate> c;
    for (int64_t j = 0; j < n; ++j) {
      if (j == i) continue;
      const bool positive =
          !roles.control[j] && roles.compound[j] == roles.compound[i];
      const bool negative =
          vs_controls ? roles.control[j] != 0 : !roles.control[j] && !positive;
      if (positive || negative) c.push_back({s[i * n + j], positive});
    }
    return AveragePrecision(c);
  };

  for (const TilePrecision precision :
       {TilePrecision::kFloat32, TilePrecision::kFloat64}) {
    for (const int64_t tile : {7, 64, 300}) {
      const QueryRanks got = StreamReplicateRanks(x, roles, {tile, precision});
      ASSERT_EQ(got.rows, queries);
      for (size_t m = 0; m < roles.exclusions.size(); ++m) {
        EXPECT_EQ(got.first_hit[m], want_topk[m].first_hit)
            << "exclusion " << m << " tile " << tile;
      }
      for (size_t q = 0; q < queries.size(); ++q) {
        const double controls = ap(queries[q], true);
        const double compounds = ap(queries[q], false);
        if (std::isnan(controls)) {
          EXPECT_TRUE(std::isnan(got.ap_vs_controls[q]));
          EXPECT_EQ(got.replicates[q], 0);
          continue;
        }
        EXPECT_EQ(got.ap_vs_controls[q], controls) << queries[q];
        EXPECT_EQ(got.ap_vs_compounds[q], compounds) << queries[q];
      }
    }
  }
}

// Multilabel AP from the matrix: for each label of a row, its positives are
// the other rows with that label, its negatives the rows sharing no label.
TEST(StreamLabelRanks, EqualsTheMatrixDefinitionForAnyTiling) {
  const int64_t n = 240;
  std::vector<std::vector<int64_t>> labels(n);
  std::vector<int64_t> first_label(n);
  for (int64_t r = 0; r < n; ++r) {
    first_label[r] = (r * 7) % 30;
    if (r % 11 == 3) continue;  // unlabelled: a negative of every query
    labels[r].push_back(first_label[r]);
    if (r % 4 == 0) labels[r].push_back(30 + r % 5);       // a second label
    if (r % 13 == 0) labels[r].push_back(first_label[r]);  // a repeat
  }
  labels[5] = labels[9];  // tied rows (Profiles copies 9 to 5)
  labels[200] = {77};     // a label of one row queries nothing
  const at::Tensor x = Profiles(n, 12, first_label);
  const at::Tensor cos = CosineSimilarity(x, x).contiguous();
  const double* s = cos.data_ptr<double>();
  const auto has = [&](int64_t r, int64_t l) {
    return std::find(labels[r].begin(), labels[r].end(), l) != labels[r].end();
  };
  const auto shares = [&](int64_t i, int64_t j) {
    return std::any_of(labels[i].begin(), labels[i].end(),
                       [&](int64_t l) { return has(j, l); });
  };
  std::vector<LabelQueryAp> want;
  for (int64_t i = 0; i < n; ++i) {
    std::vector<int64_t> own = labels[i];
    std::sort(own.begin(), own.end());
    own.erase(std::unique(own.begin(), own.end()), own.end());
    for (int64_t l : own) {
      std::vector<RankedCandidate> c;
      int64_t positives = 0;
      for (int64_t j = 0; j < n; ++j) {
        if (j == i) continue;
        if (has(j, l)) {
          c.push_back({s[i * n + j], true});
          ++positives;
        } else if (!shares(i, j)) {
          c.push_back({s[i * n + j], false});
        }
      }
      if (positives == 0) continue;
      want.push_back({i, l, AveragePrecision(c), positives,
                      static_cast<int64_t>(c.size())});
    }
  }
  ASSERT_GT(want.size(), 250u);
  for (const TilePrecision precision :
       {TilePrecision::kFloat32, TilePrecision::kFloat64}) {
    for (const int64_t tile : {7, 64, 240}) {
      const std::vector<LabelQueryAp> got =
          StreamLabelRanks(x, labels, {tile, precision});
      ASSERT_EQ(got.size(), want.size());
      for (size_t q = 0; q < want.size(); ++q) {
        EXPECT_EQ(got[q].row, want[q].row);
        EXPECT_EQ(got[q].label, want[q].label);
        EXPECT_EQ(got[q].positives, want[q].positives) << want[q].row;
        EXPECT_EQ(got[q].candidates, want[q].candidates) << want[q].row;
        EXPECT_EQ(got[q].ap, want[q].ap) << "row " << want[q].row << " label "
                                         << want[q].label << " tile " << tile;
      }
    }
  }
}

// The row loops run on LibTorch's threads (openmp_parallel.h) into
// per-thread tallies: the answers must not depend on how many there are.
TEST(StreamedMetrics, SameAnswersOnOneTwoOrThreeThreads) {
  const int64_t n = 500;
  std::vector<int64_t> label;
  std::vector<std::string> keys;
  RankRoles roles;
  for (int64_t r = 0; r < n; ++r) {
    label.push_back(r < 300 ? 0 : 1 + (r - 300) % 47);
    keys.push_back(r < 300 ? "DMSO" : "c" + std::to_string(label.back()));
    roles.compound.push_back(label.back());
    roles.control.push_back(r < 300);
    roles.query.push_back(r >= 300);
  }
  roles.exclusions = {{}};
  const at::Tensor x = Profiles(n, 24, label);
  const int threads = at::get_num_threads();
  std::vector<PercentReplicating> pr;
  std::vector<QueryRanks> ranks;
  std::vector<std::vector<int64_t>> mechanisms(n);  // none for the controls
  for (int64_t r = 300; r < n; ++r) {
    mechanisms[r] = {label[r] % 10};
    if (label[r] % 4 == 0) mechanisms[r].push_back(20 + label[r] % 3);
  }
  std::vector<std::vector<LabelQueryAp>> label_ranks;
  for (const int t : {1, 2, 3}) {
    at::set_num_threads(t);
    SingleShard one;
    for (const int64_t pilot : {int64_t{0}, kPercentReplicatingPilotPairs}) {
      pr.push_back(StreamPercentReplicating(
          x, keys, 0.95, {64, TilePrecision::kFloat32}, one, pilot));
    }
    ranks.push_back(
        StreamReplicateRanks(x, roles, {64, TilePrecision::kFloat32}));
    label_ranks.push_back(
        StreamLabelRanks(x, mechanisms, {64, TilePrecision::kFloat32}));
  }
  at::set_num_threads(threads);
  for (size_t k = 1; k < pr.size(); ++k) {
    EXPECT_EQ(pr[k].threshold, pr[0].threshold) << k;
    EXPECT_EQ(pr[k].score, pr[0].score) << k;
    ASSERT_EQ(pr[k].medians.size(), pr[0].medians.size());
    for (size_t g = 0; g < pr[0].medians.size(); ++g) {
      EXPECT_EQ(pr[k].medians[g].median, pr[0].medians[g].median) << g;
    }
  }
  for (size_t k = 1; k < ranks.size(); ++k) {
    EXPECT_EQ(ranks[k].first_hit, ranks[0].first_hit) << k;
    EXPECT_EQ(ranks[k].ap_vs_controls, ranks[0].ap_vs_controls) << k;
    EXPECT_EQ(ranks[k].ap_vs_compounds, ranks[0].ap_vs_compounds) << k;
    ASSERT_EQ(label_ranks[k].size(), label_ranks[0].size());
    for (size_t q = 0; q < label_ranks[0].size(); ++q) {
      EXPECT_EQ(label_ranks[k][q].ap, label_ranks[0][q].ap) << k << " " << q;
    }
  }
}

TEST(TileMargin, BoundsTheTilesErrorOnUnitRows) {
  torch::manual_seed(3);
  const at::Tensor u = UnitRows(torch::randn({200, 256}, torch::kFloat64));
  const ExactSimilarity exact(u);
  for (const TilePrecision precision :
       {TilePrecision::kFloat32, TilePrecision::kFloat64}) {
    double worst = 0;
    ForEachUpperTile(u, {64, precision}, [&](const SimilarityTile& t) {
      for (int64_t r = 0; r < t.rows; ++r) {
        for (int64_t c = 0; c < t.cols; ++c) {
          worst = std::max(worst, std::abs(t.s[r * t.cols + c] -
                                           exact(t.row0 + r, t.col0 + c)));
        }
      }
    });
    EXPECT_LT(worst, TileMargin(precision, 256) / 4);
  }
}

TEST(ForEachUpperTile, ReportsEachShardsProgressAgainstItsOwnTotal) {
  const at::Tensor u = UnitRows(torch::randn({130, 8}, torch::kFloat64));
  // 130 rows in tiles of 32: 5 row blocks, 15 upper tiles.
  int64_t all = 0;
  for (int shard = 0; shard < 4; ++shard) {
    TileOptions options{32, TilePrecision::kFloat64};
    options.shard = shard;
    options.shards = 4;
    std::vector<std::pair<int64_t, int64_t>> seen;
    int64_t visits = 0;
    options.progress = [&](int64_t visited, int64_t total) {
      seen.emplace_back(visited, total);
    };
    ForEachUpperTile(u, options, [&](const SimilarityTile&) { ++visits; });
    EXPECT_EQ(TilesOfShard(130, options), shard < 3 ? 4 : 3);
    ASSERT_EQ(static_cast<int64_t>(seen.size()), visits);
    for (size_t k = 0; k < seen.size(); ++k) {
      EXPECT_EQ(seen[k], std::make_pair(static_cast<int64_t>(k) + 1, visits));
    }
    all += visits;
  }
  EXPECT_EQ(all, 15);
}

}  // namespace
}  // namespace micon
