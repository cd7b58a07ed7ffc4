#include "core/metrics/feature_selection.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

namespace micon {
namespace {

TEST(SelectFeatures, DropsConstantNearConstantAndRedundantFeatures) {
  torch::manual_seed(3);
  const int64_t n = 300;
  const torch::Tensor a = torch::randn({n}, torch::kFloat64);
  const torch::Tensor b = torch::randn({n}, torch::kFloat64);
  torch::Tensor rare = torch::zeros({n}, torch::kFloat64);
  rare[0] = 1;  // one odd value in 300: near-constant
  const torch::Tensor x =
      torch::stack({a, torch::full({n}, 2.0, torch::kFloat64), 3 * a + 0.01 * b,
                    b, rare, a + b},
                   1);
  // Feature 2 duplicates 0; 5 is correlated 0.71 with both 0 and 3 (kept).
  const std::vector<int64_t> keep = SelectFeatures(x, {});
  ASSERT_EQ(keep.size(), 3u);
  EXPECT_TRUE((keep == std::vector<int64_t>{0, 3, 5}) ||
              (keep == std::vector<int64_t>{2, 3, 5}));
  FeatureSelectOptions strict;
  strict.correlation_threshold = 0.5;  // now a + b pairs with a and b
  EXPECT_EQ(SelectFeatures(x, strict).size(), 2u);
  EXPECT_EQ(SelectFeatures(torch::ones({4, 3}), {}), (std::vector<int64_t>{0}));
}

}  // namespace
}  // namespace micon
