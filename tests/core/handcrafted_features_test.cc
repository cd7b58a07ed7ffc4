#include "core/handcrafted_features.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cmath>
#include <string>
#include <vector>

namespace micon {
namespace {

double At(const torch::Tensor& f, const std::vector<std::string>& names,
          const std::string& name) {
  for (size_t i = 0; i < names.size(); ++i) {
    if (names[i] == name) return f[static_cast<int64_t>(i)].item<double>();
  }
  ADD_FAILURE() << "no feature " << name;
  return NAN;
}

TEST(LabelComponents, CountsFourConnectedObjectsInRasterOrder) {
  torch::Tensor mask = torch::zeros({6, 7}, torch::kBool);
  mask.slice(0, 0, 2).slice(1, 0, 3).fill_(true);  // 6 pixels
  mask[4][5] = true;                               // 1 pixel
  mask[3][1] = true;                               // a diagonal pair: two
  mask[4][2] = true;                               // objects, not one
  const Components c = LabelComponents(mask);
  EXPECT_EQ(c.areas, (std::vector<int64_t>{6, 1, 1, 1}));
  EXPECT_EQ(c.labels[0][2].item<int64_t>(), 1);
  EXPECT_EQ(c.labels[3][1].item<int64_t>(), 2);
  EXPECT_EQ(c.labels[4][2].item<int64_t>(), 3);
  EXPECT_EQ(c.labels[4][5].item<int64_t>(), 4);
  EXPECT_EQ(c.labels.count_nonzero().item<int64_t>(), 9);
  EXPECT_TRUE(
      LabelComponents(torch::zeros({3, 3}, torch::kBool)).areas.empty());
}

TEST(OtsuThreshold, SeparatesTwoModes) {
  const torch::Tensor v = torch::cat(
      {torch::full({100}, 10.0) + torch::rand({100}, torch::kFloat64),
       torch::full({50}, 200.0)});
  const double t = OtsuThreshold(v);
  EXPECT_GT(t, 11.0);
  EXPECT_LT(t, 200.0);
  EXPECT_EQ(OtsuThreshold(torch::full({5}, 3.0)), 3.0);
}

// Three 4x4 nuclei of known brightness on a dark field, and a second channel
// equal to the first.
torch::Tensor ThreeNuclei() {
  torch::Tensor dna = torch::full({32, 32}, 100.0, torch::kFloat64);
  for (int64_t k = 0; k < 3; ++k) {
    dna.slice(0, 4 + 9 * k, 8 + 9 * k).slice(1, 10, 14).fill_(1000.0);
  }
  dna[30][30] = 1000.0;  // a one-pixel speck, below min_nucleus_area
  return torch::stack({dna, dna * 2});
}

TEST(HandcraftedFeatures, MeasuresKnownNucleiIntensitiesAndCorrelation) {
  const std::vector<std::string> names = HandcraftedFeatureNames({"DNA", "ER"});
  const torch::Tensor f = HandcraftedFeatures(ThreeNuclei(), {});
  ASSERT_EQ(f.size(0), static_cast<int64_t>(names.size()));
  EXPECT_TRUE(torch::isfinite(f).all().item<bool>());
  EXPECT_EQ(At(f, names, "Nuclei_Count"), 3);
  EXPECT_EQ(At(f, names, "Nuclei_AreaMean"), 16);
  EXPECT_EQ(At(f, names, "Nuclei_AreaStd"), 0);
  const double bright = 3 * 16 + 1;
  EXPECT_NEAR(At(f, names, "Intensity_Mean_DNA"),
              (bright * 1000 + (1024 - bright) * 100) / 1024, 1e-9);
  EXPECT_NEAR(At(f, names, "Intensity_Median_ER"), 200, 1e-9);
  EXPECT_NEAR(At(f, names, "Foreground_Fraction_DNA"), bright / 1024, 1e-12);
  EXPECT_NEAR(At(f, names, "Nuclei_MeanIntensity_DNA"), 1000, 1e-9);
  // The speck lies outside the kept nuclei: it raises the outside mean.
  EXPECT_NEAR(At(f, names, "Nuclei_IntensityRatio_ER"),
              2000 / ((1000.0 + 100 * 975) * 2 / 976), 1e-9);
  EXPECT_NEAR(At(f, names, "Correlation_DNA_ER"), 1.0, 1e-12);
  EXPECT_GT(At(f, names, "Intensity_Skewness_DNA"), 0);
}

TEST(HandcraftedFeatures, CoOccurrenceOfAStripePattern) {
  // Vertical stripes alternating 0/1 in columns: every horizontal neighbour
  // pair differs by the full range, every vertical one is equal.
  torch::Tensor stripes = torch::arange(8, torch::kFloat64)
                              .remainder(2)
                              .view({1, 8})
                              .expand({8, 8});
  const std::vector<std::string> names = HandcraftedFeatureNames({"A"});
  const torch::Tensor f =
      HandcraftedFeatures(stripes.unsqueeze(0).contiguous(), {});
  // The two values fall in levels 0 and 7 of 8; half the pairs (the
  // horizontal ones) differ by 7: contrast 49 / 2, homogeneity
  // 1 / 2 + (1 / 2) / (1 + 49).
  EXPECT_NEAR(At(f, names, "Texture_Contrast_A"), 24.5, 1e-12);
  EXPECT_NEAR(At(f, names, "Texture_Homogeneity_A"), 0.51, 1e-12);
  EXPECT_NEAR(At(f, names, "Texture_Energy_A"), 4 * 0.25 * 0.25, 1e-12);
  EXPECT_NEAR(At(f, names, "Texture_Correlation_A"), 0.0, 1e-12);
}

TEST(HandcraftedFeatures, FlatImageGivesZerosNotNaN) {
  const torch::Tensor f = HandcraftedFeatures(torch::full({3, 8, 8}, 7.0), {});
  EXPECT_TRUE(torch::isfinite(f).all().item<bool>());
  const std::vector<std::string> names =
      HandcraftedFeatureNames({"a", "b", "c"});
  EXPECT_EQ(At(f, names, "Nuclei_Count"), 0);
  EXPECT_EQ(At(f, names, "Texture_Contrast_b"), 0);
  EXPECT_EQ(At(f, names, "Correlation_a_c"), 0);
  EXPECT_THROW(HandcraftedFeatures(torch::zeros({1, 2, 8}), {}), c10::Error);
}

}  // namespace
}  // namespace micon
