// Compounds' annotations made into labels: splitting, missing values, and
// the refusals that keep a compound from taking two annotations.
#include "launch/profiles/phenotypic_consistency.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>

#include "tests/test_support.h"

namespace micon {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

TEST(LabelCompounds, SplitsTrimsAndCountsTheUnannotated) {
  const CompoundAnnotations annotations = {
      {"A", "EGFR inhibitor| HER2 inhibitor |EGFR inhibitor"},
      {"B", "EGFR inhibitor"},
      {"C", " nan "},
      {"D", "NA|"},
      {"F", "HER2 inhibitor"}};
  // E has no row in the table at all.
  const CompoundLabels labels =
      LabelCompounds(annotations, {"A", "B", "C", "D", "E", "F"}, "|");
  EXPECT_THAT(labels.compounds, ElementsAre("A", "B", "F"));
  EXPECT_THAT(labels.names, ElementsAre("EGFR inhibitor", "HER2 inhibitor"));
  EXPECT_THAT(labels.labels[0], ElementsAre(0, 1));
  EXPECT_THAT(labels.labels[1], ElementsAre(0));
  EXPECT_THAT(labels.labels[2], ElementsAre(1));
  EXPECT_EQ(labels.unannotated, 3);
  // No separator: the whole value is one label.
  const CompoundLabels whole = LabelCompounds(annotations, {"A", "B"}, "");
  EXPECT_EQ(whole.names.size(), 2u);
}

TEST(ReadAnnotationTable, OneValuePerKeyWhateverTheMissingSpelling) {
  const std::string dir = testing::ScratchDir();
  std::ofstream(dir + "/ok.tsv") << "id\tmoa\nA\tm1\nB\tNA\nB\t\nA\tm1\n";
  MICON_ASSERT_OK_AND_ASSIGN(
      const std::vector<CompoundAnnotations> a,
      ReadAnnotationTable(dir + "/ok.tsv", "id", {"moa"}));
  ASSERT_EQ(a.size(), 1u);
  EXPECT_EQ(a[0].at("A"), "m1");
  std::ofstream(dir + "/twice.csv") << "id,moa\nA,m1\nB,m2\nA,m3\n";
  const absl::StatusOr<std::vector<CompoundAnnotations>> twice =
      ReadAnnotationTable(dir + "/twice.csv", "id", {"moa"});
  ASSERT_FALSE(twice.ok());
  EXPECT_THAT(std::string(twice.status().message()),
              HasSubstr("twice.csv:4: id A has moa 'm3', but 'm1' on line 2"));
  const absl::StatusOr<std::vector<CompoundAnnotations>> no_key =
      ReadAnnotationTable(dir + "/twice.csv", "compound_id", {"moa"});
  ASSERT_FALSE(no_key.ok());
  EXPECT_THAT(std::string(no_key.status().message()),
              HasSubstr("no column 'compound_id'"));
}

}  // namespace
}  // namespace micon
