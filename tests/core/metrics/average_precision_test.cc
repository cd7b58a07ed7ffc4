// Average precision, its permutation null and Benjamini-Hochberg, against
// values worked out by hand.
#include "core/metrics/average_precision.h"

#include <gtest/gtest.h>

#include <cmath>

namespace micon {
namespace {

TEST(AveragePrecision, MeansPrecisionAtEachPositive) {
  EXPECT_DOUBLE_EQ(AveragePrecision({{0.9, true}, {0.7, false}, {0.4, true}}),
                   (1.0 + 2.0 / 3.0) / 2.0);
  // Input order does not matter, only similarity.
  EXPECT_DOUBLE_EQ(AveragePrecision({{0.4, true}, {0.9, true}, {0.7, false}}),
                   (1.0 + 2.0 / 3.0) / 2.0);
  EXPECT_DOUBLE_EQ(AveragePrecision({{0.1, false}, {0.2, true}}), 1.0);
}

TEST(AveragePrecision, TiesRankPositivesFirst) {
  EXPECT_DOUBLE_EQ(AveragePrecision({{0.5, false}, {0.5, true}}), 1.0);
  EXPECT_DOUBLE_EQ(
      AveragePrecision({{0.5, false}, {0.5, false}, {0.5, true}, {0.9, false}}),
      0.5);
}

TEST(AveragePrecision, NoPositiveIsNan) {
  EXPECT_TRUE(std::isnan(AveragePrecision({{0.5, false}})));
  EXPECT_TRUE(std::isnan(AveragePrecision({})));
}

TEST(BenjaminiHochberg, MatchesStatsmodelsFdrBh) {
  // statsmodels.stats.multitest.multipletests(p, method="fdr_bh")[1]
  const std::vector<double> q = BenjaminiHochberg({0.01, 0.04, 0.03, 0.005});
  ASSERT_EQ(q.size(), 4u);
  EXPECT_DOUBLE_EQ(q[0], 0.02);
  EXPECT_DOUBLE_EQ(q[1], 0.04);
  EXPECT_DOUBLE_EQ(q[2], 0.04);
  EXPECT_DOUBLE_EQ(q[3], 0.02);
  EXPECT_DOUBLE_EQ(BenjaminiHochberg({0.9, 0.8})[0], 0.9);  // capped, monotone
}

TEST(MeanAveragePrecision, NullDrawsAreIndependentAcrossQueries) {
  // One positive among two candidates: a random ranking gives AP 1 with
  // probability 1/2. Two queries with AP 1: the null mAP reaches 1 only when
  // both draws do, so p = 1/4 (it would be 1/2 if queries shared draws).
  std::vector<QueryAp> queries = {{"c", 1.0, 1, 2}, {"c", 1.0, 1, 2}};
  const std::vector<GroupMap> g =
      MeanAveragePrecision(queries, {.null_size = 40000, .seed = 7});
  ASSERT_EQ(g.size(), 1u);
  EXPECT_DOUBLE_EQ(g[0].map, 1.0);
  EXPECT_EQ(g[0].queries, 2);
  EXPECT_NEAR(g[0].p_value, 0.25, 0.01);
}

TEST(MeanAveragePrecision, GroupsWithTheSameShapesShareOneNull) {
  // "a" and "b" have the same query shapes (listed in another order), so they
  // share one null: equal mAPs get equal p-values. "c" differs in one shape
  // and gets its own null, drawn after theirs; adding it does not move them.
  std::vector<QueryAp> queries = {{"a", 0.5, 2, 30},
                                  {"a", 0.4, 3, 30},
                                  {"b", 0.4, 3, 30},
                                  {"b", 0.5, 2, 30}};
  const MapOptions options{.null_size = 500, .seed = 3};
  const std::vector<GroupMap> shared = MeanAveragePrecision(queries, options);
  ASSERT_EQ(shared.size(), 2u);
  EXPECT_DOUBLE_EQ(shared[0].map, shared[1].map);
  EXPECT_EQ(shared[0].p_value, shared[1].p_value);
  queries.push_back({"c", 0.5, 2, 31});
  queries.push_back({"c", 0.4, 3, 30});
  const std::vector<GroupMap> three = MeanAveragePrecision(queries, options);
  ASSERT_EQ(three.size(), 3u);
  EXPECT_EQ(three[0].p_value, shared[0].p_value);
  EXPECT_EQ(three[1].p_value, shared[1].p_value);
  EXPECT_GT(three[2].p_value, 0.0);
}

TEST(MeanAveragePrecision, SeparatesRetrievedFromChanceGroups) {
  std::vector<QueryAp> queries;
  // Group "strong": 3 positives ranked first among 40 candidates, 4 queries.
  for (int i = 0; i < 4; ++i) queries.push_back({"strong", 1.0, 3, 40});
  // Group "chance": an AP typical of random rankings (3 of 40: about 0.15).
  for (int i = 0; i < 4; ++i) queries.push_back({"chance", 0.15, 3, 40});
  queries.push_back({"none", std::nan(""), 0, 40});  // skipped
  const MapOptions options{.null_size = 2000, .seed = 1};
  const std::vector<GroupMap> g = MeanAveragePrecision(queries, options);
  ASSERT_EQ(g.size(), 2u);
  EXPECT_EQ(g[0].group, "strong");
  EXPECT_DOUBLE_EQ(g[0].p_value, 1.0 / 2001.0);
  EXPECT_TRUE(g[0].retrieved);
  EXPECT_EQ(g[1].group, "chance");
  EXPECT_GT(g[1].p_value, 0.2);
  EXPECT_FALSE(g[1].retrieved);
  // The same seed gives the same p-values.
  EXPECT_EQ(MeanAveragePrecision(queries, options)[1].p_value, g[1].p_value);
}

}  // namespace
}  // namespace micon
