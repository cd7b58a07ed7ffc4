// ProfileFrameWriter (data/profile_frame_writer.h): rows appended in blocks
// give exactly the file of the whole frame, in CSV and in HDF5; a wrong
// number of rows or a wrong width is an error naming the file; and nothing
// is put in place unless every row was written. Hdf5PartialFile, the HDF5
// side's temporary file, is checked here too.
#include "data/profile_frame_writer.h"

#include <gtest/gtest.h>
#include <hdf5.h>
#include <torch/torch.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "data/hdf5_partial_file.h"
#include "tests/test_support.h"

namespace micon {
namespace {

namespace fs = std::filesystem;
using ::micon::testing::FileBytes;
using ::micon::testing::ScratchDir;

// `rows` rows of two metadata columns (one needing quotes) and three
// features, some of which no short decimal holds.
ProfileFrame Frame(int64_t rows) {
  ProfileFrame f;
  f.metadata_names = {"Metadata_Plate", "Metadata_Well"};
  f.metadata.resize(2);
  for (int64_t r = 0; r < rows; ++r) {
    f.metadata[0].push_back(absl::StrCat("P", r / 4));
    f.metadata[1].push_back(absl::StrCat("A", r, r % 3 == 0 ? ", \"x\"" : ""));
  }
  f.feature_names = {"h_0", "h_1", "h_2"};
  f.features =
      torch::arange(rows * 3, torch::kFloat64).view({rows, 3}) / 7.0 - 1.0 / 3;
  return f;
}

// The frame's rows through a writer, `block` rows per Append.
void WriteInBlocks(const ProfileFrame& f, const std::string& path,
                   int64_t block) {
  MICON_ASSERT_OK_AND_ASSIGN(
      std::unique_ptr<ProfileFrameWriter> out,
      ProfileFrameWriter::Open(path, f, f.rows(), f.feature_names));
  for (int64_t first = 0; first < f.rows(); first += block) {
    MICON_ASSERT_OK(out->Append(
        f.features.narrow(0, first, std::min(block, f.rows() - first))));
  }
  EXPECT_EQ(out->rows_written(), f.rows());
  MICON_ASSERT_OK(out->Commit());
}

TEST(ProfileFrameWriter, BlocksGiveExactlyTheWholeFramesFile) {
  const std::string dir = ScratchDir();
  const ProfileFrame f = Frame(10);
  for (const std::string ext : {".csv", ".h5"}) {
    const std::string whole = dir + "/whole" + ext;
    MICON_ASSERT_OK(WriteProfileFrame(f, whole));
    MICON_ASSERT_OK_AND_ASSIGN(ProfileFrame back, ReadProfileFrame(whole));
    EXPECT_EQ(back.metadata, f.metadata) << ext;
    EXPECT_EQ(back.feature_names, f.feature_names) << ext;
    EXPECT_TRUE(torch::equal(back.features, f.features)) << ext;
    for (int64_t block : {1, 3, 10}) {
      const std::string blocks = absl::StrCat(dir, "/blocks", block, ext);
      WriteInBlocks(f, blocks, block);
      if (ext == ".csv") {
        EXPECT_EQ(FileBytes(blocks), FileBytes(whole)) << block;
      } else {
        MICON_ASSERT_OK_AND_ASSIGN(ProfileFrame again,
                                   ReadProfileFrame(blocks));
        EXPECT_EQ(again.metadata, f.metadata) << block;
        EXPECT_TRUE(torch::equal(again.features, f.features)) << block;
      }
    }
  }
  // Float32 rows are widened, as the whole-frame writer widens them.
  const std::string narrow = dir + "/float32.csv";
  ProfileFrame f32 = f;
  f32.features = f.features.to(torch::kFloat);
  MICON_ASSERT_OK(WriteProfileFrame(f32, narrow));
  MICON_ASSERT_OK_AND_ASSIGN(ProfileFrame widened, ReadProfileFrame(narrow));
  EXPECT_TRUE(torch::equal(widened.features, f32.features.to(torch::kDouble)));
}

TEST(ProfileFrameWriter, TheWrongRowsAreErrorsNamingTheFile) {
  const std::string dir = ScratchDir();
  const ProfileFrame f = Frame(4);
  for (const std::string ext : {".csv", ".h5"}) {
    const std::string path = dir + "/p" + ext;
    MICON_ASSERT_OK_AND_ASSIGN(
        std::unique_ptr<ProfileFrameWriter> out,
        ProfileFrameWriter::Open(path, f, f.rows(), f.feature_names));
    absl::Status s = out->Append(torch::zeros({1, 2}, torch::kFloat64));
    EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << s;
    EXPECT_NE(s.message().find(path + ": rows to append must be [k, 3]"),
              std::string::npos)
        << s;
    MICON_ASSERT_OK(out->Append(f.features.narrow(0, 0, 3)));
    s = out->Append(f.features.narrow(0, 0, 2));
    EXPECT_NE(s.message().find(path + ": 2 more rows after 3 of the 4"),
              std::string::npos)
        << s;
    s = out->Commit();
    EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition) << s;
    EXPECT_NE(s.message().find("3 of the 4 announced rows written"),
              std::string::npos)
        << s;
    out.reset();
    EXPECT_FALSE(fs::exists(path)) << ext;
    EXPECT_FALSE(fs::exists(path + ".partial")) << ext;
  }
  ProfileFrame ragged = f;
  ragged.metadata[1].pop_back();
  const absl::StatusOr<std::unique_ptr<ProfileFrameWriter>> bad =
      ProfileFrameWriter::Open(dir + "/r.csv", ragged, 4, f.feature_names);
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find(
                "/r.csv: metadata column Metadata_Well has 3 values for 4 "
                "rows"),
            std::string::npos)
      << bad.status();
}

// Abandoned halfway (an error elsewhere, a rank that failed), a writer leaves
// the previous file as it was and no temporary file.
TEST(ProfileFrameWriter, AnUnfinishedWriteKeepsThePreviousFile) {
  const std::string dir = ScratchDir();
  const ProfileFrame old = Frame(2), f = Frame(6);
  for (const std::string ext : {".csv", ".h5"}) {
    const std::string path = dir + "/p" + ext;
    MICON_ASSERT_OK(WriteProfileFrame(old, path));
    const std::string before = FileBytes(path);
    {
      MICON_ASSERT_OK_AND_ASSIGN(
          std::unique_ptr<ProfileFrameWriter> out,
          ProfileFrameWriter::Open(path, f, f.rows(), f.feature_names));
      MICON_ASSERT_OK(out->Append(f.features.narrow(0, 0, 4)));
      EXPECT_TRUE(fs::exists(path + ".partial")) << ext;
    }
    EXPECT_EQ(FileBytes(path), before) << ext;
    EXPECT_FALSE(fs::exists(path + ".partial")) << ext;
  }
}

TEST(Hdf5PartialFile, CommitPutsTheFileInPlaceAndAbandoningRemovesIt) {
  const std::string dir = ScratchDir();
  const std::string path = dir + "/f.h5";
  {
    MICON_ASSERT_OK_AND_ASSIGN(Hdf5PartialFile file,
                               Hdf5PartialFile::Create(path));
    EXPECT_EQ(file.partial_path(), path + ".partial");
    EXPECT_TRUE(fs::exists(path + ".partial"));
  }
  EXPECT_FALSE(fs::exists(path + ".partial"));
  EXPECT_FALSE(fs::exists(path));

  MICON_ASSERT_OK_AND_ASSIGN(Hdf5PartialFile file,
                             Hdf5PartialFile::Create(path));
  MICON_ASSERT_OK(file.Commit());
  EXPECT_TRUE(fs::exists(path));
  EXPECT_FALSE(fs::exists(path + ".partial"));
  EXPECT_GT(H5Fis_hdf5(path.c_str()), 0);
  EXPECT_EQ(file.Commit().code(), absl::StatusCode::kFailedPrecondition);

  const absl::StatusOr<Hdf5PartialFile> nowhere =
      Hdf5PartialFile::Create(dir + "/missing/f.h5");
  ASSERT_FALSE(nowhere.ok());
  EXPECT_NE(nowhere.status().message().find(dir + "/missing/f.h5.partial"),
            std::string::npos)
      << nowhere.status();
}

}  // namespace
}  // namespace micon
