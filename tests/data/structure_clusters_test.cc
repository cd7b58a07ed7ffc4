// Holding out by structure cluster: Tanimoto, leader clusters that bound a
// member's distance to its leader, and hold-outs of whole clusters of eligible
// compounds only.
#include "data/structure_clusters.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <numeric>

namespace micon {
namespace {

std::vector<float> Bits(std::initializer_list<int> on, int n = 8) {
  std::vector<float> v(n, 0.0f);
  for (int i : on) v[i] = 1.0f;
  return v;
}

TEST(Tanimoto, IsSharedOverUnionOfBits) {
  EXPECT_DOUBLE_EQ(Tanimoto(Bits({0, 1, 2}), Bits({1, 2, 3})), 2.0 / 4.0);
  EXPECT_DOUBLE_EQ(Tanimoto(Bits({0}), Bits({1})), 0.0);
  EXPECT_DOUBLE_EQ(Tanimoto(Bits({}), Bits({})), 1.0);
}

TEST(LeaderClusters, JoinTheFirstLeaderAtTheThreshold) {
  // 0 and 1 share 2 of 3 bits (0.67); 2 shares nothing; 3 is 0.5 to 0 and
  // joins 0's cluster at 0.5 but leads its own at 0.6.
  const std::vector<std::vector<float>> bits = {
      Bits({0, 1}), Bits({0, 1, 2}), Bits({5, 6}), Bits({0, 1, 3, 4})};
  const std::vector<size_t> order = {0, 1, 2, 3};
  EXPECT_EQ(LeaderClusters(bits, order, 0.5), (std::vector<int>{0, 0, 1, 0}));
  EXPECT_EQ(LeaderClusters(bits, order, 0.6), (std::vector<int>{0, 0, 1, 2}));
  // The order decides who leads: with 2 first, it is cluster 0.
  EXPECT_EQ(LeaderClusters(bits, {2, 0, 1, 3}, 0.6),
            (std::vector<int>{1, 1, 0, 2}));
}

TEST(HoldOutClusters, HoldsOutWholeClustersOfEligibleCompoundsOnly) {
  // 40 compounds in clusters of 2; every fourth compound is ineligible.
  std::vector<int> cluster(40);
  std::vector<bool> eligible(40);
  for (int i = 0; i < 40; ++i) {
    cluster[i] = i / 2;
    eligible[i] = i % 4 != 3;
  }
  for (uint64_t seed : {1u, 2u, 3u}) {
    const std::vector<bool> out = HoldOutClusters(cluster, eligible, 0.2, seed);
    const int held = static_cast<int>(std::count(out.begin(), out.end(), true));
    EXPECT_GE(held, 6) << "a fifth of 30 eligible";
    EXPECT_LE(held, 7) << "stops once the fraction is reached";
    for (int i = 0; i < 40; ++i) {
      if (out[i]) {
        EXPECT_TRUE(eligible[i]) << i;
      }
      // The eligible partner of a held-out compound is held out too.
      const int partner = i ^ 1;
      if (out[i] && eligible[partner]) {
        EXPECT_TRUE(out[partner]) << i;
      }
    }
  }
  EXPECT_NE(HoldOutClusters(cluster, eligible, 0.2, 1),
            HoldOutClusters(cluster, eligible, 0.2, 2));
  const std::vector<bool> none = HoldOutClusters(cluster, eligible, 0.0, 1);
  EXPECT_EQ(std::count(none.begin(), none.end(), true), 0);
}

}  // namespace
}  // namespace micon
