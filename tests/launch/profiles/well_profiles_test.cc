// Well profiles of a plate store on one rank and on several (thread ranks),
// from hand-crafted features; a profiler without a generator cannot predict.
#include "launch/profiles/well_profiles.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <torch/torch.h>

#include "core/handcrafted_features.h"
#include "data/normalized_plate.h"
#include "launch/profiles/handcrafted_profiler.h"
#include "tests/data/screen_fixture.h"
#include "tests/distributed/thread_ranks.h"
#include "tests/test_support.h"

namespace micon {
namespace {

using ::testing::HasSubstr;

WellProfiles ProfilesOnRanks(int world, const WellProfileOptions& options) {
  const PlateStore& store = testing::SmallScreen();
  WellProfiles out;
  testing::RunOnThreadRanks(world, [&](Communicator& comm) {
    HandcraftedProfiler profiler(store.plates.front().header.channels);
    absl::StatusOr<WellProfiles> p =
        BuildWellProfiles(store, profiler, comm, options);
    ASSERT_TRUE(p.ok()) << p.status();
    if (comm.rank() == 0) out = *std::move(p);
  });
  return out;
}

TEST(WellProfiles, AWellIsItsFieldsAggregatedWithItsMetadata) {
  const PlateStore& store = testing::SmallScreen();
  WellProfileOptions raw_pixels;
  raw_pixels.normalization.kind = PixelNormalization::kNone;
  const WellProfiles p = ProfilesOnRanks(1, raw_pixels);
  int64_t wells = 0;
  for (const PlateMetadata& plate : store.plates) wells += plate.num_images();
  ASSERT_EQ(p.wells.rows(), wells);  // one site per well in this screen
  EXPECT_EQ(p.predicted.rows(), 0);
  // micon's columns, then the compound annotations the screen's compounds.csv
  // kept from JUMP-MOA's compound table.
  EXPECT_EQ(
      p.wells.metadata_names,
      (std::vector<std::string>{
          "Metadata_Source", "Metadata_Batch", "Metadata_Plate",
          "Metadata_Well", "Metadata_Compound", "Metadata_SMILES",
          "Metadata_Control", "Metadata_Images", "Metadata_InChIKey",
          "Metadata_pert_iname", "Metadata_pubchem_cid", "Metadata_moa",
          "Metadata_pert_type", "Metadata_control_type", "Metadata_InChI"}));
  // Every well carries its compound's mechanism; DMSO, not a compound of
  // compounds.csv, carries none.
  const size_t moa = 3;
  ASSERT_EQ(store.compounds.annotation_names[moa], "moa");
  int64_t with_moa = 0;
  for (int64_t w = 0; w < p.wells.rows(); ++w) {
    const Compound* c = store.compounds.Find(p.wells.metadata[4][w]);
    EXPECT_EQ(p.wells.metadata[8 + moa][w],
              c != nullptr ? c->annotations[moa] : "")
        << "row " << w;
    with_moa += !p.wells.metadata[8 + moa][w].empty();
  }
  EXPECT_GT(with_moa, 0);
  // Row 0: the first plate's alphabetically first well.
  const PlateMetadata& first = store.plates.front();
  int64_t image = 0;
  for (int64_t i = 1; i < first.num_images(); ++i) {
    if (first.images[i].well < first.images[image].well) image = i;
  }
  const ImageRecord& r = first.images[static_cast<size_t>(image)];
  EXPECT_EQ(p.wells.metadata[2][0], first.header.plate);
  EXPECT_EQ(p.wells.metadata[3][0], r.well);
  EXPECT_EQ(p.wells.metadata[4][0], r.compound);
  EXPECT_EQ(p.wells.metadata[6][0], r.control ? "1" : "0");
  EXPECT_EQ(p.wells.metadata[7][0], "1");
  const Compound* c = store.compounds.Find(r.compound);
  EXPECT_EQ(p.wells.metadata[5][0], c ? c->smiles : "");
  MICON_ASSERT_OK_AND_ASSIGN(auto plate, NormalizedPlate::Open(first.path, 16));
  MICON_ASSERT_OK_AND_ASSIGN(torch::Tensor raw, plate->ReadRaw(image));
  EXPECT_TRUE(torch::equal(p.wells.features[0], HandcraftedFeatures(raw, {})));
  // The same profiler measures the pixels a model is given when asked to
  // (default options: the plate's controls).
  const WellProfiles normalised = ProfilesOnRanks(1, {});
  MICON_ASSERT_OK_AND_ASSIGN(torch::Tensor x, plate->Read(image));
  EXPECT_TRUE(
      torch::equal(normalised.wells.features[0], HandcraftedFeatures(x, {})));
  EXPECT_FALSE(torch::equal(normalised.wells.features[0], p.wells.features[0]));
}

// A carried column never takes the place of one micon writes, or of an
// earlier carried one: nothing is overwritten.
TEST(WellProfiles, CarriedColumnsAreNamedWithoutClashes) {
  EXPECT_EQ(CarriedColumnNames({"moa", "Metadata_target", "Plate", "smiles",
                                "compound_Plate", "Metadata_moa", "Predicted",
                                "target/pathway"}),
            (std::vector<std::string>{
                "Metadata_moa", "Metadata_target", "Metadata_compound_Plate",
                "Metadata_smiles", "Metadata_compound_compound_Plate",
                "Metadata_compound_moa", "Metadata_compound_Predicted",
                "Metadata_target_pathway"}));
  const ProfileFrame frame =
      NewProfileFrame({"f"}, /*predicted=*/true, {"Metadata_moa"});
  EXPECT_EQ(frame.metadata_names.size(), 10u);
  EXPECT_EQ(frame.metadata_names[8], "Metadata_Predicted");
  EXPECT_EQ(frame.metadata_names[9], "Metadata_moa");
}

TEST(WellProfiles, ThreeThreadRanksGiveExactlyWhatOneRankGives) {
  const WellProfiles one = ProfilesOnRanks(1, {});
  const WellProfiles three = ProfilesOnRanks(3, {});
  EXPECT_EQ(three.wells.metadata, one.wells.metadata);
  EXPECT_TRUE(torch::equal(three.wells.features, one.wells.features));
}

// Rank 0 gathers in blocks of whole plates (gather_block_bytes): one plate
// per block, and blocks of about two plates held by different ranks, give
// exactly the rows of a single gather.
TEST(WellProfiles, GatheringInBlocksGivesExactlyTheSingleGather) {
  const WellProfiles one = ProfilesOnRanks(1, {});
  const int64_t plates =
      static_cast<int64_t>(testing::SmallScreen().plates.size());
  ASSERT_GE(plates, 4);
  const int64_t two_plates = 2 * one.wells.rows() / plates *
                             one.wells.features.size(1) *
                             static_cast<int64_t>(sizeof(double));
  for (int64_t block_bytes : {int64_t{1}, two_plates}) {
    for (int world : {1, 3}) {
      WellProfileOptions options;
      options.gather_block_bytes = block_bytes;
      const WellProfiles blocks = ProfilesOnRanks(world, options);
      EXPECT_EQ(blocks.wells.metadata, one.wells.metadata);
      EXPECT_TRUE(torch::equal(blocks.wells.features, one.wells.features))
          << "world " << world << ", blocks of " << block_bytes << " bytes";
    }
  }
}

// What rank 0's sink is given; the Append numbered `fail_at` (0-based)
// fails as a full disk would.
class RecordingSink : public WellRowSink {
 public:
  absl::Status Start(const ProfileFrame& wells) override {
    ++starts;
    metadata = wells.metadata;
    features_held = wells.features.defined();
    return absl::OkStatus();
  }
  absl::Status Append(const at::Tensor& rows) override {
    if (static_cast<int>(appended.size()) == fail_at) {
      ++failures;
      if (failures > 1) return absl::InternalError("appended after failing");
      return absl::ResourceExhaustedError("profiles.csv: disk full");
    }
    appended.push_back(rows.clone());
    return absl::OkStatus();
  }

  int starts = 0, failures = 0, fail_at = -1;
  bool features_held = false;
  std::vector<std::vector<std::string>> metadata;
  std::vector<torch::Tensor> appended;
};

// With a sink, rank 0 holds none of the wells' features: the sink gets every
// row once, in order, a block (here one plate) at a time, whichever rank
// computed it.
TEST(WellProfiles, ASinkGetsEveryRowOnceInOrderAndRankZeroHoldsNone) {
  const WellProfiles one = ProfilesOnRanks(1, {});
  const size_t plates = testing::SmallScreen().plates.size();
  for (int world : {1, 3}) {
    RecordingSink sink;
    WellProfileOptions options;
    options.gather_block_bytes = 1;
    options.sink = &sink;
    const WellProfiles streamed = ProfilesOnRanks(world, options);
    EXPECT_FALSE(streamed.wells.features.defined()) << world;
    EXPECT_EQ(streamed.wells.metadata, one.wells.metadata) << world;
    EXPECT_EQ(sink.starts, 1) << world;
    EXPECT_FALSE(sink.features_held) << world;
    EXPECT_EQ(sink.metadata, one.wells.metadata) << world;
    ASSERT_EQ(sink.appended.size(), plates) << world;
    EXPECT_TRUE(torch::equal(torch::cat(sink.appended), one.wells.features))
        << world;
  }
}

// A sink's error (a full disk on rank 0) stops its rows but not the gather:
// every rank finishes, and rank 0 returns the error.
TEST(WellProfiles, ASinksErrorIsRankZerosAfterTheGatherFinishes) {
  RecordingSink sink;
  sink.fail_at = 1;
  WellProfileOptions options;
  options.gather_block_bytes = 1;
  options.sink = &sink;
  const PlateStore& store = testing::SmallScreen();
  std::vector<absl::Status> results(3);
  testing::RunOnThreadRanks(3, [&](Communicator& comm) {
    HandcraftedProfiler profiler(store.plates.front().header.channels);
    results[static_cast<size_t>(comm.rank())] =
        BuildWellProfiles(store, profiler, comm, options).status();
  });
  EXPECT_EQ(results[0].code(), absl::StatusCode::kResourceExhausted)
      << results[0];
  EXPECT_THAT(results[0].message(), HasSubstr("profiles.csv: disk full"));
  EXPECT_TRUE(results[1].ok()) << results[1];
  EXPECT_TRUE(results[2].ok()) << results[2];
  EXPECT_EQ(sink.failures, 1);
  EXPECT_EQ(sink.appended.size(), 1u);
}

TEST(WellProfiles, PredictionNeedsAGenerator) {
  WellProfileOptions options;
  options.predict = {"anything"};
  const PlateStore& store = testing::SmallScreen();
  testing::RunOnThreadRanks(1, [&](Communicator& comm) {
    HandcraftedProfiler profiler(store.plates.front().header.channels);
    const absl::StatusOr<WellProfiles> p =
        BuildWellProfiles(store, profiler, comm, options);
    ASSERT_FALSE(p.ok());
    EXPECT_THAT(p.status().message(), HasSubstr("generator"));
  });
}

}  // namespace
}  // namespace micon
