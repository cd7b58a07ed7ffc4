// micon convert on the real TIFFs in ../shared/data, checked pixel for pixel
// against Pillow.
//
// Neither image sample records a compound-treated well, so these tests assign
// each field to wells of the real JUMP-Target-1 platemap (A01: BRD-A86665761;
// A02: DMSO). The assignment is the tests' own; the pixels, platemap and
// compound table are real.
#include "data/load_data_converter.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "data/compound_table.h"
#include "data/plate_reader.h"
#include "data/plate_store.h"
#include "tests/test_support.h"

namespace micon {
namespace {

using ::micon::testing::PythonScript;
using ::micon::testing::RunCommand;
using ::micon::testing::ScratchDir;
using ::micon::testing::SharedData;
using ::testing::AllOf;
using ::testing::HasSubstr;

constexpr char kCloome[] = "images_cloome_cdrp_plate24279";
constexpr char kCpJump[] = "images_jump_cpjump1_BR00117006_A01_s1";

// A load_data CSV with one row per (well, site) over the same channel files.
std::string WriteLoadData(
    const std::string& dir,
    const std::vector<std::pair<std::string, std::string>>& channels,
    const std::string& folder, const std::string& plate,
    const std::vector<std::string>& wells) {
  std::vector<std::string> header = {"Metadata_Plate", "Metadata_Well",
                                     "Metadata_Site"};
  for (const auto& [name, file] : channels) {
    header.push_back("FileName_" + name);
    header.push_back("PathName_" + name);
  }
  const std::string path = dir + "/load_data.csv";
  std::ofstream out(path);
  out << absl::StrJoin(header, ",") << "\n";
  for (const std::string& well : wells) {
    out << plate << "," << well << ",1";
    for (const auto& [name, file] : channels)
      out << "," << file << "," << SharedData(folder);
    out << "\n";
  }
  return path;
}

ConvertOptions JumpTargetOptions(const std::string& load_data,
                                 const std::string& output) {
  ConvertOptions o;
  o.load_data = load_data;
  o.platemap = SharedData("jump_target/JUMP-Target-1_compound_platemap.tsv");
  o.compound_table =
      SharedData("jump_target/JUMP-Target-1_compound_metadata.tsv");
  o.source = "test_source";
  o.batch = "test_batch";
  o.output = output;
  return o;
}

void ExpectPixelsMatchPillow(const std::string& plate, int index,
                             const std::string& folder,
                             const std::vector<std::string>& files) {
  std::string command =
      absl::StrCat(PythonScript("compare_tiff_h5.py"), " ", plate, " ", index);
  for (const std::string& f : files)
    command += " " + SharedData(folder + "/" + f);
  const testing::CommandResult r = RunCommand(command);
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_THAT(r.output, HasSubstr("OK"));
}

TEST(ConvertLoadData, CloomeFiveChannelField) {
  const std::string dir = ScratchDir();
  const std::vector<std::pair<std::string, std::string>> channels = {
      {"DNA", "Hoechst.tif"},
      {"ER", "ERSyto.tif"},
      {"RNA", "ERSytoBleed.tif"},
      {"AGP", "Ph_golgi.tif"},
      {"Mito", "Mito.tif"}};
  const std::string load =
      WriteLoadData(dir, channels, kCloome, "24279", {"A01", "a2"});
  MICON_ASSERT_OK_AND_ASSIGN(
      ConvertReport report,
      ConvertLoadData(JumpTargetOptions(load, dir + "/store")));
  EXPECT_TRUE(report.problems.empty())
      << ::testing::PrintToString(report.problems);
  EXPECT_EQ(report.images, 2);
  EXPECT_EQ(report.compounds, 1);

  MICON_ASSERT_OK_AND_ASSIGN(PlateStore store, OpenPlateStore(dir + "/store"));
  ASSERT_EQ(store.plates.size(), 1u);
  const PlateMetadata& plate = store.plates[0];
  EXPECT_EQ(plate.header.channels,
            (std::vector<std::string>{"DNA", "ER", "RNA", "AGP", "Mito"}));
  EXPECT_EQ(plate.header.height, 520);
  EXPECT_EQ(plate.header.width, 696);
  EXPECT_EQ(plate.images[0].compound, "BRD-A86665761-001-01-1");
  EXPECT_FALSE(plate.images[0].control);
  EXPECT_EQ(plate.images[1].well, "A02");  // normalised from "a2"
  EXPECT_TRUE(plate.images[1].control);
  EXPECT_EQ(store.compounds.Find("BRD-A86665761-001-01-1")->smiles,
            "CC(OC(=O)NCC1(CC(=O)O)CCCCC1)OC(=O)C(C)C");
  // The compound table's other columns are the compound's annotations.
  EXPECT_EQ(store.compounds.annotation_names,
            (std::vector<std::string>{"InChIKey", "pert_iname", "pubchem_cid",
                                      "target_list", "pert_type",
                                      "control_type", "InChI"}));
  const std::vector<std::string>& annotations =
      store.compounds.Find("BRD-A86665761-001-01-1")->annotations;
  ASSERT_EQ(annotations.size(), 7u);
  EXPECT_EQ(annotations[0], "TZDUHAJSIBHXDL-UHFFFAOYSA-N");
  EXPECT_EQ(annotations[1], "gabapentin-enacarbil");
  EXPECT_THAT(annotations[3], ::testing::StartsWith("CACNA1A|CACNA1B|"));
  ExpectPixelsMatchPillow(plate.path, 0, kCloome,
                          {"Hoechst.tif", "ERSyto.tif", "ERSytoBleed.tif",
                           "Ph_golgi.tif", "Mito.tif"});
}

// Converting into a store that already lists compounds keeps them and their
// annotations; the new table's columns are added, filled for the compounds
// it has and empty for the others.
TEST(ConvertLoadData, AddsAnnotationColumnsToAnExistingStore) {
  const std::string dir = ScratchDir();
  std::filesystem::create_directories(dir + "/store");
  std::ofstream(dir + "/store/compounds.csv")
      << "compound_id,smiles,moa\n"
      << "BRD-A86665761-001-01-1,CC(OC(=O)NCC1(CC(=O)O)CCCCC1)OC(=O)C(C)C,"
         "calcium channel blocker\n"
      << "aspirin,CC(=O)Oc1ccccc1C(=O)O,COX inhibitor\n";
  const std::string load = WriteLoadData(dir, {{"DNA", "Hoechst.tif"}}, kCloome,
                                         "24279", {"A01", "A02"});
  ConvertOptions options = JumpTargetOptions(load, dir + "/store");
  options.channels = {"DNA"};
  MICON_ASSERT_OK(ConvertLoadData(options).status());
  MICON_ASSERT_OK_AND_ASSIGN(CompoundTable t,
                             ReadCompoundTable(dir + "/store/compounds.csv"));
  ASSERT_EQ(t.annotation_names.size(), 8u);
  EXPECT_EQ(t.annotation_names[0], "moa");
  EXPECT_EQ(t.annotation_names[2], "pert_iname");
  EXPECT_EQ(t.Find("BRD-A86665761-001-01-1")->annotations[0],
            "calcium channel blocker");
  EXPECT_EQ(t.Find("BRD-A86665761-001-01-1")->annotations[2],
            "gabapentin-enacarbil");
  EXPECT_EQ(t.Find("aspirin")->annotations[0], "COX inhibitor");
  EXPECT_EQ(t.Find("aspirin")->annotations[2], "");
}

TEST(ConvertLoadData, CpJumpLzwFieldNeedsAChannelSubset) {
  const std::string dir = ScratchDir();
  const std::vector<std::pair<std::string, std::string>> channels = {
      {"OrigDNA", "r01c01f01p01-ch5sk1fk1fl1.tiff"},
      {"OrigRNA", "r01c01f01p01-ch3sk1fk1fl1.tiff"},
      {"OrigAGP", "r01c01f01p01-ch2sk1fk1fl1.tiff"}};
  const std::string load =
      WriteLoadData(dir, channels, kCpJump, "BR00117006", {"A01", "A02"});
  ConvertOptions options = JumpTargetOptions(load, dir + "/store");

  EXPECT_THAT(ConvertLoadData(options).status().message(),
              AllOf(HasSubstr(load), HasSubstr("ER, Mito"),
                    HasSubstr("OrigDNA"), HasSubstr("--channels")));

  options.channels = {"DNA", "RNA", "AGP"};
  MICON_ASSERT_OK_AND_ASSIGN(ConvertReport report, ConvertLoadData(options));
  EXPECT_TRUE(report.problems.empty())
      << ::testing::PrintToString(report.problems);
  MICON_ASSERT_OK_AND_ASSIGN(PlateReader reader,
                             PlateReader::Open(report.plate_files.at(0)));
  EXPECT_EQ(reader.metadata().header.height, 1080);
  EXPECT_EQ(reader.metadata().header.channels, options.channels);
  ExpectPixelsMatchPillow(
      report.plate_files[0], 1, kCpJump,
      {"r01c01f01p01-ch5sk1fk1fl1.tiff", "r01c01f01p01-ch3sk1fk1fl1.tiff",
       "r01c01f01p01-ch2sk1fk1fl1.tiff"});
}

TEST(ConvertLoadData, BadInputIsNamed) {
  const std::string dir = ScratchDir();
  const std::vector<std::pair<std::string, std::string>> missing_file = {
      {"DNA", "Hoechst.tif"}, {"ER", "no_such.tif"}};
  std::string load =
      WriteLoadData(dir, missing_file, kCloome, "24279", {"A01"});
  ConvertOptions options = JumpTargetOptions(load, dir + "/store");
  options.channels = {"DNA", "ER"};
  EXPECT_THAT(ConvertLoadData(options).status().message(),
              AllOf(HasSubstr(load + " line 2"), HasSubstr("channel ER"),
                    HasSubstr("no_such.tif")));

  load =
      WriteLoadData(dir, {{"DNA", "Hoechst.tif"}}, kCloome, "24279", {"Z99"});
  options.load_data = load;
  options.channels = {"DNA"};
  EXPECT_THAT(ConvertLoadData(options).status().message(),
              AllOf(HasSubstr(load + " line 2"), HasSubstr("well Z99"),
                    HasSubstr("platemap")));

  options.source.clear();
  load =
      WriteLoadData(dir, {{"DNA", "Hoechst.tif"}}, kCloome, "24279", {"A01"});
  EXPECT_THAT(ConvertLoadData(options).status().message(),
              HasSubstr("--source"));
}

TEST(ConvertLoadData, ReportsAPlateWithoutControls) {
  const std::string dir = ScratchDir();
  const std::string load =
      WriteLoadData(dir, {{"DNA", "Hoechst.tif"}}, kCloome, "24279", {"A01"});
  ConvertOptions options = JumpTargetOptions(load, dir + "/store");
  options.channels = {"DNA"};
  MICON_ASSERT_OK_AND_ASSIGN(ConvertReport report, ConvertLoadData(options));
  ASSERT_EQ(report.problems.size(), 1u);
  EXPECT_THAT(report.problems[0],
              AllOf(HasSubstr("24279.h5"), HasSubstr("no control")));
}

TEST(NormalizeWellName, PadsAndUppercases) {
  EXPECT_EQ(NormalizeWellName("a1"), "A01");
  EXPECT_EQ(NormalizeWellName(" B07 "), "B07");
  EXPECT_EQ(NormalizeWellName("P24"), "P24");
  EXPECT_EQ(NormalizeWellName("AF48"), "AF48");
  EXPECT_EQ(NormalizeWellName("r01c01"), "R01C01");
}

TEST(AssignPlatesToShards, LargestFirstToTheLeastLoadedShard) {
  // 9 -> 0, 7 -> 1, 5 -> 1, 3 -> 0, 2 -> 0 (a tie), 1 -> 1: 14 and 13.
  EXPECT_EQ(AssignPlatesToShards({5, 9, 2, 7, 1, 3}, 2),
            (std::vector<int>{1, 0, 0, 1, 1, 0}));
  // More shards than plates: each plate alone, the rest empty.
  EXPECT_EQ(AssignPlatesToShards({4, 4}, 3), (std::vector<int>{0, 1}));
  EXPECT_EQ(AssignPlatesToShards({4, 4, 4}, 1), (std::vector<int>{0, 0, 0}));
}

TEST(ConvertPlates, RefusesAShardOutsideTheWorld) {
  ConvertOptions options;
  options.shard = 2;
  options.shards = 2;
  EXPECT_THAT(ConvertPlates(options).status().message(),
              HasSubstr("shard 2 of 2"));
  options.shard = 0;
  EXPECT_THAT(ConvertLoadData(options).status().message(),
              HasSubstr("shards use ConvertPlates"));
}

}  // namespace
}  // namespace micon
