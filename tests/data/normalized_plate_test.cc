#include "data/normalized_plate.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include "data/plate_store.h"
#include "tests/data/plate_fixture.h"
#include "tests/test_support.h"

namespace micon {
namespace {

using ::micon::testing::ScratchDir;

TEST(NormalizedPlate, ExpressesEveryChannelRelativeToTheControlImages) {
  const std::string path = ScratchDir() + "/P1.h5";
  const PlateHeader header = testing::TestHeader("P1");
  // Images 1 and 2 are the controls.
  MICON_ASSERT_OK(testing::WriteTestPlate(path, header,
                                          {{"A01", 1, "cpd-a", false},
                                           {"B01", 1, "DMSO", true},
                                           {"B02", 1, "DMSO", true}}));
  MICON_ASSERT_OK_AND_ASSIGN(auto plate, NormalizedPlate::Open(path, 16));
  auto raw = [&](int64_t i) {
    const std::vector<uint16_t> v = testing::TestImage(i, header);
    return torch::tensor(std::vector<int64_t>(v.begin(), v.end()))
        .to(torch::kFloat64)
        .view({header.num_channels(), header.height, header.width});
  };
  const torch::Tensor controls = torch::stack({raw(1), raw(2)})
                                     .transpose(0, 1)
                                     .reshape({header.num_channels(), -1});
  const torch::Tensor mean = controls.mean(1).view({-1, 1, 1});
  const torch::Tensor std = controls.std(1).clamp_min(1.0).view({-1, 1, 1});
  MICON_ASSERT_OK_AND_ASSIGN(torch::Tensor x, plate->Read(0));
  EXPECT_TRUE(torch::allclose(x.to(torch::kFloat64), (raw(0) - mean) / std,
                              1e-5, 1e-5));
  MICON_ASSERT_OK_AND_ASSIGN(torch::Tensor r, plate->ReadRaw(0));
  EXPECT_TRUE(torch::equal(r.to(torch::kFloat64), raw(0)));
  EXPECT_FALSE(plate->Read(3).ok());
}

// Dataset statistics: one mean and standard deviation per channel over a
// sample of every plate, the same for every plate, so differences between
// plates stay in the pixels; none: raw counts.
TEST(NormalizedPlate, DatasetAndNoNormalisationKeepPlateDifferences) {
  const std::string root = ScratchDir();
  MICON_ASSERT_OK(testing::WriteTestStore(root));
  MICON_ASSERT_OK_AND_ASSIGN(PlateStore store, OpenPlateStore(root));
  ASSERT_EQ(store.plates.size(), 2u);

  PixelNormalizationOptions dataset;
  dataset.kind = PixelNormalization::kDataset;
  EXPECT_FALSE(NormalizedPlate::Open(store.plates[0].path, dataset).ok())
      << "dataset normalisation before its statistics exist";
  dataset.control_images_for_stats = 1000;  // every image of every plate
  MICON_ASSERT_OK(PreparePixelNormalization(store, &dataset));
  std::vector<torch::Tensor> all;
  for (const PlateMetadata& p : store.plates) {
    MICON_ASSERT_OK_AND_ASSIGN(auto plate, NormalizedPlate::Open(p.path, 16));
    for (int64_t i = 0; i < p.num_images(); ++i) {
      MICON_ASSERT_OK_AND_ASSIGN(torch::Tensor r, plate->ReadRaw(i));
      all.push_back(r.to(torch::kFloat64));
    }
  }
  const int64_t c = store.plates[0].header.num_channels();
  const torch::Tensor values =
      torch::stack(all).transpose(0, 1).reshape({c, -1});
  EXPECT_TRUE(
      torch::allclose(dataset.dataset.mean.to(torch::kFloat64).flatten(),
                      values.mean(1), 1e-5, 1e-3));
  EXPECT_TRUE(
      torch::allclose(dataset.dataset.stddev.to(torch::kFloat64).flatten(),
                      values.std(1).clamp_min(1.0), 1e-5, 1e-3));

  PixelNormalizationOptions none;
  none.kind = PixelNormalization::kNone;
  for (const PlateMetadata& p : store.plates) {
    MICON_ASSERT_OK_AND_ASSIGN(auto by_dataset,
                               NormalizedPlate::Open(p.path, dataset));
    MICON_ASSERT_OK_AND_ASSIGN(auto raw, NormalizedPlate::Open(p.path, none));
    MICON_ASSERT_OK_AND_ASSIGN(torch::Tensor r, raw->ReadRaw(0));
    MICON_ASSERT_OK_AND_ASSIGN(torch::Tensor x, raw->Read(0));
    EXPECT_TRUE(torch::equal(x, r));
    MICON_ASSERT_OK_AND_ASSIGN(torch::Tensor d, by_dataset->Read(0));
    EXPECT_TRUE(torch::allclose(
        d, (r - dataset.dataset.mean) / dataset.dataset.stddev, 1e-5, 1e-5));
  }
}

TEST(CentreSquare, TakesTheMiddleSquareThenResizes) {
  const torch::Tensor image =
      torch::arange(2 * 4 * 6, torch::kFloat).view({2, 4, 6});
  const torch::Tensor same = CentreSquare(image, 4);
  EXPECT_TRUE(torch::equal(same, image.slice(2, 1, 5)));
  EXPECT_EQ(CentreSquare(image, 2).sizes(), (std::vector<int64_t>{2, 2, 2}));
}

}  // namespace
}  // namespace micon
