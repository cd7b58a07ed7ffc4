// micon merge-profiles as users run it: per-plate files from a folder or a
// list, one table that micon evaluate reads, and errors that name the file.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "tests/real_profiles.h"
#include "tests/test_support.h"

namespace micon {
namespace {

namespace fs = std::filesystem;
using ::micon::testing::MiconBinary;
using ::micon::testing::RunCommand;
using ::micon::testing::ScratchDir;
using ::micon::testing::SharedData;
using ::testing::HasSubstr;

// Two real plates, each feature-selected on its own, as a folder of per-plate
// files: merged on their common features, then evaluated as one screen.
TEST(MiconMergeProfiles, AFolderOfPlatesBecomesOneTableThatEvaluates) {
  const std::string dir = ScratchDir();
  fs::create_directories(dir + "/plates");
  fs::copy_file(SharedData(testing::kJumpMoaProfiles),
                dir + "/plates/a.csv.gz");
  fs::copy_file(SharedData(testing::kLincsProfiles), dir + "/plates/b.csv.gz");
  std::ofstream(dir + "/plates/README.txt") << "not a profile file\n";

  const testing::CommandResult same = RunCommand(
      MiconBinary() + " merge-profiles -o " + dir + "/m.h5 " + dir + "/plates");
  EXPECT_EQ(same.exit_code, 1) << same.output;
  EXPECT_THAT(same.output, HasSubstr(dir + "/plates/b.csv.gz: its 454 "
                                           "features are not the 357 of "));
  EXPECT_FALSE(fs::exists(dir + "/m.h5"));

  const testing::CommandResult r =
      RunCommand(MiconBinary() + " merge-profiles --features common -o " + dir +
                 "/m.h5 " + dir + "/plates");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_THAT(r.output, HasSubstr(dir + "/m.h5: 760 rows from 2 files"));
  EXPECT_THAT(r.output, HasSubstr("features: 100 (those in every file)"));
  EXPECT_THAT(r.output, HasSubstr("dropped: 611 features not in every file"));
  EXPECT_THAT(r.output,
              HasSubstr("missing from 1 of the 2 files (empty there): "
                        "Metadata_InChIKey, Metadata_pert_iname"));

  const testing::CommandResult e =
      RunCommand(MiconBinary() + " evaluate --profiles cp=" + dir +
                 "/m.h5 --compound-column Metadata_broad_sample --controls "
                 "Metadata_pert_type=control --null-size 100 -o " +
                 dir + "/eval");
  ASSERT_EQ(e.exit_code, 0) << e.output;
  EXPECT_THAT(e.output, HasSubstr("48 control wells, 100 features"));
}

TEST(MiconMergeProfiles, TakesAListAndNamesWhatItCannotRead) {
  const std::string dir = ScratchDir();
  std::ofstream(dir + "/inputs.txt")
      << "# the JUMP-MOA plate, twice\n"
      << SharedData(testing::kJumpMoaProfiles) << "\n\n"
      << SharedData(testing::kJumpMoaProfiles) << "\n";
  const testing::CommandResult twice =
      RunCommand(MiconBinary() + " merge-profiles --list " + dir +
                 "/inputs.txt -o " + dir + "/m.csv");
  EXPECT_EQ(twice.exit_code, 1) << twice.output;
  EXPECT_THAT(twice.output,
              HasSubstr("plate BR00117060a10x (Metadata_Plate) is also in"));

  fs::create_directories(dir + "/empty");
  const testing::CommandResult empty = RunCommand(
      MiconBinary() + " merge-profiles -o " + dir + "/m.csv " + dir + "/empty");
  EXPECT_EQ(empty.exit_code, 1) << empty.output;
  EXPECT_THAT(empty.output, HasSubstr(dir + "/empty: no profile file"));

  const testing::CommandResult none =
      RunCommand(MiconBinary() + " merge-profiles -o " + dir + "/m.csv");
  EXPECT_EQ(none.exit_code, 1) << none.output;
  EXPECT_THAT(none.output, HasSubstr("give the profile files to merge"));
}

// pycytominer's plate made into micon's columns on the way trains a
// profile model at once, with no other tool.
TEST(MiconMergeProfiles, MapsPycytominerColumnsSoThePlateTrains) {
  const std::string dir = ScratchDir();
  const testing::CommandResult r = RunCommand(
      MiconBinary() + " merge-profiles -o " + dir + "/br060.h5 " +
      SharedData(testing::kJumpMoaProfiles) +
      " --rename Metadata_broad_sample=Metadata_Compound"
      " --rename Metadata_smiles=Metadata_SMILES"
      " --set Metadata_Source=cpg0002 --set Metadata_Batch=Scope1_Nikon_10X"
      " --controls Metadata_pert_type=control"
      " --drop-treated-without Metadata_SMILES");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_THAT(r.output, HasSubstr("left out: 32 treated rows with an empty "
                                  "Metadata_SMILES"));
  const testing::CommandResult train = RunCommand(
      MiconBinary() + " train --config " + testing::SourceDir() +
      "/deploy/configs/profiles-br060.yaml --set data.dataset=" + dir +
      "/br060.h5 --set data.split=all --set train.steps=2 "
      "--set schedule.warmup_steps=1 --set run.dir=" +
      dir + "/run");
  ASSERT_EQ(train.exit_code, 0) << train.output;
  EXPECT_THAT(train.output, HasSubstr("step 2"));

  const testing::CommandResult bad = RunCommand(
      MiconBinary() + " merge-profiles -o " + dir + "/x.h5 " +
      SharedData(testing::kJumpMoaProfiles) + " --rename Metadata_smiles");
  EXPECT_EQ(bad.exit_code, 1) << bad.output;
  EXPECT_THAT(bad.output,
              HasSubstr("--rename must be FROM=TO, got 'Metadata_smiles'"));
}

// The batch lives in a plate table beside the profiles (as JUMP's
// plate.csv.gz): joined, the plate evaluates with its batch; a missing table
// or a key after '=' it lacks is named.
TEST(MiconMergeProfiles, JoinsAPlateTableOntoTheRows) {
  const std::string dir = ScratchDir();
  std::ofstream(dir + "/plates.csv")
      << "Metadata_Plate,Metadata_Batch\nBR00117060a10x,Scope1_Nikon_10X\n";
  testing::CommandResult r =
      RunCommand(MiconBinary() + " merge-profiles -o " + dir + "/m.csv " +
                 SharedData(testing::kJumpMoaProfiles) + " --join " + dir +
                 "/plates.csv --controls Metadata_pert_type=control");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_THAT(r.output,
              HasSubstr("joined " + dir +
                        "/plates.csv on Metadata_Plate: added Metadata_Batch; "
                        "0 rows found no match"));
  std::ifstream merged(dir + "/m.csv");
  std::string header, first;
  std::getline(merged, header);
  std::getline(merged, first);
  EXPECT_THAT(header, HasSubstr("Metadata_Batch"));
  EXPECT_THAT(first, HasSubstr("Scope1_Nikon_10X"));

  r = RunCommand(MiconBinary() + " merge-profiles -o " + dir + "/n.csv " +
                 SharedData(testing::kJumpMoaProfiles) + " --join " + dir +
                 "/plates.csv=Metadata_Well");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.output,
              HasSubstr("key Metadata_Well is not a column of the table"));
  r = RunCommand(MiconBinary() + " merge-profiles -o " + dir + "/n.csv " +
                 SharedData(testing::kJumpMoaProfiles) + " --join " + dir +
                 "/nowhere.csv");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.output, HasSubstr("--join: no table " + dir + "/nowhere.csv"));
  EXPECT_FALSE(fs::exists(dir + "/n.csv"));
}

}  // namespace
}  // namespace micon
