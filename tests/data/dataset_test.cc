// OpenDataset: the kind of a dataset from its path, where it keeps its split
// and cache, the training split, and one profile-table reader for CSV and
// HDF5.
#include "data/dataset.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <filesystem>
#include <fstream>

#include "data/profile_frame_hdf5.h"
#include "data/screen_split.h"
#include "tests/data/plate_fixture.h"
#include "tests/data/screen_fixture.h"
#include "tests/test_support.h"

namespace micon {
namespace {

using ::micon::testing::ScratchDir;
using ::testing::AllOf;
using ::testing::HasSubstr;

// Two plates with controls and compounds A (both plates) and B.
std::string WriteProfiles(const std::string& folder) {
  const std::string path = folder + "/profiles.csv";
  std::ofstream(path)
      << "Metadata_Source,Metadata_Batch,Metadata_Plate,Metadata_Well,"
         "Metadata_Compound,Metadata_SMILES,Metadata_Control,f1,f2\n"
         "s,b1,P1,A01,DMSO,,1,1,10\n"
         "s,b1,P1,A02,A,CCO,0,5,20\n"
         "s,b1,P1,A03,B,c1ccccc1,0,7,30\n"
         "s,b2,P2,A01,DMSO,,1,0,0\n"
         "s,b2,P2,A02,A,CCO,0,4,4\n";
  return path;
}

TEST(OpenDataset, AFolderIsAPlateStoreWithItsSplitAndCache) {
  const std::string& root = testing::SmallScreenPath();
  MICON_ASSERT_OK_AND_ASSIGN(const Dataset d, OpenDataset(root));
  EXPECT_EQ(d.kind, DatasetKind::kPlateStore);
  EXPECT_EQ(d.paths.folder, root);
  EXPECT_EQ(d.paths.split, root + "/screen.json");
  EXPECT_EQ(d.paths.cache, root + "/.micon-cache");
  EXPECT_EQ(d.plates().size(), testing::SmallScreen().plates.size());
  EXPECT_EQ(&d.compounds(), &d.store.compounds);

  MICON_ASSERT_OK_AND_ASSIGN(const ScreenSplit screen,
                             ReadScreenSplit(d.paths.split));
  MICON_ASSERT_OK_AND_ASSIGN(const DatasetSelection train,
                             SelectSplit(d, DatasetSplit::kTrain));
  ASSERT_EQ(train.plates.size(), screen.train_plates.size());
  for (size_t i : train.plates) {
    EXPECT_TRUE(screen.train_plates.count(d.plates()[i].header.plate));
  }
  EXPECT_EQ(train.held_out_compounds, screen.held_out_compounds);
  MICON_ASSERT_OK_AND_ASSIGN(const DatasetSelection all,
                             SelectSplit(d, DatasetSplit::kAll));
  EXPECT_EQ(all.plates.size(), d.plates().size());
  EXPECT_TRUE(all.held_out_compounds.empty());

  const Dataset subset = d.WithPlates(train.plates);
  ASSERT_EQ(subset.plates().size(), train.plates.size());
  EXPECT_EQ(subset.plates().front().path,
            d.plates()[train.plates.front()].path);
  EXPECT_EQ(subset.paths.split, d.paths.split);
}

TEST(OpenDataset, AFileIsAProfileTableBesideItsFolder) {
  const std::string folder = ScratchDir();
  const std::string csv = WriteProfiles(folder);
  MICON_ASSERT_OK_AND_ASSIGN(const Dataset d, OpenDataset(csv));
  EXPECT_EQ(d.kind, DatasetKind::kProfileTable);
  EXPECT_EQ(d.paths.folder, folder);
  EXPECT_EQ(d.paths.split, folder + "/screen.json");
  EXPECT_EQ(d.paths.cache, folder + "/.micon-cache");
  ASSERT_EQ(d.plates().size(), 2u);
  EXPECT_EQ(d.compounds().compounds.size(), 2u);

  // OpenDataset reads the table's index; features are read plate by plate.
  EXPECT_FALSE(d.table.features[0].defined());
  EXPECT_FALSE(d.table.features[1].defined());
  Dataset second = d.WithPlates({1});
  ASSERT_EQ(second.plates().size(), 1u);
  EXPECT_EQ(second.plates()[0].header.plate, "P2");
  EXPECT_EQ(second.table.feature_names, d.table.feature_names);
  MICON_ASSERT_OK(ReadPlateFeatures({0}, second.table));
  MICON_ASSERT_OK_AND_ASSIGN(const ProfileTable whole, ReadProfileTable(csv));
  EXPECT_TRUE(torch::equal(second.table.features[0], whole.features[1]));
}

TEST(OpenDataset, ProfileHdf5IsReadByTheSameReaderAsCsv) {
  const std::string folder = ScratchDir();
  const std::string csv = WriteProfiles(folder);
  MICON_ASSERT_OK_AND_ASSIGN(const ProfileFrame frame, ReadProfileFrame(csv));
  const std::string h5 = folder + "/profiles.h5";
  MICON_ASSERT_OK(WriteProfileFrame(frame, h5));
  MICON_ASSERT_OK_AND_ASSIGN(const ProfileTable from_csv,
                             ReadProfileTable(csv));
  MICON_ASSERT_OK_AND_ASSIGN(const ProfileTable from_h5, ReadProfileTable(h5));
  ASSERT_EQ(from_h5.plates.size(), from_csv.plates.size());
  for (size_t p = 0; p < from_csv.plates.size(); ++p) {
    EXPECT_EQ(from_h5.plates[p].header.plate, from_csv.plates[p].header.plate);
    EXPECT_EQ(from_h5.plates[p].num_controls(),
              from_csv.plates[p].num_controls());
    EXPECT_TRUE(torch::equal(from_h5.features[p], from_csv.features[p]));
  }
  EXPECT_EQ(from_h5.compounds.Find("B")->smiles, "c1ccccc1");
}

TEST(OpenDataset, ErrorsNameThePathAndTheSplitFile) {
  EXPECT_THAT(std::string(OpenDataset("/nonexistent/store").status().message()),
              HasSubstr("/nonexistent/store"));

  const std::string root = ScratchDir();
  MICON_ASSERT_OK(testing::WriteTestStore(root));
  MICON_ASSERT_OK_AND_ASSIGN(const Dataset d, OpenDataset(root));
  EXPECT_THAT(
      std::string(SelectSplit(d, DatasetSplit::kTrain).status().message()),
      HasSubstr(root + "/screen.json"));
  std::ofstream(root + "/screen.json")
      << R"({"train_plates": ["P1", "P9"], "held_out_plates": [],
            "held_out_compounds": []})";
  EXPECT_THAT(
      std::string(SelectSplit(d, DatasetSplit::kTrain).status().message()),
      AllOf(HasSubstr("screen.json: lists 2 train plates but the dataset has "
                      "1 of them"),
            HasSubstr("missing: P9")));
}

}  // namespace
}  // namespace micon
