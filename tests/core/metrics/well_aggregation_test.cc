#include "core/metrics/well_aggregation.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

namespace micon {
namespace {

TEST(AggregateByGroup, MeanAndMedianPerGroupAsNumpy) {
  const torch::Tensor x =
      torch::tensor({1.0, 10.0, 2.0, 20.0, 4.0, 40.0, 7.0, 70.0, 9.0, 90.0},
                    torch::kFloat64)
          .view({5, 2});
  const std::vector<int64_t> group = {0, 1, 0, 1, 1};
  const torch::Tensor mean = AggregateByGroup(x, group, 2, Aggregation::kMean);
  EXPECT_TRUE(torch::allclose(
      mean, torch::tensor({{2.5, 25.0}, {6.0, 60.0}}, torch::kFloat64)));
  // An even count's median is the mean of the middle two (numpy, pandas).
  const torch::Tensor median =
      AggregateByGroup(x, group, 2, Aggregation::kMedian);
  EXPECT_TRUE(torch::equal(
      median, torch::tensor({{2.5, 25.0}, {7.0, 70.0}}, torch::kFloat64)));
  EXPECT_EQ(ParseEnum(kAggregationNames, "median"), Aggregation::kMedian);
  EXPECT_FALSE(ParseEnum(kAggregationNames, "max").has_value());
}

TEST(AggregateByGroup, RejectsAnEmptyGroupAndAnOutOfRangeId) {
  const torch::Tensor x = torch::ones({2, 3});
  EXPECT_THROW(AggregateByGroup(x, {0, 0}, 2, Aggregation::kMean), c10::Error);
  EXPECT_THROW(AggregateByGroup(x, {0, 2}, 2, Aggregation::kMean), c10::Error);
  EXPECT_THROW(AggregateByGroup(x, {0}, 1, Aggregation::kMean), c10::Error);
}

}  // namespace
}  // namespace micon
