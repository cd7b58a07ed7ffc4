#include "data/profile_metadata_mapping.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <fstream>

#include "tests/test_support.h"

namespace micon {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Pair;

// pycytominer's columns for four wells: two DMSO, one compound with a
// structure, one blinded compound without.
ProfileFrame Pycytominer() {
  ProfileFrame f;
  f.path = "plate.csv";
  f.metadata_names = {"Metadata_Plate", "Metadata_broad_sample",
                      "Metadata_smiles", "Metadata_pert_type"};
  f.metadata = {{"P", "P", "P", "P"},
                {"", "BRD-1", "", "BRD-2"},
                {"CS(C)=O", "CCO", "CS(C)=O", ""},
                {"control", "trt", "control", "trt"}};
  f.features = torch::empty({4, 0}, torch::kFloat64);
  return f;
}

std::string MappingError(const MetadataMapping& m) {
  ProfileFrame f = Pycytominer();
  MappingSummary summary;
  const absl::StatusOr<std::vector<bool>> r =
      ApplyMetadataMapping(m, f, &summary);
  EXPECT_FALSE(r.ok());
  return r.ok() ? "" : std::string(r.status().message());
}

TEST(MetadataMapping, MakesPycytominersColumnsMicons) {
  MetadataMapping m;
  m.renames = {{"Metadata_broad_sample", "Metadata_Compound"},
               {"Metadata_smiles", "Metadata_SMILES"}};
  m.constants = {{"Metadata_Source", "cpg0002"}};
  m.controls = {{"Metadata_pert_type", "control"}};
  m.drop_treated_without = {"Metadata_Compound", "Metadata_SMILES"};
  ProfileFrame f = Pycytominer();
  MappingSummary summary;
  MICON_ASSERT_OK_AND_ASSIGN(std::vector<bool> keep,
                             ApplyMetadataMapping(m, f, &summary));
  EXPECT_EQ(f.metadata_names,
            (std::vector<std::string>{"Metadata_Plate", "Metadata_Compound",
                                      "Metadata_SMILES", "Metadata_pert_type",
                                      "Metadata_Source", "Metadata_Control"}));
  EXPECT_EQ(f.metadata[4], std::vector<std::string>(4, "cpg0002"));
  EXPECT_EQ(f.metadata[5], (std::vector<std::string>{"1", "0", "1", "0"}));
  // The controls have no compound, but only treated rows need one.
  EXPECT_EQ(keep, (std::vector<bool>{true, true, true, false}));
  EXPECT_THAT(summary.left_out, ElementsAre(Pair("Metadata_SMILES", 1)));
}

TEST(MetadataMapping, NeverOverwritesAndNamesWhatIsMissing) {
  MetadataMapping rename;
  rename.renames = {{"Metadata_broad_sample", "Metadata_Plate"}};
  EXPECT_THAT(MappingError(rename),
              HasSubstr("rename Metadata_broad_sample=Metadata_Plate: "
                        "Metadata_Plate exists already"));
  rename.renames = {{"Metadata_compound", "Metadata_Compound"}};
  EXPECT_THAT(MappingError(rename),
              HasSubstr("no metadata column Metadata_compound (there are "
                        "Metadata_Plate, Metadata_broad_sample"));
  rename.renames = {{"Metadata_smiles", "SMILES"}};
  EXPECT_THAT(MappingError(rename),
              HasSubstr("SMILES does not start with Metadata_"));

  MetadataMapping controls;
  controls.controls = {{"Metadata_pert_type", "ctrl"}};
  EXPECT_THAT(MappingError(controls),
              HasSubstr("controls Metadata_pert_type=ctrl matches no row; "
                        "Metadata_pert_type holds control, trt"));

  MetadataMapping drop;
  drop.drop_treated_without = {"Metadata_smiles"};
  EXPECT_THAT(MappingError(drop), HasSubstr("no metadata column "
                                            "Metadata_Control"));
  MetadataMapping constant;
  constant.constants = {{"Metadata_Plate", "P2"}};
  EXPECT_THAT(MappingError(constant),
              HasSubstr("set Metadata_Plate=P2: Metadata_Plate exists"));
}

// Three wells of JUMP cpg0016 (two of plate BR5867a3, one of a plate no
// table knows), with the Source, Plate, Well columns its profiles carry.
ProfileFrame JumpWells() {
  ProfileFrame f;
  f.path = "jump.csv";
  f.metadata_names = {"Metadata_Source", "Metadata_Plate", "Metadata_Well"};
  f.metadata = {{"source_3", "source_3", "source_3"},
                {"BR5867a3", "BR5867a3", "NOPLATE"},
                {"A01", "A02", "A01"}};
  f.features = torch::empty({3, 0}, torch::kFloat64);
  return f;
}

// JUMP's own metadata tables, joined as its users join them in pandas: the
// plate's batch, the well's compound (renamed to micon's column after the
// join), and DMSO (JCP2022_033924) marked as the control.
TEST(MetadataMapping, JoinsJumpsPlateAndWellTables) {
  MetadataMapping m;
  m.renames = {{"Metadata_JCP2022", "Metadata_Compound"}};
  m.joins = {{SharedData("jump_datasets_metadata/plate.csv.gz"), {}},
             {SharedData("jump_datasets_metadata/well_2022-10-31.csv.gz"),
              {"Metadata_Source", "Metadata_Plate", "Metadata_Well"}}};
  m.controls = {{"Metadata_Compound", "JCP2022_033924"}};
  ProfileFrame f = JumpWells();
  MappingSummary summary;
  MICON_ASSERT_OK_AND_ASSIGN(const std::vector<bool> keep,
                             ApplyMetadataMapping(m, f, &summary));
  EXPECT_EQ(keep, std::vector<bool>(3, true));  // a left join keeps every row
  EXPECT_EQ(f.metadata_names,
            (std::vector<std::string>{"Metadata_Source", "Metadata_Plate",
                                      "Metadata_Well", "Metadata_Batch",
                                      "Metadata_PlateType", "Metadata_Compound",
                                      "Metadata_Control"}));
  EXPECT_EQ(f.metadata[3], (std::vector<std::string>{"CP59", "CP59", ""}));
  EXPECT_EQ(f.metadata[4],
            (std::vector<std::string>{"COMPOUND", "COMPOUND", ""}));
  EXPECT_EQ(f.metadata[5],
            (std::vector<std::string>{"JCP2022_085227", "JCP2022_033924", ""}));
  EXPECT_EQ(f.metadata[6], (std::vector<std::string>{"0", "1", "0"}));
  ASSERT_EQ(summary.joins.size(), 2u);
  EXPECT_EQ(summary.joins[0].keys,
            (std::vector<std::string>{"Metadata_Source", "Metadata_Plate"}));
  EXPECT_EQ(summary.joins[0].unmatched, 1);
  EXPECT_EQ(summary.joins[1].added,
            std::vector<std::string>{"Metadata_JCP2022"});
  EXPECT_EQ(summary.joins[1].unmatched, 1);
}

std::string Table(const std::string& name, const std::string& text) {
  const std::string path = ScratchDir() + "/" + name;
  std::ofstream(path) << text;
  return path;
}

TEST(MetadataMapping, RefusesJoinsItCannotMakeExactly) {
  const std::string twice =
      Table("twice.csv",
            "Metadata_Plate,Metadata_Batch\nBR5867a3,b1\nX,b2\nBR5867a3,b3\n");
  const auto error = [](const MetadataJoin& join) {
    ProfileFrame f = JumpWells();
    MappingSummary summary;
    MetadataMapping m;
    m.joins = {join};
    const absl::StatusOr<std::vector<bool>> r =
        ApplyMetadataMapping(m, f, &summary);
    EXPECT_FALSE(r.ok());
    return r.ok() ? "" : std::string(r.status().message());
  };
  EXPECT_THAT(error({twice, {}}),
              HasSubstr("twice.csv:4: Metadata_Plate given again (line 2) "
                        "with another Metadata_Batch: 'b3' against 'b1'"));
  const std::string folder = twice.substr(0, twice.rfind('/'));
  std::ofstream(folder + "/feature.csv") << "Metadata_Plate,area\nX,1\n";
  EXPECT_THAT(error({folder + "/feature.csv", {}}),
              HasSubstr("column area does not start with Metadata_"));
  std::ofstream(folder + "/again.csv")
      << "Metadata_Plate,Metadata_Well\nX,A1\n";
  EXPECT_THAT(error({folder + "/again.csv", {"Metadata_Plate"}}),
              HasSubstr("Metadata_Well is a metadata column of the profiles "
                        "already"));
  EXPECT_THAT(error({twice, {"Metadata_Site"}}),
              HasSubstr("key Metadata_Site is not a column of the table"));
  std::ofstream(folder + "/apart.csv")
      << "Metadata_JCP2022,Metadata_moa\nJ,m\n";
  EXPECT_THAT(error({folder + "/apart.csv", {}}),
              HasSubstr("shares no column with the profiles' metadata"));
}

}  // namespace
}  // namespace micon
