#include "data/profile_merge.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <filesystem>
#include <map>
#include <set>

#include "absl/strings/str_cat.h"
#include "data/profile_frame.h"
#include "data/profile_table.h"
#include "tests/real_profiles.h"
#include "tests/test_support.h"

namespace micon {
namespace {

using ::micon::testing::ScratchDir;
using ::micon::testing::SharedData;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Pair;

// One plate's profiles: `wells` rows, the named features, values that say
// which plate, row and feature they are (100 * plate + row + feature / 1000).
ProfileFrame Plate(int plate, int wells,
                   const std::vector<std::string>& features) {
  ProfileFrame f;
  f.metadata_names = {"Metadata_Plate", "Metadata_Well"};
  f.metadata.resize(2);
  f.feature_names = features;
  f.features = torch::empty({wells, static_cast<int64_t>(features.size())},
                            torch::kFloat64);
  for (int r = 0; r < wells; ++r) {
    f.metadata[0].push_back(absl::StrCat("P", plate));
    f.metadata[1].push_back(absl::StrCat("W", r));
    for (size_t k = 0; k < features.size(); ++k) {
      f.features[r][static_cast<int64_t>(k)] =
          100.0 * plate + r + std::stoi(features[k].substr(2)) / 1000.0 + 1e-9;
    }
  }
  return f;
}

std::string Written(const ProfileFrame& frame, const std::string& dir,
                    const std::string& name) {
  const std::string path = dir + "/" + name;
  EXPECT_TRUE(WriteProfileFrame(frame, path).ok()) << path;
  return path;
}

absl::StatusOr<ProfileMergeSummary> Merge(
    const std::vector<std::string>& inputs, const std::string& output,
    FeatureAlignment features = FeatureAlignment::kSame) {
  ProfileMergeOptions options;
  options.features = features;
  return MergeProfileFiles(inputs, output, options);
}

// Why merging `inputs` into dir/never.h5 fails; nothing is written.
std::string MergeError(const std::vector<std::string>& inputs,
                       const std::string& dir,
                       FeatureAlignment features = FeatureAlignment::kSame) {
  const absl::StatusOr<ProfileMergeSummary> r =
      Merge(inputs, dir + "/never.h5", features);
  EXPECT_FALSE(std::filesystem::exists(dir + "/never.h5"));
  EXPECT_FALSE(r.ok());
  return r.ok() ? "" : std::string(r.status().message());
}

// A table cut into per-plate files, in CSV, gzip and HDF5 with their features
// in another order, merges back into the table itself.
TEST(MergeProfileFiles, PerPlateFilesMergeBackIntoTheirTable) {
  const std::string dir = ScratchDir();
  const std::vector<std::string> h = {"h_0", "h_1", "h_2"};
  ProfileFrame one = Plate(1, 3, h), two = Plate(2, 2, h),
               three = Plate(3, 4, h);
  const std::string a = Written(one, dir, "p1.csv");
  const std::string b = Written(two, dir, "p2.csv.gz");
  ProfileFrame reordered = Plate(3, 4, {"h_2", "h_0", "h_1"});
  reordered.metadata_names.push_back("Metadata_Extra");
  reordered.metadata.push_back({"x", "y", "z", "w"});
  const std::string c = Written(reordered, dir, "p3.h5");

  for (const char* output : {"merged.h5", "merged.csv"}) {
    const std::string out = dir + "/" + output;
    MICON_ASSERT_OK_AND_ASSIGN(ProfileMergeSummary s, Merge({a, b, c}, out));
    EXPECT_EQ(s.rows, 9);
    EXPECT_EQ(s.feature_names, h);
    EXPECT_TRUE(s.dropped_features.empty());
    EXPECT_THAT(s.partial_metadata, ElementsAre(Pair("Metadata_Extra", 2u)));
    MICON_ASSERT_OK_AND_ASSIGN(ProfileFrame back, ReadProfileFrame(out));
    EXPECT_EQ(back.feature_names, h);
    EXPECT_TRUE(
        torch::equal(back.features,
                     torch::cat({one.features, two.features, three.features})))
        << output;
    EXPECT_EQ(back.metadata_names,
              (std::vector<std::string>{"Metadata_Plate", "Metadata_Well",
                                        "Metadata_Extra"}));
    EXPECT_EQ(back.metadata[0],
              (std::vector<std::string>{"P1", "P1", "P1", "P2", "P2", "P3",
                                        "P3", "P3", "P3"}));
    EXPECT_EQ(back.metadata[2], (std::vector<std::string>{"", "", "", "", "",
                                                          "x", "y", "z", "w"}));
  }
}

TEST(MergeProfileFiles, CommonKeepsTheFeaturesOfEveryFileAndListsTheRest) {
  const std::string dir = ScratchDir();
  const std::string a =
      Written(Plate(1, 2, {"h_0", "h_1", "h_2"}), dir, "a.csv");
  const std::string b =
      Written(Plate(2, 3, {"h_3", "h_2", "h_0"}), dir, "b.csv");
  const std::string out = dir + "/merged.h5";
  MICON_ASSERT_OK_AND_ASSIGN(ProfileMergeSummary s,
                             Merge({a, b}, out, FeatureAlignment::kCommon));
  EXPECT_EQ(s.feature_names, (std::vector<std::string>{"h_0", "h_2"}));
  EXPECT_EQ(s.dropped_features, (std::vector<std::string>{"h_1", "h_3"}));
  MICON_ASSERT_OK_AND_ASSIGN(ProfileFrame back, ReadProfileFrame(out));
  const at::Tensor expected =
      torch::cat({Plate(1, 2, {"h_0", "h_2"}).features,
                  Plate(2, 3, {"h_0", "h_2"}).features});
  EXPECT_TRUE(torch::equal(back.features, expected));

  const std::string message = MergeError({a, b}, dir);
  EXPECT_THAT(message, HasSubstr(b + ": its 3 features are not the 3 of " + a));
  EXPECT_THAT(message, HasSubstr("it lacks h_1; it has h_3 besides"));
  EXPECT_THAT(message, HasSubstr("--features common"));
}

TEST(MergeProfileFiles, RefusesWhatWouldMixUpRowsOrColumns) {
  const std::string dir = ScratchDir();
  const std::vector<std::string> h = {"h_0", "h_1"};
  const std::string a = Written(Plate(1, 2, h), dir, "a.csv");
  const std::string again = Written(Plate(1, 1, h), dir, "again.csv");
  EXPECT_THAT(MergeError({a, again}, dir),
              HasSubstr(again + ": plate P1 (Metadata_Plate) is also in " + a));
  // The plate column is the merged one, after renames.
  ProfileFrame barcode = Plate(1, 1, h);
  barcode.metadata_names[0] = "Metadata_Barcode";
  const std::string first = Written(barcode, dir, "barcode1.csv");
  const std::string second = Written(barcode, dir, "barcode2.csv");
  ProfileMergeOptions rename;
  MICON_ASSERT_OK(
      MergeProfileFiles({first, second}, dir + "/r.h5", rename).status());
  rename.metadata.renames = {{"Metadata_Barcode", "Metadata_Plate"}};
  const absl::StatusOr<ProfileMergeSummary> renamed =
      MergeProfileFiles({first, second}, dir + "/r.h5", rename);
  ASSERT_FALSE(renamed.ok());
  EXPECT_THAT(
      renamed.status().message(),
      HasSubstr(second + ": plate P1 (Metadata_Plate) is also in " + first));

  ProfileFrame twice = Plate(2, 1, h);
  twice.metadata_names[1] = "Metadata_Plate";
  EXPECT_THAT(MergeError({a, Written(twice, dir, "twice.csv")}, dir),
              HasSubstr("column Metadata_Plate appears twice"));

  const std::string other = Written(Plate(3, 1, {"h_7"}), dir, "other.csv");
  EXPECT_THAT(MergeError({a, other}, dir, FeatureAlignment::kCommon),
              HasSubstr("no feature is in every one of the 2 inputs"));

  const absl::StatusOr<ProfileMergeSummary> onto = Merge({a}, a);
  ASSERT_FALSE(onto.ok());
  EXPECT_THAT(onto.status().message(),
              HasSubstr("the output is also an input"));
  EXPECT_THAT(MergeError({}, dir), HasSubstr("no profile files"));
  EXPECT_THAT(MergeError({a, dir + "/missing.csv"}, dir),
              HasSubstr("missing.csv"));
}

// Two real published plates of different screens (JUMP-MOA's cpg0002 and
// LINCS), each feature-selected on its own: --features common keeps the
// features both have, each value as its file holds it.
TEST(MergeProfileFiles, RealPlatesSelectedApartMergeOnTheirCommonFeatures) {
  const std::string dir = ScratchDir();
  const std::string jump = SharedData(testing::kJumpMoaProfiles);
  const std::string lincs = SharedData(testing::kLincsProfiles);
  const std::string out = dir + "/two-screens.h5";
  MICON_ASSERT_OK_AND_ASSIGN(
      ProfileMergeSummary s,
      Merge({jump, lincs}, out, FeatureAlignment::kCommon));
  MICON_ASSERT_OK_AND_ASSIGN(ProfileFrame a, ReadProfileFrame(jump));
  MICON_ASSERT_OK_AND_ASSIGN(ProfileFrame b, ReadProfileFrame(lincs));
  std::map<std::string, int64_t> in_b;
  for (size_t k = 0; k < b.feature_names.size(); ++k) {
    in_b[b.feature_names[k]] = static_cast<int64_t>(k);
  }
  std::vector<int64_t> a_columns, b_columns;
  for (size_t k = 0; k < a.feature_names.size(); ++k) {
    if (in_b.count(a.feature_names[k]) == 0) continue;
    a_columns.push_back(static_cast<int64_t>(k));
    b_columns.push_back(in_b[a.feature_names[k]]);
  }
  ASSERT_EQ(s.feature_names.size(), a_columns.size());
  EXPECT_EQ(s.rows, a.rows() + b.rows());
  EXPECT_EQ(
      s.dropped_features.size(),
      a.feature_names.size() + b.feature_names.size() - 2 * a_columns.size());
  MICON_ASSERT_OK_AND_ASSIGN(ProfileFrame back, ReadProfileFrame(out));
  EXPECT_TRUE(torch::equal(
      back.features,
      torch::cat({a.features.index_select(1, torch::tensor(a_columns)),
                  b.features.index_select(1, torch::tensor(b_columns))})));
  MICON_ASSERT_OK_AND_ASSIGN(const std::vector<std::string>* plate,
                             back.Column("Metadata_Plate"));
  EXPECT_EQ(std::set<std::string>(plate->begin(), plate->end()),
            (std::set<std::string>{"BR00117060a10x", "SQ00015054"}));
  EXPECT_THAT(MergeError({jump, lincs}, dir), HasSubstr(lincs + ": its "));
}

// Rows left out of the second file come out of its features, not of the
// rows around them.
TEST(MergeProfileFiles, RowsLeftOutOfOneFileLeaveTheOthersInPlace) {
  const std::string dir = ScratchDir();
  const std::vector<std::string> h = {"h_0", "h_1"};
  ProfileFrame one = Plate(1, 3, h), two = Plate(2, 4, h),
               three = Plate(3, 2, h);
  for (ProfileFrame* f : {&one, &two, &three}) {
    f->metadata_names.push_back("Metadata_Compound");
    f->metadata.emplace_back(static_cast<size_t>(f->rows()), "C");
    f->metadata_names.push_back("Metadata_Control");
    f->metadata.emplace_back(static_cast<size_t>(f->rows()), "0");
  }
  two.metadata[2][1] = two.metadata[2][3] = "";  // treated, no compound
  two.metadata[2][2] = "";
  two.metadata[3][2] = "1";  // a control needs none
  ProfileMergeOptions options;
  options.metadata.drop_treated_without = {"Metadata_Compound"};
  options.block_bytes = 1;  // one row a block: rows are kept across blocks
  MICON_ASSERT_OK_AND_ASSIGN(
      ProfileMergeSummary s,
      MergeProfileFiles({Written(one, dir, "1.csv"), Written(two, dir, "2.h5"),
                         Written(three, dir, "3.csv")},
                        dir + "/merged.h5", options));
  EXPECT_EQ(s.rows, 7);
  EXPECT_THAT(s.left_out, ElementsAre(Pair("Metadata_Compound", 2)));
  ProfileFrame none = Plate(4, 2, h);
  none.metadata_names.push_back("Metadata_Compound");
  none.metadata.emplace_back(2, "");
  none.metadata_names.push_back("Metadata_Control");
  none.metadata.emplace_back(2, "0");
  const absl::StatusOr<ProfileMergeSummary> empty = MergeProfileFiles(
      {Written(none, dir, "4.csv")}, dir + "/none.h5", options);
  ASSERT_FALSE(empty.ok());
  EXPECT_THAT(empty.status().message(),
              HasSubstr("every row of the 1 inputs was left out"));
  EXPECT_FALSE(std::filesystem::exists(dir + "/none.h5"));
  MICON_ASSERT_OK_AND_ASSIGN(ProfileFrame back,
                             ReadProfileFrame(dir + "/merged.h5"));
  EXPECT_TRUE(torch::equal(
      back.features,
      torch::cat({one.features,
                  two.features.index_select(0, torch::tensor({0, 2})),
                  three.features})));
  EXPECT_EQ(back.metadata[1], (std::vector<std::string>{"W0", "W1", "W2", "W0",
                                                        "W2", "W0", "W1"}));
}

// The JUMP-MOA plate as pycytominer wrote it becomes a table the trainer
// reads (every check of ReadProfileTable), as deploy/profile_experiment.sh
// makes one with pandas: micon's columns, and the blinded compounds, which
// have no structure, left out.
TEST(MergeProfileFiles, APycytominerPlateBecomesATrainingTable) {
  const std::string dir = ScratchDir();
  const std::string jump = SharedData(testing::kJumpMoaProfiles);
  ProfileMergeOptions options;
  MetadataMapping& m = options.metadata;
  m.renames = {{"Metadata_broad_sample", "Metadata_Compound"},
               {"Metadata_smiles", "Metadata_SMILES"}};
  m.constants = {{"Metadata_Source", "cpg0002"},
                 {"Metadata_Batch", "Scope1_Nikon_10X"}};
  m.controls = {{"Metadata_pert_type", "control"}};
  m.drop_treated_without = {"Metadata_Compound", "Metadata_SMILES"};
  MICON_ASSERT_OK_AND_ASSIGN(
      ProfileMergeSummary s,
      MergeProfileFiles({jump}, dir + "/br060.h5", options));

  MICON_ASSERT_OK_AND_ASSIGN(ProfileFrame source, ReadProfileFrame(jump));
  const std::vector<std::string>& type = **source.Column("Metadata_pert_type");
  const std::vector<std::string>& smiles = **source.Column("Metadata_smiles");
  std::vector<int64_t> kept;
  std::set<std::string> compounds;
  int64_t controls = 0;
  for (int64_t r = 0; r < source.rows(); ++r) {
    const bool control = type[r] == "control";
    controls += control;
    if (!control && smiles[r].empty()) continue;
    kept.push_back(r);
    if (!control)
      compounds.insert((**source.Column("Metadata_broad_sample"))[r]);
  }
  ASSERT_LT(static_cast<int64_t>(kept.size()), source.rows());
  EXPECT_EQ(s.rows, static_cast<int64_t>(kept.size()));
  EXPECT_THAT(
      s.left_out,
      ElementsAre(Pair("Metadata_SMILES",
                       source.rows() - static_cast<int64_t>(kept.size()))));

  MICON_ASSERT_OK_AND_ASSIGN(ProfileTable table,
                             ReadProfileTable(dir + "/br060.h5"));
  ASSERT_EQ(table.plates.size(), 1u);
  EXPECT_EQ(table.plates[0].num_controls(), controls);
  EXPECT_EQ(table.compounds.compounds.size(), compounds.size());
  EXPECT_TRUE(torch::equal(
      table.features[0],
      source.features.index_select(0, torch::tensor(kept)).to(torch::kFloat)));
}

}  // namespace
}  // namespace micon
