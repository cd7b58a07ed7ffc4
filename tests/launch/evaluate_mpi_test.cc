// micon evaluate under a real mpirun: ranks split the similarity tiles and
// sum their counts, and rank 0 writes exactly the report one process writes
// (every metric printed with all 17 digits, phenotypic consistency's too),
// whatever the world size and the tile size.
#include <gtest/gtest.h>

#include "absl/strings/str_cat.h"
#include "tests/test_support.h"

namespace micon {
namespace {

using ::micon::testing::RunCommand;
using ::micon::testing::ScratchDir;

TEST(EvaluateMpi, RanksWriteWhatOneProcessWrites) {
  // The JUMP MOA plate (376 wells): with 64-row tiles, 21 tiles to share.
  const std::string evaluate = absl::StrCat(
      testing::MiconBinary(), " --threads 1 evaluate --profiles cp=",
      testing::SharedData("profiles_cpg0002_BR00117060a10x/"
                          "BR00117060a10x_normalized_feature_select_negcon_"
                          "plate.csv.gz"),
      " --compound-column Metadata_broad_sample --controls "
      "Metadata_pert_type=control --consistency Metadata_moa --null-size "
      "500 -o ");
  const std::string one = ScratchDir() + "/one";
  testing::CommandResult r = RunCommand(evaluate + one);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const std::string metrics = testing::FileBytes(one + "/evaluation.csv");
  const std::string per_compound =
      testing::FileBytes(one + "/per_compound_cp.csv");
  // 90 compounds' medians: 3 tiles of 64 rows, so at np 4 a rank has none.
  const std::string consistency =
      testing::FileBytes(one + "/consistency_cp.csv");
  ASSERT_NE(consistency.find("HDAC inhibitor"), std::string::npos);
  ASSERT_NE(metrics.find("percent_replicating"), std::string::npos);
  for (const int np : {1, 2, 4}) {
    const std::string out = absl::StrCat(ScratchDir(), "/np", np);
    r = RunCommand(absl::StrCat(MICON_MPIRUN, " ", MICON_MPIRUN_FLAGS, " -np ",
                                np, " ", evaluate, out, " --tile-rows 64"));
    ASSERT_EQ(r.exit_code, 0) << r.output;
    EXPECT_NE(r.output.find(absl::StrCat("over ", np, " rank(s)")),
              std::string::npos)
        << r.output;
    EXPECT_EQ(testing::FileBytes(out + "/evaluation.csv"), metrics)
        << "np " << np;
    EXPECT_EQ(testing::FileBytes(out + "/per_compound_cp.csv"), per_compound)
        << "np " << np;
    EXPECT_EQ(testing::FileBytes(out + "/consistency_cp.csv"), consistency)
        << "np " << np;
  }
}

}  // namespace
}  // namespace micon
