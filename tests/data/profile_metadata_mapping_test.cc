#include "data/profile_metadata_mapping.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <torch/torch.h>

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
  RowsLeftOut left_out;
  const absl::StatusOr<std::vector<bool>> r =
      ApplyMetadataMapping(m, f, &left_out);
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
  RowsLeftOut left_out;
  MICON_ASSERT_OK_AND_ASSIGN(std::vector<bool> keep,
                             ApplyMetadataMapping(m, f, &left_out));
  EXPECT_EQ(f.metadata_names,
            (std::vector<std::string>{"Metadata_Plate", "Metadata_Compound",
                                      "Metadata_SMILES", "Metadata_pert_type",
                                      "Metadata_Source", "Metadata_Control"}));
  EXPECT_EQ(f.metadata[4], std::vector<std::string>(4, "cpg0002"));
  EXPECT_EQ(f.metadata[5], (std::vector<std::string>{"1", "0", "1", "0"}));
  // The controls have no compound, but only treated rows need one.
  EXPECT_EQ(keep, (std::vector<bool>{true, true, true, false}));
  EXPECT_THAT(left_out, ElementsAre(Pair("Metadata_SMILES", 1)));
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

}  // namespace
}  // namespace micon
