// micon embed under a real mpirun: two ranks, each embedding its own plates,
// write exactly the profiles one process writes.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "core/torch_threads.h"
#include "tests/launch/train/train_fixture.h"
#include "tests/test_support.h"

namespace micon {
namespace {

using ::micon::testing::RunCommand;
using ::micon::testing::ScratchDir;

TEST(EmbedMpi, TwoRanksWriteWhatOneProcessWrites) {
  const std::string one = ScratchDir() + "/one", two = ScratchDir() + "/two";
  const std::string embed = absl::StrCat(
      testing::MiconBinary(), " --threads 1 embed --handcrafted --dataset ",
      testing::SmallImageDataset(), " -o ");
  testing::CommandResult r = RunCommand(embed + one);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  r = RunCommand(absl::StrCat(MICON_MPIRUN, " ", MICON_MPIRUN_FLAGS, " -np 2 ",
                              embed, two));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const std::string expected = testing::FileBytes(one + "/profiles.csv");
  ASSERT_FALSE(expected.empty());
  EXPECT_EQ(testing::FileBytes(two + "/profiles.csv"), expected);
}

// --per-channel under mpirun: each rank writes its own plates' files, and
// together they hold what one process writes (compared with h5py).
TEST(EmbedMpi, TwoRanksWriteThePerChannelStoreOneProcessWrites) {
  const std::string scratch = ScratchDir();  // emptied on every call
  const std::string run = scratch + "/run";
  testing::CommandResult r =
      RunCommand(testing::TrainCommand(run, testing::SmallImageDataset(), 1));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const std::string one = scratch + "/one", two = scratch + "/two";
  const std::string embed = absl::StrCat(
      testing::MiconBinary(), " --threads 1 embed --per-channel --checkpoint ",
      run, "/checkpoints/step-00000001.ckpt -o ");
  r = RunCommand(embed + one);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  r = RunCommand(absl::StrCat(MICON_MPIRUN, " ", MICON_MPIRUN_FLAGS, " -np 2 ",
                              embed, two));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const testing::CommandResult py = RunCommand(absl::StrCat(
      testing::TestPython(), " -c \"import glob, os, h5py, numpy as np\n",
      "a = sorted(glob.glob('", one, "/plates/*.h5'))\n",
      "b = sorted(glob.glob('", two, "/plates/*.h5'))\n",
      "assert [os.path.basename(p) for p in a] == "
      "[os.path.basename(p) for p in b] and a, (a, b)\n",
      "for x, y in zip(a, b):\n",
      "  x, y = h5py.File(x, 'r'), h5py.File(y, 'r')\n",
      "  assert np.array_equal(x['embeddings'][:], y['embeddings'][:])\n",
      "  assert (x['well'][:] == y['well'][:]).all()\n",
      "print('plates', len(a))\""));
  ASSERT_EQ(py.exit_code, 0) << py.output;
  EXPECT_THAT(py.output, ::testing::HasSubstr("plates "));
}

// Ranks sharing a node share its cores: each rank of `micon embed` runs the
// node's cores divided by the ranks on it (binding off, so each rank sees
// every core), as `micon train` does.
TEST(EmbedMpi, RanksOnANodeDivideItsCores) {
  const std::string out = ScratchDir() + "/out";
  const testing::CommandResult r = RunCommand(absl::StrCat(
      MICON_MPIRUN, " ", MICON_MPIRUN_FLAGS, " --bind-to none -np 2 ",
      testing::MiconBinary(), " embed --handcrafted --dataset ",
      testing::SmallImageDataset(), " -o ", out));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const int expected = std::max(1, AvailableCores() / 2);
  EXPECT_THAT(r.output, ::testing::HasSubstr(absl::StrCat(
                            "on 2 rank(s) x ", expected, " thread(s)")));
}

}  // namespace
}  // namespace micon
