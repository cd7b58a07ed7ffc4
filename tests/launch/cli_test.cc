// The `micon` command as users run it: exit codes and what it prints.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "micon/config.h"
#include "tests/data/plate_fixture.h"
#include "tests/test_support.h"

namespace micon {
namespace {

using ::micon::testing::MiconBinary;
using ::micon::testing::RunCommand;
using ::micon::testing::ScratchDir;
using ::testing::AllOf;
using ::testing::ContainsRegex;
using ::testing::HasSubstr;
using ::testing::Not;

// The distributed runtime's versions come from distributed/bootstrap.h, which
// alone knows whether NCCL is built in.
TEST(MiconInfo, NamesTheBuildAndItsRuntimeLibraries) {
  const testing::CommandResult r = RunCommand(MiconBinary() + " info");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_THAT(r.output,
              HasSubstr(std::string("NCCL=") + (MICON_HAVE_NCCL ? "1" : "0")));
  EXPECT_THAT(r.output, ContainsRegex("mpi +Open MPI v[0-9]"));
  if (MICON_HAVE_NCCL) {
    EXPECT_THAT(r.output,
                ContainsRegex("nccl +[0-9]+\\.[0-9]+\\.[0-9]+ \\(built "
                              "against [0-9]+\\.[0-9]+\\.[0-9]+\\)"));
  } else {
    EXPECT_THAT(r.output, Not(HasSubstr("nccl ")));
  }
}

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
            HasSubstr("annotated  moa 2/2"),
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

// The test store's cpd-a is in one well only: a warning, which --strict
// makes a problem.
TEST(MiconInspect, WarnsAndStrictMakesWarningsProblems) {
  const std::string root = ScratchDir();
  MICON_ASSERT_OK(testing::WriteTestStore(root));
  testing::CommandResult r = RunCommand(MiconBinary() + " inspect " + root);
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_THAT(r.output,
              AllOf(HasSubstr("problems   none"), HasSubstr("warnings   1"),
                    HasSubstr("1 of 2 compound(s) in a single well"),
                    HasSubstr("cpd-a (plate P1 well A01)")));
  r = RunCommand(MiconBinary() + " inspect --strict " + root);
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_THAT(r.output, HasSubstr("1 problem(s) found (listed above; --strict "
                                  "counts the warnings)"));
}

// A plate from a failed acquisition (every pixel 0) is a problem.
TEST(MiconInspect, ABlankPlateIsAProblem) {
  const std::string root = ScratchDir();
  MICON_ASSERT_OK(testing::WriteTestStore(root));
  PlateHeader p2 = testing::TestHeader("P2");
  p2.source = "s2";
  std::filesystem::remove(root + "/plates/P2.h5");
  MICON_ASSERT_OK(testing::WritePlateWithPixels(
      root + "/plates/P2.h5", p2,
      {{"A02", 1, "cpd-b", false}, {"H12", 1, "DMSO", true}},
      [](int64_t, int64_t) { return 0; }));
  const testing::CommandResult r =
      RunCommand(MiconBinary() + " inspect " + root);
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_THAT(r.output,
              AllOf(HasSubstr("problems   5"),
                    HasSubstr(root + "/plates/P2.h5: channel DNA: blank (2) or "
                                     "constant (0) in all 2 images"),
                    HasSubstr(root + "/plates/P2.h5: channel Mito: blank")));
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

// An error before the ranks have started (a bad configuration, which every
// rank of a job reads) still names the rank the launcher gave: sixteen
// ranks' lines are told apart. A plain run has no rank to name.
TEST(MiconCommand, AnErrorBeforeTheWorldStartsNamesTheLaunchersRank) {
  const std::string bad_key = " train --set no.such=1";
  testing::CommandResult r = RunCommand(
      "SLURM_STEP_ID=0 SLURM_PROCID=3 SLURM_STEP_NUM_TASKS=4 "
      "SLURM_LOCALID=1 SLURM_NODEID=1 " +
      MiconBinary() + bad_key);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(
      r.output,
      HasSubstr("micon [rank 3/4] error: --set no.such=1: unknown key"));
  r = RunCommand(MiconBinary() + bad_key);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.output, HasSubstr("micon error: --set no.such=1: unknown key"));
}

// A preset is a fixed screen: a flag it sets is refused, not silently
// applied or overridden.
TEST(MiconSynth, PresetRefusesTheFlagsItFixes) {
  const std::string table =
      testing::SharedData("jump_moa/JUMP-MOA_compound_metadata.tsv");
  const std::string out = ScratchDir() + "/hard";
  testing::CommandResult r = RunCommand(
      MiconBinary() + " synth --preset hard --debris 0 --compounds " + table +
      " -o " + out);
  EXPECT_NE(r.exit_code, 0);
  EXPECT_THAT(r.output, HasSubstr("--preset hard fixes --debris"));
  EXPECT_FALSE(std::filesystem::exists(out + "/plates"));
  r = RunCommand(MiconBinary() + " synth --preset easy --compounds " + table +
                 " -o " + out);
  EXPECT_NE(r.exit_code, 0);
  EXPECT_THAT(r.output, HasSubstr("unknown preset 'easy'"));
}

}  // namespace
}  // namespace micon
