// The `micon` command as users run it: exit codes and what it prints.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "tests/data/plate_fixture.h"
#include "tests/test_support.h"

namespace micon {
namespace {

using ::micon::testing::MiconBinary;
using ::micon::testing::RunCommand;
using ::micon::testing::ScratchDir;
using ::testing::AllOf;
using ::testing::HasSubstr;

TEST(MiconInspect, SummarisesAValidStore) {
  const std::string root = ScratchDir();
  MICON_ASSERT_OK(testing::WriteTestStore(root));
  const testing::CommandResult r =
      RunCommand(MiconBinary() + " inspect " + root);
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_THAT(
      r.output,
      AllOf(HasSubstr("sources    2: s1, s2"), HasSubstr("plates     2"),
            HasSubstr("images     6 (2 controls)"),
            HasSubstr("5: DNA, ER, RNA, AGP, Mito; 8x6 uint16"),
            HasSubstr("problems   none")));
}

TEST(MiconInspect, ListsProblemsAndExitsNonZero) {
  const std::string root = ScratchDir();
  MICON_ASSERT_OK(testing::WriteTestStore(root));
  std::filesystem::resize_file(root + "/plates/P2.h5", 64);
  std::ofstream(root + "/compounds.csv", std::ios::app) << "bad,C1CC,unknown\n";
  const testing::CommandResult r =
      RunCommand(MiconBinary() + " inspect " + root);
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_THAT(r.output, AllOf(HasSubstr("problems   2"),
                              HasSubstr(root + "/plates/P2.h5"),
                              HasSubstr("compounds.csv line 4: compound bad")));
}

TEST(MiconFeaturize, CachesAndReportsExcludedCompounds) {
  const std::string root = ScratchDir();
  MICON_ASSERT_OK(testing::WriteTestStore(root));
  std::ofstream(root + "/compounds.csv", std::ios::app) << "bad,C1CC,unknown\n";
  testing::CommandResult r = RunCommand(MiconBinary() + " featurize " + root);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.output,
              AllOf(HasSubstr("line 4: compound bad"), HasSubstr("C1CC")));
  r = RunCommand(MiconBinary() +
                 " featurize --on-invalid-smiles exclude --counts " + root);
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_THAT(
      r.output,
      AllOf(HasSubstr("2 compound(s) featurised as morgan-r2-2048-counts"),
            HasSubstr("compound bad excluded")));
  r = RunCommand(MiconBinary() +
                 " featurize --on-invalid-smiles exclude --counts " + root);
  EXPECT_THAT(r.output, HasSubstr("from cache"));
}

TEST(MiconCommand, RejectsUnknownFlagsNamingThem) {
  const testing::CommandResult r =
      RunCommand(MiconBinary() + " featurize --radius 99 x");
  EXPECT_NE(r.exit_code, 0);
  EXPECT_THAT(r.output, HasSubstr("--radius"));
}

}  // namespace
}  // namespace micon
