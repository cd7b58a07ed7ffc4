// Cross-modal retrieval: ranks on a hand-made space, and chance that a random
// space actually meets.
#include "core/metrics/cross_modal_retrieval.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

namespace micon {
namespace {

// Molecules on the axes; wells near (or away from) their molecule's axis.
TEST(CrossModalRetrieval, RanksOnAHandMadeSpace) {
  const torch::Tensor molecules = torch::eye(3, torch::kDouble);
  const torch::Tensor wells = torch::tensor({{1.0, 0.1, 0.0},   // m0: rank 1
                                             {0.2, 0.0, 1.0},   // m2: rank 1
                                             {0.0, 0.5, 0.9},   // m1: rank 2
                                             {0.9, 0.0, 0.2}},  // m2: rank 2
                                            torch::kDouble);
  const std::vector<int64_t> labels = {0, 2, 1, 2};
  const RetrievalResult w = WellToMolecule(wells, labels, molecules);
  EXPECT_EQ(w.rank, (std::vector<int64_t>{1, 1, 2, 2}));
  EXPECT_EQ(w.Recall()[0], 0.5);
  EXPECT_EQ(w.Recall()[1], 1.0);
  EXPECT_DOUBLE_EQ(w.MeanRank(), 1.5);
  EXPECT_DOUBLE_EQ(w.ChanceRecall()[0], 1.0 / 3);
  EXPECT_DOUBLE_EQ(w.ChanceMeanRank(), 2.0);

  const RetrievalResult m = MoleculeToWell(molecules, wells, labels);
  // Each molecule's column of `wells`, its positives before the bar:
  //   m0: 1.0 | 0.2, 0.0, 0.9         -> rank 1
  //   m1: 0.5 | 0.1, 0.0, 0.0         -> rank 1
  //   m2: 1.0, 0.2 | 0.0, 0.9 (best 1.0) -> rank 1
  EXPECT_EQ(m.rank, (std::vector<int64_t>{1, 1, 1}));
  EXPECT_EQ(m.query, (std::vector<int64_t>{0, 1, 2}));
  // Chance with W = 4: one positive of 4 for m0, m1 (R@1 1/4, best rank
  // 5/2); two for m2 (R@1 1/2, best rank 5/3).
  EXPECT_DOUBLE_EQ(m.chance_hit[2][0], 0.5);
  EXPECT_DOUBLE_EQ(m.chance_rank[2], 5.0 / 3);
  EXPECT_DOUBLE_EQ(m.chance_hit[0][0], 0.25);
  EXPECT_DOUBLE_EQ(m.chance_hit[0][1], 1.0);  // k = 5 >= W
}

TEST(CrossModalRetrieval, ARandomSpaceScoresChance) {
  torch::manual_seed(11);
  const int trials = 300;
  double recall5 = 0, chance5 = 0, rank = 0, chance_rank = 0;
  std::vector<int64_t> labels;
  for (int64_t w = 0; w < 24; ++w) labels.push_back(w % 8);  // 3 wells each
  for (int t = 0; t < trials; ++t) {
    const torch::Tensor molecules = torch::randn({8, 6}, torch::kDouble);
    const torch::Tensor wells = torch::randn({24, 6}, torch::kDouble);
    const RetrievalResult m = MoleculeToWell(molecules, wells, labels);
    recall5 += m.Recall()[1];
    chance5 += m.ChanceRecall()[1];
    rank += m.MeanRank();
    chance_rank += m.ChanceMeanRank();
  }
  // 1 - C(21,5)/C(24,5) = 1 - 20349/42504; (24 + 1) / (3 + 1) = 6.25.
  EXPECT_NEAR(chance5 / trials, 1 - 20349.0 / 42504, 1e-12);
  EXPECT_NEAR(chance_rank / trials, 6.25, 1e-12);
  EXPECT_NEAR(recall5 / trials, chance5 / trials, 0.03);
  EXPECT_NEAR(rank / trials, chance_rank / trials, 0.4);
}

TEST(CrossModalRetrieval, RefusesLabelsOutsideTheMolecules) {
  EXPECT_THROW(
      WellToMolecule(torch::randn({2, 3}), {0, 3}, torch::randn({3, 3})),
      c10::Error);
  EXPECT_THROW(
      MoleculeToWell(torch::randn({3, 4}), torch::randn({2, 3}), {0, 1}),
      c10::Error);
}

}  // namespace
}  // namespace micon
