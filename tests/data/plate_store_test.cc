// Plate stores: a dataset folder validated as a whole.
#include "data/plate_store.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>

#include "tests/data/plate_fixture.h"
#include "tests/test_support.h"

namespace micon {
namespace {

using ::micon::testing::ScratchDir;
using ::micon::testing::TestHeader;
using ::micon::testing::WriteTestPlate;
using ::micon::testing::WriteTestStore;
using ::testing::AllOf;
using ::testing::HasSubstr;

TEST(PlateStore, OpensAValidStore) {
  const std::string root = ScratchDir();
  MICON_ASSERT_OK(WriteTestStore(root));
  MICON_ASSERT_OK_AND_ASSIGN(PlateStore store, OpenPlateStore(root));
  EXPECT_EQ(store.compounds.compounds.size(), 2u);
  ASSERT_EQ(store.plates.size(), 2u);
  EXPECT_EQ(store.plates[0].header.plate, "P1");
  EXPECT_EQ(store.plates[1].header.source, "s2");
  EXPECT_EQ(store.plates[0].num_images() + store.plates[1].num_images(), 6);
}

TEST(PlateStore, ReportsEveryStoreLevelProblemNamingFileAndField) {
  const std::string root = ScratchDir();
  MICON_ASSERT_OK(WriteTestStore(root));
  // No controls, an unknown compound and a repeated (well, site).
  MICON_ASSERT_OK(WriteTestPlate(
      root + "/plates/P3.h5", TestHeader("P3"),
      {{"A01", 1, "cpd-a", false}, {"A01", 1, "cpd-zzz", false}}));
  // File name and plate attribute disagree; channels differ from the other
  // plates.
  PlateHeader renamed = TestHeader("P9");
  renamed.channels = {"DNA", "ER", "RNA", "AGP", "Brightfield"};
  MICON_ASSERT_OK(WriteTestPlate(root + "/plates/P4.h5", renamed,
                                 {{"A01", 1, "DMSO", true}}));

  MICON_ASSERT_OK_AND_ASSIGN(PlateStoreScan scan, ScanPlateStore(root));
  const std::string p3 = root + "/plates/P3.h5", p4 = root + "/plates/P4.h5";
  auto has = [&scan](const std::string& file, const std::string& a,
                     const std::string& b) {
    for (const std::string& p : scan.problems) {
      if (p.find(file) != std::string::npos && p.find(a) != std::string::npos &&
          p.find(b) != std::string::npos) {
        return true;
      }
    }
    return false;
  };
  EXPECT_TRUE(has(p3, "/control", "no control"))
      << ::testing::PrintToString(scan.problems);
  EXPECT_TRUE(has(p3, "/compound", "cpd-zzz"));
  EXPECT_TRUE(has(p3, "/well,/site", "repeats well A01 site 1"));
  EXPECT_TRUE(has(p4, "attribute plate", "P9"));
  EXPECT_TRUE(has(p4, "attribute channels", "Brightfield"));
  EXPECT_EQ(scan.problems.size(), 5u)
      << ::testing::PrintToString(scan.problems);

  absl::StatusOr<PlateStore> strict = OpenPlateStore(root);
  ASSERT_FALSE(strict.ok());
  EXPECT_THAT(strict.status().message(),
              AllOf(HasSubstr("5 problem(s)"), HasSubstr(p3)));
}

TEST(PlateStore, BrokenPlateFilesAreProblemsNotCrashes) {
  const std::string root = ScratchDir();
  MICON_ASSERT_OK(WriteTestStore(root));
  std::filesystem::resize_file(root + "/plates/P2.h5", 100);
  MICON_ASSERT_OK_AND_ASSIGN(PlateStoreScan scan, ScanPlateStore(root));
  ASSERT_EQ(scan.problems.size(), 1u);
  EXPECT_THAT(scan.problems[0], HasSubstr(root + "/plates/P2.h5"));
  EXPECT_EQ(scan.store.plates.size(), 1u);
}

TEST(PlateStore, MissingPiecesAreNamed) {
  const std::string root = ScratchDir();
  EXPECT_THAT(
      ScanPlateStore(root).status().message(),
      AllOf(HasSubstr(root + "/compounds.csv"), HasSubstr("no such file")));
  MICON_ASSERT_OK(WriteTestStore(root));
  std::filesystem::remove_all(root + "/plates");
  EXPECT_THAT(
      ScanPlateStore(root).status().message(),
      AllOf(HasSubstr(root + "/plates"), HasSubstr("no plates folder")));
}

}  // namespace
}  // namespace micon
