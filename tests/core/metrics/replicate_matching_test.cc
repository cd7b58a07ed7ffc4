// Replicate matching (NSB/NSS top-k) on small cases with known answers,
// including query and candidate sets that differ.
#include "core/metrics/replicate_matching.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

namespace micon {
namespace {

// Candidates: wells 10..13. Labels (compound) 1,1,2,2; groups (batch) 0,1,0,1.
MatchingRows Candidates() {
  return {{10, 11, 12, 13}, {1, 1, 2, 2}, {0, 1, 0, 1}};
}

TEST(ReplicateTopK, ExcludesTheQueryWellByIdWhenTheSetsDiffer) {
  // Queries are wells 12 and 10, in that order: the first query's own row is
  // candidate 2, not candidate 0. Each query is most similar to itself.
  const MatchingRows queries{{12, 10}, {2, 1}, {0, 0}};
  const at::Tensor s = torch::tensor(
      {{0.2, 0.1, 1.0, 0.3}, {1.0, 0.5, 0.2, 0.6}}, torch::kFloat64);
  const TopK t = ReplicateTopK(s, queries, Candidates(), Exclusion::kNone, 3);
  EXPECT_EQ(t.scored, 2);
  // Query 12 (label 2): nearest others 13 (0.3, label 2): hit at k = 1.
  // Query 10 (label 1): nearest others 13 (0.6), then 11 (0.5): hit at k = 2.
  EXPECT_DOUBLE_EQ(t.accuracy[0], 0.5);
  EXPECT_DOUBLE_EQ(t.accuracy[1], 1.0);
  EXPECT_DOUBLE_EQ(t.accuracy[2], 1.0);
  EXPECT_EQ(t.first_hit, (std::vector<int64_t>{0, 1}));
}

TEST(ReplicateTopK, NotSameBatchDropsTheQuerysBatch) {
  // Query well 10 (label 1, batch 0). Its replicate 11 is in batch 1; the
  // same-batch well 12 is the most similar and must not compete under NSB.
  const MatchingRows queries{{10}, {1}, {0}};
  const at::Tensor s = torch::tensor({{1.0, 0.4, 0.9, 0.5}}, torch::kFloat64);
  const TopK nsb =
      ReplicateTopK(s, queries, Candidates(), Exclusion::kSameGroup, 2);
  EXPECT_DOUBLE_EQ(nsb.accuracy[0], 0.0);  // 13 (0.5) outranks 11 (0.4)
  EXPECT_DOUBLE_EQ(nsb.accuracy[1], 1.0);
  const TopK all = ReplicateTopK(s, queries, Candidates(), Exclusion::kNone, 3);
  EXPECT_DOUBLE_EQ(all.accuracy[1], 0.0);  // 12 and 13 first
  EXPECT_DOUBLE_EQ(all.accuracy[2], 1.0);
}

TEST(ReplicateTopK, SameGroupPositivesOnlyKeepsSameGroupNegatives) {
  // Query 13 (label 2, batch 1): its only replicate 12 is in batch 0. Under
  // kSameGroupPositives a same-batch negative (11) still competes.
  const MatchingRows queries{{13}, {2}, {1}};
  const at::Tensor s = torch::tensor({{0.1, 0.8, 0.5, 1.0}}, torch::kFloat64);
  const TopK t = ReplicateTopK(s, queries, Candidates(),
                               Exclusion::kSameGroupPositives, 2);
  EXPECT_EQ(t.scored, 1);
  EXPECT_DOUBLE_EQ(t.accuracy[0], 0.0);
  EXPECT_DOUBLE_EQ(t.accuracy[1], 1.0);
}

TEST(ReplicateTopK, QueriesWithoutAReachablePositiveAreNotScored) {
  // Query 12 (label 2, batch 0): its replicate 13 is in batch 1, so NSB keeps
  // it; query 14 (label 3) has no replicate at all.
  const MatchingRows queries{{12, 14}, {2, 3}, {0, 0}};
  const at::Tensor s = torch::tensor(
      {{0.1, 0.2, 1.0, 0.3}, {0.1, 0.2, 0.3, 0.4}}, torch::kFloat64);
  const TopK t =
      ReplicateTopK(s, queries, Candidates(), Exclusion::kSameGroup, 1);
  EXPECT_EQ(t.scored, 1);
  EXPECT_EQ(t.unscorable, 1);
  EXPECT_DOUBLE_EQ(t.accuracy[0], 1.0);
  EXPECT_EQ(t.first_hit, (std::vector<int64_t>{0, -1}));
}

TEST(ReplicateTopK, ChecksShapes) {
  const at::Tensor s = torch::zeros({1, 3}, torch::kFloat64);
  EXPECT_THROW(
      ReplicateTopK(s, {{1}, {1}, {0}}, Candidates(), Exclusion::kNone, 1),
      c10::Error);
}

}  // namespace
}  // namespace micon

namespace micon {
namespace {

TEST(ChanceTopK, IsOneMinusTheChanceOfDrawingOnlyNegatives) {
  EXPECT_DOUBLE_EQ(ChanceTopK(10, 1, 1), 0.1);
  EXPECT_DOUBLE_EQ(ChanceTopK(10, 2, 3), 1 - 56.0 / 120.0);  // C(8,3)/C(10,3)
  EXPECT_DOUBLE_EQ(ChanceTopK(10, 2, 9), 1.0);  // 9 draws cannot all miss
  EXPECT_DOUBLE_EQ(ChanceTopK(10, 0, 5), 0.0);
  EXPECT_DOUBLE_EQ(ChanceTopK(3, 1, 10), 1.0);  // k beyond the candidates
  EXPECT_THROW(ChanceTopK(3, 4, 1), c10::Error);
}

}  // namespace
}  // namespace micon
