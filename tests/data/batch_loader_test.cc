// The loader: tensors of the right shape and scale, seeded augmentation
// independent of the number of workers, and a named error when a plate goes bad
// mid-run.
#include "data/batch_loader.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <filesystem>

#include "core/raw_views.h"
#include "data/plate_sharding.h"
#include "tests/data/screen_fixture.h"
#include "tests/test_support.h"

namespace micon {
namespace {

using ::micon::testing::CompoundLabels;
using ::micon::testing::SmallScreen;

std::unique_ptr<BatchLoader> MakeLoader(const PlateStore& store,
                                        SamplingMode mode, int workers,
                                        uint64_t seed, bool augment = true,
                                        std::vector<size_t> shard = {},
                                        bool raw_views = false,
                                        int open_plates = 128) {
  if (shard.empty()) {
    for (size_t i = 0; i < store.plates.size(); ++i) shard.push_back(i);
  }
  auto sampler = BatchSampler::Create(
      store.plates, shard, CompoundLabels(store), {mode, 4, seed, 0, 1});
  EXPECT_TRUE(sampler.ok()) << sampler.status();
  const torch::Tensor molecules =
      torch::arange(16 * 3, torch::kFloat).view({16, 3});
  LoaderOptions options;
  options.workers = workers;
  options.seed = seed;
  options.output_size = 24;
  options.augment = augment;
  options.raw_views = raw_views;
  options.open_plates = open_plates;
  auto loader = BatchLoader::Create(store, shard, molecules,
                                    *std::move(sampler), options);
  EXPECT_TRUE(loader.ok()) << loader.status();
  return loader.ok() ? *std::move(loader) : nullptr;
}

TEST(BatchLoader, MiconBatchesHaveTheShapesAndScaleTheStepExpects) {
  const PlateStore& store = SmallScreen();
  auto loader = MakeLoader(store, SamplingMode::kMicon, 2, 1);
  ASSERT_NE(loader, nullptr);
  for (int i = 0; i < 3; ++i) {
    MICON_ASSERT_OK_AND_ASSIGN(LoadedBatch b, loader->Next());
    EXPECT_EQ(b.step, i);
    EXPECT_EQ(b.batch.samples.sizes(), (std::vector<int64_t>{4, 2, 5, 24, 24}));
    EXPECT_EQ(b.batch.controls.sizes(),
              (std::vector<int64_t>{4, 2, 5, 24, 24}));
    EXPECT_EQ(b.batch.compound.sizes(), (std::vector<int64_t>{4}));
    EXPECT_TRUE(torch::equal(b.batch.molecule.select(1, 0),
                             b.batch.compound.to(torch::kFloat) * 3));
    EXPECT_TRUE(torch::isfinite(b.batch.samples).all().item<bool>());
  }
  EXPECT_EQ(loader->state().step, 3);
  // Normalised to the plate's controls: control images have mean ~0 and std ~1
  // per channel.
  MICON_ASSERT_OK_AND_ASSIGN(torch::Tensor control, loader->LoadPlain({0, 0}));
  ASSERT_TRUE(store.plates[0].images[0].control);
  EXPECT_LT(control.mean().abs().item<double>(), 0.5);
  EXPECT_GT(control.std().item<double>(), 0.3);
  EXPECT_LT(control.std().item<double>(), 3.0);
}

TEST(BatchLoader, SeededAugmentationIsReproducibleWithAnyWorkerCount) {
  const PlateStore& store = SmallScreen();
  auto one = MakeLoader(store, SamplingMode::kSimclr, 1, 5);
  auto three = MakeLoader(store, SamplingMode::kSimclr, 3, 5);
  auto other = MakeLoader(store, SamplingMode::kSimclr, 2, 6);
  for (int i = 0; i < 4; ++i) {
    MICON_ASSERT_OK_AND_ASSIGN(LoadedBatch a, one->Next());
    MICON_ASSERT_OK_AND_ASSIGN(LoadedBatch b, three->Next());
    MICON_ASSERT_OK_AND_ASSIGN(LoadedBatch c, other->Next());
    EXPECT_TRUE(torch::equal(a.batch.samples, b.batch.samples)) << "step " << i;
    EXPECT_FALSE(torch::equal(a.batch.samples, c.batch.samples))
        << "step " << i;
    // The two SimCLR views of an image differ (augmented independently).
    EXPECT_FALSE(torch::equal(a.batch.samples.select(1, 0),
                              a.batch.samples.select(1, 1)));
  }
  auto plain = MakeLoader(store, SamplingMode::kClip, 2, 5, /*augment=*/false);
  MICON_ASSERT_OK_AND_ASSIGN(LoadedBatch p, plain->Next());
  EXPECT_EQ(p.batch.samples.sizes(), (std::vector<int64_t>{4, 1, 5, 24, 24}));
}

// A loader that may keep one plate file open (reopening the others as it
// reads them, from several workers at once) builds the same batches as one
// that keeps them all open.
TEST(BatchLoader, OneOpenPlateFileGivesTheSameBatches) {
  const PlateStore& store = SmallScreen();
  ASSERT_GT(store.plates.size(), 2u);
  auto all_open = MakeLoader(store, SamplingMode::kMicon, 2, 3);
  auto one_open = MakeLoader(store, SamplingMode::kMicon, 3, 3, true, {}, false,
                             /*open_plates=*/1);
  for (int i = 0; i < 4; ++i) {
    MICON_ASSERT_OK_AND_ASSIGN(LoadedBatch a, all_open->Next());
    MICON_ASSERT_OK_AND_ASSIGN(LoadedBatch b, one_open->Next());
    EXPECT_TRUE(torch::equal(a.batch.samples, b.batch.samples)) << "step " << i;
    EXPECT_TRUE(torch::equal(a.batch.controls, b.batch.controls))
        << "step " << i;
  }
}

// Raw views (int16 crops + the drawn parameters, expanded where the model
// runs) give the loader's own views, to float rounding, for the same seed.
TEST(BatchLoader, RawViewsExpandToTheLoadersViews) {
  const PlateStore& store = SmallScreen();
  for (const bool augment : {true, false}) {
    for (const SamplingMode mode :
         {SamplingMode::kMicon, SamplingMode::kSimclr}) {
      auto floats = MakeLoader(store, mode, 2, 11, augment);
      auto raws = MakeLoader(store, mode, 2, 11, augment, {}, true);
      for (int i = 0; i < 3; ++i) {
        MICON_ASSERT_OK_AND_ASSIGN(LoadedBatch f, floats->Next());
        MICON_ASSERT_OK_AND_ASSIGN(LoadedBatch r, raws->Next());
        ASSERT_EQ(r.batch.samples.scalar_type(), torch::kShort);
        EXPECT_EQ(r.batch.view_size, 24);
        EXPECT_EQ(r.images, f.images);
        const StepBatch e = ExpandRawBatch(r.batch);
        ASSERT_EQ(e.samples.sizes(), f.batch.samples.sizes());
        const double scale = f.batch.samples.abs().max().item<double>();
        EXPECT_LT((e.samples - f.batch.samples).abs().max().item<double>(),
                  1e-5 * scale)
            << "augment " << augment << " step " << i;
        if (mode == SamplingMode::kMicon) {
          ASSERT_EQ(e.controls.sizes(), f.batch.controls.sizes());
          EXPECT_LT((e.controls - f.batch.controls).abs().max().item<double>(),
                    1e-5 * scale);
          EXPECT_TRUE(torch::equal(r.batch.compound, f.batch.compound));
        }
      }
    }
  }
}

TEST(BatchLoader, APlateDamagedMidRunIsNamed) {
  const std::string dir = testing::ScratchDir();
  std::filesystem::copy(testing::SmallScreenPath(), dir + "/screen",
                        std::filesystem::copy_options::recursive);
  MICON_ASSERT_OK_AND_ASSIGN(PlateStore store, OpenPlateStore(dir + "/screen"));
  auto loader = MakeLoader(store, SamplingMode::kMicon, 1, 9);
  ASSERT_NE(loader, nullptr);
  MICON_ASSERT_OK(loader->Next().status());
  // Damage every plate: the file keeps its header but loses its pixels.
  for (const PlateMetadata& p : store.plates) {
    std::filesystem::resize_file(p.path,
                                 std::filesystem::file_size(p.path) / 3);
  }
  absl::Status failure;
  for (int i = 0; i < 10 && failure.ok(); ++i)
    failure = loader->Next().status();
  ASSERT_FALSE(failure.ok());
  EXPECT_THAT(std::string(failure.message()),
              ::testing::HasSubstr(dir + "/screen/plates/"));
}

TEST(BatchLoader, OpensOnlyItsShard) {
  const std::string dir = testing::ScratchDir();
  std::filesystem::copy(testing::SmallScreenPath(), dir + "/screen",
                        std::filesystem::copy_options::recursive);
  MICON_ASSERT_OK_AND_ASSIGN(PlateStore store, OpenPlateStore(dir + "/screen"));
  MICON_ASSERT_OK_AND_ASSIGN(auto shards, ShardPlates(store.plates, 2));
  for (size_t p : shards[1])
    std::filesystem::resize_file(store.plates[p].path, 10);
  auto loader = MakeLoader(store, SamplingMode::kMicon, 1, 2, true, shards[0]);
  ASSERT_NE(loader, nullptr);
  MICON_ASSERT_OK(loader->Next().status());
}

}  // namespace
}  // namespace micon
