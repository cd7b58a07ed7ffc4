// Control-based normalisation and ZCA sphering on cases with known results.
#include "core/metrics/profile_normalization.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

namespace micon {
namespace {

TEST(NormalizePerGroup, RobustMadUsesEachGroupsControls) {
  // Group p1: controls 1,2,3,4,100 (median 3, MAD 1); the treated row 3+1.4826
  // becomes 1. Group p2: controls 10,20 (median 15, MAD 5).
  const at::Tensor x =
      torch::tensor({1.0, 2.0, 3.0, 4.0, 100.0, 3 + 1.4826, 10.0, 20.0, 22.413},
                    torch::kFloat64)
          .view({-1, 1});
  const std::vector<std::string> group = {"p1", "p1", "p1", "p1", "p1",
                                          "p1", "p2", "p2", "p2"};
  const std::vector<bool> control = {true,  true, true, true, true,
                                     false, true, true, false};
  const at::Tensor y =
      NormalizePerGroup(x, group, control, NormalizeMethod::kRobustMad);
  EXPECT_NEAR(y[2][0].item<double>(), 0.0, 1e-12);
  EXPECT_NEAR(y[5][0].item<double>(), 1.0, 1e-12);
  EXPECT_NEAR(y[8][0].item<double>(), (22.413 - 15) / (1.4826 * 5), 1e-12);
}

TEST(NormalizePerGroup, StandardizeGivesControlsZeroMeanUnitStd) {
  torch::manual_seed(3);
  const at::Tensor x = torch::randn({12, 4}, torch::kFloat64) * 3 + 5;
  std::vector<std::string> group(12, "a");
  for (int r = 6; r < 12; ++r) group[r] = "b";
  std::vector<bool> control(12, false);
  for (int r : {0, 1, 2, 3, 6, 7, 8}) control[r] = true;
  const at::Tensor y =
      NormalizePerGroup(x, group, control, NormalizeMethod::kStandardize);
  const at::Tensor a = y.index_select(0, torch::tensor({0, 1, 2, 3}));
  EXPECT_TRUE(
      torch::allclose(a.mean(0), torch::zeros({4}, torch::kFloat64), 0, 1e-12));
  EXPECT_TRUE(
      torch::allclose(a.std(0, false), torch::ones({4}, torch::kFloat64)));
  const at::Tensor b = y.index_select(0, torch::tensor({6, 7, 8}));
  EXPECT_TRUE(
      torch::allclose(b.mean(0), torch::zeros({4}, torch::kFloat64), 0, 1e-12));
}

TEST(NormalizePerGroup, AGroupWithoutControlsIsAnError) {
  const at::Tensor x = torch::ones({2, 1}, torch::kFloat64);
  EXPECT_THROW(NormalizePerGroup(x, {"a", "b"}, {true, false},
                                 NormalizeMethod::kRobustMad),
               c10::Error);
  EXPECT_EQ(ParseEnum(kNormalizeMethodNames, "mad"),
            NormalizeMethod::kRobustMad);
  EXPECT_FALSE(ParseEnum(kNormalizeMethodNames, "zscore").has_value());
}

TEST(ZcaSphere, WhitensTheControls) {
  torch::manual_seed(5);
  // Correlated features: controls with covariance far from identity.
  const at::Tensor mix = torch::tensor(
      {{2.0, 0.5, 0.0}, {0.0, 1.0, 0.3}, {0.2, 0.0, 3.0}}, torch::kFloat64);
  const at::Tensor x = torch::randn({200, 3}, torch::kFloat64).matmul(mix) + 4;
  std::vector<bool> control(200, false);
  for (int r = 0; r < 150; ++r) control[r] = true;
  const at::Tensor z = ZcaSphere(x, control, 1e-12);
  const at::Tensor c = z.slice(0, 0, 150);
  const at::Tensor centred = c - c.mean(0);
  const at::Tensor cov = centred.t().matmul(centred) / 149.0;
  EXPECT_TRUE(torch::allclose(cov, torch::eye(3, torch::kFloat64), 0, 1e-8));
  EXPECT_TRUE(
      torch::allclose(c.mean(0), torch::zeros({3}, torch::kFloat64), 0, 1e-10));
}

// Per group: each group's rows are sphered on that group's controls alone, in
// place; a group with fewer than 2 controls is refused by name.
TEST(ZcaSphere, PerGroupSpheresEachGroupOnItsOwnControls) {
  torch::manual_seed(6);
  const at::Tensor x = torch::randn({8, 2}, torch::kFloat64);
  const std::vector<std::string> group = {"a", "b", "a", "b",
                                          "a", "b", "a", "b"};
  const std::vector<bool> control = {true,  true, true,  true,
                                     false, true, false, false};
  const at::Tensor z = ZcaSpherePerGroup(x, group, control);
  const at::Tensor a = torch::tensor({0, 2, 4, 6}, torch::kLong);
  const at::Tensor b = torch::tensor({1, 3, 5, 7}, torch::kLong);
  EXPECT_TRUE(torch::allclose(
      z.index_select(0, a),
      ZcaSphere(x.index_select(0, a), {true, true, false, false})));
  EXPECT_TRUE(torch::allclose(
      z.index_select(0, b),
      ZcaSphere(x.index_select(0, b), {true, true, true, false})));
  std::vector<bool> one_in_a = control;
  one_in_a[2] = false;
  try {
    ZcaSpherePerGroup(x, group, one_in_a);
    ADD_FAILURE() << "a group with 1 control was sphered";
  } catch (const c10::Error& e) {
    EXPECT_NE(std::string(e.what()).find("group 'a'"), std::string::npos)
        << e.what();
  }
}

}  // namespace
}  // namespace micon
