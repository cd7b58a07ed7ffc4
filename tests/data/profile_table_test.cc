// Profile tables as training input: reading, errors naming file, line and
// column, and batches built from them.
#include "data/profile_table.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cmath>
#include <filesystem>
#include <fstream>

#include "data/profile_batch_source.h"
#include "tests/test_support.h"

namespace micon {
namespace {

using ::micon::testing::ScratchDir;
using ::testing::AllOf;
using ::testing::HasSubstr;

constexpr char kHeader[] =
    "Metadata_Source,Metadata_Batch,Metadata_Plate,Metadata_Well,"
    "Metadata_Compound,Metadata_SMILES,Metadata_Control,f1,f2\n";

std::string Write(const std::string& body) {
  const std::string path = ScratchDir() + "/profiles.csv";
  std::ofstream(path) << kHeader << body;
  return path;
}

// Two plates, each with 2 controls and compounds A (both plates) and B.
constexpr char kValid[] =
    "s,b1,P1,A01,DMSO,,1,1,10\n"
    "s,b1,P1,A02,DMSO,,1,3,14\n"
    "s,b1,P1,A03,A,CCO,0,5,20\n"
    "s,b1,P1,A04,B,c1ccccc1,0,7,30\n"
    "s,b2,P2,A01,DMSO,,true,0,0\n"
    "s,b2,P2,A02,DMSO,,True,2,2\n"
    "s,b2,P2,A03,A,CCO,false,4,4\n";

TEST(ProfileTable, GroupsRowsIntoPlatesWithCompounds) {
  MICON_ASSERT_OK_AND_ASSIGN(ProfileTable t, ReadProfileTable(Write(kValid)));
  EXPECT_EQ(t.feature_names, (std::vector<std::string>{"f1", "f2"}));
  ASSERT_EQ(t.plates.size(), 2u);
  EXPECT_EQ(t.plates[0].header.plate, "P1");
  EXPECT_EQ(t.plates[1].header.batch, "b2");
  EXPECT_EQ(t.plates[0].num_images(), 4);
  EXPECT_EQ(t.plates[0].num_controls(), 2);
  EXPECT_EQ(t.plates[0].images[3].compound, "B");
  EXPECT_EQ(t.features[0][3][1].item<float>(), 30.0f);
  ASSERT_EQ(t.compounds.compounds.size(), 2u);
  EXPECT_EQ(t.compounds.Find("B")->smiles, "c1ccccc1");
}

// Plates interleaved and out of name order, and values float32 cannot hold
// exactly, so that a row taken from the wrong place or rounded differently
// from torch's own narrowing shows. P1 is rows 1, 3, 4; P2 rows 0, 2.
ProfileFrame InterleavedFrame() {
  ProfileFrame frame;
  frame.path = "interleaved.csv";
  frame.metadata_names = {"Metadata_Source",   "Metadata_Batch",
                          "Metadata_Plate",    "Metadata_Well",
                          "Metadata_Compound", "Metadata_SMILES",
                          "Metadata_Control"};
  const std::vector<std::string> plates = {"P2", "P1", "P2", "P1", "P1"};
  const std::vector<std::string> controls = {"1", "1", "0", "0", "0"};
  frame.metadata.assign(frame.metadata_names.size(), {});
  for (size_t r = 0; r < plates.size(); ++r) {
    const bool control = controls[r] == "1";
    const std::vector<std::string> row = {"s",
                                          "b",
                                          plates[r],
                                          "A0" + std::to_string(r),
                                          control ? "DMSO" : "A",
                                          control ? "" : "CCO",
                                          controls[r]};
    for (size_t c = 0; c < row.size(); ++c) frame.metadata[c].push_back(row[c]);
  }
  frame.feature_names = {"f1", "f2", "f3"};
  frame.features =
      torch::arange(15, torch::kFloat64).add(1).reciprocal().view({5, 3});
  return frame;
}

TEST(ProfileTable, EachPlatesRowsAreTheFramesRowsNarrowedToFloat) {
  const ProfileFrame frame = InterleavedFrame();
  MICON_ASSERT_OK_AND_ASSIGN(ProfileTable t, ProfileTableFromFrame(frame));
  ASSERT_EQ(t.plates.size(), 2u);
  const std::vector<std::vector<int64_t>> rows = {{1, 3, 4}, {0, 2}};
  for (size_t p = 0; p < 2; ++p) {
    EXPECT_EQ(t.features[p].scalar_type(), torch::kFloat32);
    EXPECT_TRUE(torch::equal(
        t.features[p], frame.features.index_select(0, torch::tensor(rows[p]))
                           .to(torch::kFloat32)))
        << t.plates[p].header.plate << "\n"
        << t.features[p];
  }
}

// The CSV and HDF5 forms of a frame, written into a fresh folder.
std::vector<std::string> WriteBothForms(const ProfileFrame& frame) {
  const std::string folder = ScratchDir();
  std::vector<std::string> paths = {folder + "/profiles.csv",
                                    folder + "/profiles.h5"};
  for (const std::string& path : paths) {
    EXPECT_TRUE(WriteProfileFrame(frame, path).ok()) << path;
  }
  return paths;
}

TEST(ProfileTable, ReadingSomePlatesGivesExactlyTheirRowsOfTheWholeRead) {
  for (const std::string& path : WriteBothForms(InterleavedFrame())) {
    MICON_ASSERT_OK_AND_ASSIGN(const ProfileTable whole,
                               ReadProfileTable(path));
    MICON_ASSERT_OK_AND_ASSIGN(ProfileTable index, ReadProfileTableIndex(path));
    ASSERT_EQ(index.plates.size(), 2u) << path;
    EXPECT_EQ(index.rows_in_file, 5) << path;
    EXPECT_EQ(index.file_rows,
              (std::vector<std::vector<int64_t>>{{1, 3, 4}, {0, 2}}))
        << path;
    EXPECT_FALSE(index.features[0].defined()) << path;
    EXPECT_EQ(index.plates[1].images[1].well, whole.plates[1].images[1].well);

    MICON_ASSERT_OK(ReadPlateFeatures({1}, index));
    EXPECT_FALSE(index.features[0].defined()) << path;
    EXPECT_TRUE(torch::equal(index.features[1], whole.features[1])) << path;
    const at::Tensor kept = index.features[1];
    MICON_ASSERT_OK(ReadPlateFeatures(AllPlates(index), index));
    EXPECT_TRUE(torch::equal(index.features[0], whole.features[0])) << path;
    EXPECT_TRUE(index.features[1].is_same(kept)) << path << ": read again";
  }
}

// A reader that goes through a whole table (micon embed) reads an HDF5
// table's plates in bounded groups, a CSV table's in one pass.
TEST(ProfileTable, PlateReadGroupsBoundHdf5ReadsAndReadCsvInOnePass) {
  const std::vector<std::string> paths = WriteBothForms(InterleavedFrame());
  MICON_ASSERT_OK_AND_ASSIGN(const ProfileTable csv,
                             ReadProfileTableIndex(paths[0]));
  using Groups = std::vector<std::vector<size_t>>;
  EXPECT_EQ(PlateReadGroups(csv, 1), (Groups{{0, 1}}));
  MICON_ASSERT_OK_AND_ASSIGN(const ProfileTable h5,
                             ReadProfileTableIndex(paths[1]));
  // Plate 0 has 3 rows, plate 1 has 2.
  const int64_t row = static_cast<int64_t>(h5.feature_names.size() * 4);
  EXPECT_EQ(PlateReadGroups(h5, 1), (Groups{{0}, {1}}));  // a plate at least
  EXPECT_EQ(PlateReadGroups(h5, 4 * row), (Groups{{0}, {1}}));
  EXPECT_EQ(PlateReadGroups(h5, 5 * row), (Groups{{0, 1}}));
}

TEST(ProfileTable, ReadingPlatesOfAChangedFileIsAnErrorAndLeavesThemUnread) {
  for (const std::string& path : WriteBothForms(InterleavedFrame())) {
    MICON_ASSERT_OK_AND_ASSIGN(ProfileTable index, ReadProfileTableIndex(path));
    ProfileFrame longer = InterleavedFrame();
    longer = *ConcatenateRows(longer, InterleavedFrame());
    MICON_ASSERT_OK(WriteProfileFrame(longer, path));
    const absl::Status s = ReadPlateFeatures({0}, index);
    EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition) << s;
    EXPECT_THAT(std::string(s.message()),
                AllOf(HasSubstr(path), HasSubstr("changed")));
    EXPECT_FALSE(index.features[0].defined()) << path;
  }
}

// The metadata the table does not use is read apart, for micon embed to carry
// (both forms), and not at all when the file has none; a file changed since
// its index is refused.
TEST(ProfileTable, OtherMetadataIsReadApartFromTheIndex) {
  ProfileFrame frame = InterleavedFrame();
  frame.metadata_names.insert(frame.metadata_names.begin() + 2, "Metadata_moa");
  frame.metadata.insert(frame.metadata.begin() + 2,
                        {"", "", "kinase", "kinase, type 2", "kinase"});
  const std::vector<std::string> except = {"Metadata_Source", "Metadata_Plate"};
  for (const std::string& path : WriteBothForms(frame)) {
    MICON_ASSERT_OK_AND_ASSIGN(ProfileTable index, ReadProfileTableIndex(path));
    MICON_ASSERT_OK_AND_ASSIGN(const OtherMetadata other,
                               ReadOtherMetadata(index, except));
    EXPECT_EQ(other.names,
              (std::vector<std::string>{"Metadata_Batch", "Metadata_moa",
                                        "Metadata_Well", "Metadata_Compound",
                                        "Metadata_SMILES", "Metadata_Control"}))
        << path;
    ASSERT_EQ(other.values.size(), 6u);
    EXPECT_EQ(other.values[1], frame.metadata[2]) << path;  // by file row

    MICON_ASSERT_OK(WriteProfileFrame(*ConcatenateRows(frame, frame), path));
    const absl::Status changed = ReadOtherMetadata(index, except).status();
    EXPECT_THAT(std::string(changed.message()),
                AllOf(HasSubstr(path), HasSubstr("changed")))
        << changed;

    // Nothing to carry: the file is not read again (here, not there).
    std::filesystem::remove(path);
    MICON_ASSERT_OK_AND_ASSIGN(const OtherMetadata none,
                               ReadOtherMetadata(index, index.metadata_names));
    EXPECT_TRUE(none.names.empty());
  }
}

TEST(ProfileTable, AValueThatIsNotANumberIsFoundInThePlatesRead) {
  ProfileFrame frame = InterleavedFrame();
  frame.features[2][1] = std::nan("");  // row 2 is P2's
  for (const std::string& path : WriteBothForms(frame)) {
    MICON_ASSERT_OK_AND_ASSIGN(ProfileTable index, ReadProfileTableIndex(path));
    // P1 holds no bad value: reading only it succeeds.
    MICON_ASSERT_OK(ReadPlateFeatures({0}, index));
    const absl::Status s = ReadPlateFeatures({1}, index);
    EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << s;
    // CSV: the header is line 1, so row 2 is line 4; HDF5: row 3 (1-based).
    const bool csv = path.size() > 4 && path.substr(path.size() - 4) == ".csv";
    EXPECT_THAT(std::string(s.message()),
                AllOf(HasSubstr(path), HasSubstr(csv ? ":4" : "row 3"),
                      HasSubstr("f2")));
    EXPECT_FALSE(index.features[1].defined()) << path;
    EXPECT_TRUE(index.features[0].defined()) << path;
  }
}

struct BadTable {
  std::string name;
  std::string body;
  std::string expected;
};

// Test names show the case's name, not its bytes.
void PrintTo(const BadTable& t, std::ostream* os) { *os << t.name; }

class ProfileTableErrors : public ::testing::TestWithParam<BadTable> {};

TEST_P(ProfileTableErrors, NameTheFileLineAndColumn) {
  const std::string path = Write(GetParam().body);
  absl::StatusOr<ProfileTable> t = ReadProfileTable(path);
  ASSERT_FALSE(t.ok());
  EXPECT_THAT(std::string(t.status().message()),
              AllOf(HasSubstr(path), HasSubstr(GetParam().expected)));
}

INSTANTIATE_TEST_SUITE_P(
    Cases, ProfileTableErrors,
    ::testing::Values(
        BadTable{"NotANumber", "s,b,P1,A01,DMSO,,1,1,x\n",
                 ":2: column f2 is 'x', not a finite number"},
        BadTable{"NaN", "s,b,P1,A01,DMSO,,1,nan,1\n", "column f1 is 'nan'"},
        BadTable{"BadControl", "s,b,P1,A01,DMSO,,yes,1,1\n",
                 "Metadata_Control is 'yes'"},
        BadTable{"NoControls", "s,b,P1,A01,A,CCO,0,1,1\n",
                 "plate P1 has no control rows"},
        BadTable{"TwoSmiles",
                 "s,b,P1,A01,DMSO,,1,1,1\ns,b,P1,A02,A,CCO,0,1,1\n"
                 "s,b,P1,A03,A,CCC,0,1,1\n",
                 ":4: compound A has SMILES 'CCC' but 'CCO' on line 3"},
        BadTable{"RepeatedWell",
                 "s,b,P1,A01,DMSO,,1,1,1\ns,b,P1,A01,DMSO,,1,1,1\n",
                 "repeats well A01"},
        BadTable{"TreatedWithoutSmiles",
                 "s,b,P1,A01,DMSO,,1,1,1\ns,b,P1,A02,A,,0,1,1\n",
                 "needs Metadata_Compound and Metadata_SMILES"},
        BadTable{"PlateInTwoBatches",
                 "s,b,P1,A01,DMSO,,1,1,1\ns,c,P1,A02,DMSO,,1,1,1\n",
                 "plate P1 has two sources or batches"}),
    [](const auto& info) { return info.param.name; });

TEST(ProfileTable, MissingMetadataColumnIsNamed) {
  const std::string path = ScratchDir() + "/p.csv";
  std::ofstream(path) << "Metadata_Plate,f1\nP1,1\n";
  EXPECT_THAT(std::string(ReadProfileTable(path).status().message()),
              HasSubstr("Metadata_Source"));
}

TEST(ProfileBatchSource, NormalisesOnControlsAndIsAPureFunctionOfTheStep) {
  MICON_ASSERT_OK_AND_ASSIGN(ProfileTable t, ReadProfileTable(Write(kValid)));
  const std::map<std::string, int64_t> labels = {{"A", 0}, {"B", 1}};
  const torch::Tensor molecules = torch::eye(2);
  auto make = [&](SamplingMode mode, bool augment) {
    BatchSampler sampler =
        *BatchSampler::Create(t.plates, {0, 1}, labels, {mode, 3, 9, 0, 1});
    ProfileSourceOptions o;
    o.augment = augment;
    o.seed = 9;
    return *ProfileBatchSource::Create(t, {0, 1}, molecules, std::move(sampler),
                                       o);
  };
  // Without augmentation, a treated sample of A on P1 is (x - mean) / std of
  // P1's controls: f1 (5 - 2) / sqrt(2), f2 (20 - 12) / sqrt(8).
  auto plain = make(SamplingMode::kMicon, false);
  MICON_ASSERT_OK_AND_ASSIGN(LoadedBatch b, plain->Next());
  ASSERT_EQ(b.batch.samples.sizes(), (std::vector<int64_t>{3, 2, 2}));
  ASSERT_EQ(b.batch.controls.sizes(), (std::vector<int64_t>{3, 2, 2}));
  EXPECT_EQ(b.images, 12);
  const torch::Tensor p1_a =
      torch::tensor({3 / std::sqrt(2.0f), 8 / std::sqrt(8.0f)});
  bool found = false;
  for (int64_t e = 0; e < 3; ++e) {
    for (int64_t v = 0; v < 2; ++v) {
      found |= torch::allclose(b.batch.samples[e][v], p1_a);
    }
  }
  EXPECT_TRUE(found) << b.batch.samples;
  // Augmented batches: the same step gives the same batch, another step not.
  auto x = make(SamplingMode::kSimclr, true);
  auto y = make(SamplingMode::kSimclr, true);
  MICON_ASSERT_OK_AND_ASSIGN(LoadedBatch x0, x->Next());
  MICON_ASSERT_OK_AND_ASSIGN(LoadedBatch y0, y->Next());
  MICON_ASSERT_OK_AND_ASSIGN(LoadedBatch x1, x->Next());
  EXPECT_TRUE(torch::equal(x0.batch.samples, y0.batch.samples));
  EXPECT_FALSE(torch::equal(x0.batch.samples, x1.batch.samples));
  EXPECT_FALSE(torch::equal(x0.batch.samples.select(1, 0),
                            x0.batch.samples.select(1, 1)));  // two views
  EXPECT_EQ(x->state().step, 2);
}

}  // namespace
}  // namespace micon
