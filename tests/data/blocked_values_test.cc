#include "data/blocked_values.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

namespace micon {
namespace {

TEST(BlockedValues, ValuesAcrossBlockEdgesComeBackInOrder) {
  // Block sizes below, at and above the count, so that the copy crosses
  // every kind of edge: a full last block, a partial one, a single block.
  for (size_t block : {1, 3, 4, 12, 13, 100}) {
    BlockedValues values(block);
    for (int v = 0; v < 12; ++v) values.Add(v * 0.5);
    EXPECT_EQ(values.size(), 12u);
    const at::Tensor t = values.Take(4, 3);
    EXPECT_EQ(t.scalar_type(), torch::kFloat64);
    EXPECT_TRUE(torch::equal(
        t, torch::arange(12, torch::kFloat64).mul(0.5).view({4, 3})))
        << "block " << block << "\n"
        << t;
    EXPECT_EQ(values.size(), 0u);
  }
}

TEST(BlockedValues, TakeIsReusableAndRefusesTheWrongShape) {
  BlockedValues values(2);
  for (int v = 0; v < 5; ++v) values.Add(v);
  EXPECT_THROW(values.Take(2, 2), c10::Error);
  const at::Tensor t = values.Take(5, 1);
  EXPECT_EQ(t.sizes(), (std::vector<int64_t>{5, 1}));
  values.Add(7);
  EXPECT_DOUBLE_EQ(values.Take(1, 1).item<double>(), 7);
  EXPECT_EQ(values.Take(0, 4).numel(), 0);
}

}  // namespace
}  // namespace micon
