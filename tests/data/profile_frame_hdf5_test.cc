#include "data/profile_frame_hdf5.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cmath>
#include <filesystem>

#include "tests/test_support.h"

namespace micon {
namespace {

using ::micon::testing::ScratchDir;

ProfileFrame Frame(const std::string& path, double offset) {
  ProfileFrame f;
  f.path = path;
  f.metadata_names = {"Metadata_Plate", "Metadata_Well"};
  f.metadata = {{"P1", "P1", "P2"}, {"A01", "A02", "Ünïcode"}};
  f.feature_names = {"h_0", "h_1"};
  f.features =
      torch::tensor({0.1, 1.0 / 3, -2.5e-300, 7.0, 8.0, 9.0}, torch::kFloat64)
          .view({3, 2}) +
      offset;
  return f;
}

TEST(ProfileFrameHdf5, RoundTripsExactlyAndReadsThroughReadProfileFrame) {
  const std::string path = ScratchDir() + "/profiles.h5";
  const ProfileFrame f = Frame("a", 0);
  MICON_ASSERT_OK(WriteProfileFrame(f, path));
  MICON_ASSERT_OK_AND_ASSIGN(ProfileFrame back, ReadProfileFrame(path));
  EXPECT_EQ(back.metadata_names, f.metadata_names);
  EXPECT_EQ(back.metadata, f.metadata);
  EXPECT_EQ(back.feature_names, f.feature_names);
  EXPECT_TRUE(torch::equal(back.features, f.features));
  EXPECT_TRUE(IsHdf5Path("x.hdf5"));
  EXPECT_FALSE(IsHdf5Path("x.csv.gz"));
}

TEST(ProfileFrameHdf5, ErrorsNameTheFile) {
  const std::string path = ScratchDir() + "/missing.h5";
  const absl::StatusOr<ProfileFrame> r = ReadProfileFrameHdf5(path);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find(path), std::string::npos);
}

// A metadata column is a dataset named by the column: a name HDF5 would read
// as a path is refused, naming the file and the column, and nothing is left.
TEST(ProfileFrameHdf5, AColumnNameHdf5CannotHoldIsRefusedBeforeWriting) {
  const std::string dir = ScratchDir(), path = dir + "/profiles.h5";
  ProfileFrame f = Frame("a", 0);
  f.metadata_names[1] = "Metadata_target/pathway";
  const absl::Status written = WriteProfileFrame(f, path);
  EXPECT_NE(written.message().find(path), std::string::npos) << written;
  EXPECT_NE(written.message().find("'Metadata_target/pathway'"),
            std::string::npos)
      << written;
  EXPECT_TRUE(std::filesystem::is_empty(dir));
}

TEST(ProfileFrameHdf5, ANonFiniteFeatureIsAnErrorNamingItsRowAndColumn) {
  const std::string path = ScratchDir() + "/profiles.h5";
  ProfileFrame f = Frame("a", 0);
  f.features[2][1] = std::nan("");
  MICON_ASSERT_OK(WriteProfileFrame(f, path));
  const absl::StatusOr<ProfileFrame> r = ReadProfileFrame(path);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
  const std::string message(r.status().message());
  EXPECT_NE(message.find(path), std::string::npos) << message;
  EXPECT_NE(message.find("row 3, column h_1: nan"), std::string::npos)
      << message;
}

TEST(ConcatenateRows, UnitesMetadataAndRequiresTheSameFeatures) {
  ProfileFrame a = Frame("a.csv", 0);
  ProfileFrame b = Frame("b.csv", 100);
  b.metadata_names = {"Metadata_Well", "Metadata_Predicted"};
  b.metadata = {{"x", "y", "z"}, {"1", "1", "1"}};
  MICON_ASSERT_OK_AND_ASSIGN(ProfileFrame c, ConcatenateRows(a, b));
  EXPECT_EQ(c.metadata_names,
            (std::vector<std::string>{"Metadata_Plate", "Metadata_Well",
                                      "Metadata_Predicted"}));
  EXPECT_EQ(c.metadata[0],
            (std::vector<std::string>{"P1", "P1", "P2", "", "", ""}));
  EXPECT_EQ(c.metadata[2],
            (std::vector<std::string>{"", "", "", "1", "1", "1"}));
  EXPECT_TRUE(torch::equal(c.features, torch::cat({a.features, b.features})));
  b.feature_names = {"h_1", "h_0"};
  const absl::StatusOr<ProfileFrame> bad = ConcatenateRows(a, b);
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("b.csv"), std::string::npos);
}

// Blocks of rows, read from CSV and HDF5, are the whole read in order; a
// file that changed since its index was read, and an error of the sink, end
// the read.
TEST(ReadProfileFeatureBlocks, TheBlocksOfAFileAreItsWholeReadInOrder) {
  const std::string dir = ScratchDir();
  ProfileFrame f = Frame("a", 0);
  f = *ConcatenateRows(f, Frame("b", 10));
  for (const char* name : {"p.csv", "p.h5"}) {
    const std::string path = dir + "/" + name;
    MICON_ASSERT_OK(WriteProfileFrame(f, path));
    std::vector<at::Tensor> blocks;
    std::vector<int64_t> firsts;
    MICON_ASSERT_OK(
        ReadProfileFeatureBlocks(path, f.feature_names, f.rows(), 4,
                                 [&](int64_t first, const at::Tensor& rows) {
                                   firsts.push_back(first);
                                   blocks.push_back(rows.clone());
                                   return absl::OkStatus();
                                 }));
    EXPECT_EQ(firsts, (std::vector<int64_t>{0, 4})) << name;
    EXPECT_TRUE(torch::equal(torch::cat(blocks), f.features)) << name;

    const absl::Status changed = ReadProfileFeatureBlocks(
        path, f.feature_names, f.rows() + 1, 4,
        [](int64_t, const at::Tensor&) { return absl::OkStatus(); });
    EXPECT_EQ(changed.code(), absl::StatusCode::kFailedPrecondition) << name;
    EXPECT_NE(changed.message().find("changed"), std::string::npos)
        << changed.message();
    const absl::Status stopped = ReadProfileFeatureBlocks(
        path, f.feature_names, f.rows(), 4, [](int64_t, const at::Tensor&) {
          return absl::DataLossError("the sink failed");
        });
    EXPECT_NE(stopped.message().find("the sink failed"), std::string::npos)
        << stopped.message();
  }
}

}  // namespace
}  // namespace micon
