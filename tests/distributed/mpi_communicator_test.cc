// Under mpirun (ctest runs this with -np 1, 2 and 4): the communicator contract
// and the N-rank invariant on the MPI backend.
#include <gtest/gtest.h>

#include "distributed/bootstrap.h"
#include "tests/distributed/communicator_contract.h"
#include "tests/distributed/invariant.h"
#include "tests/distributed/mpi_world.h"

namespace micon {
namespace {

using ::micon::testing::InvariantCase;
using ::micon::testing::MpiWorld;

TEST(MpiCommunicator, Contract) {
  EXPECT_STREQ(MpiWorld().backend(), "mpi");
  testing::CheckCommunicatorContract(MpiWorld());
}

TEST(Bootstrap, FindsTheWorldAndTheNodeLocalRanks) {
  int argc = 0;
  char** argv = nullptr;
  auto ctx = Bootstrap(&argc, &argv, {Backend::kAuto});
  ASSERT_TRUE(ctx.ok()) << ctx.status();
  EXPECT_EQ((*ctx)->backend, "mpi");
  EXPECT_EQ((*ctx)->world_size, MpiWorld().world_size());
  EXPECT_EQ((*ctx)->rank, MpiWorld().rank());
  // mpirun here starts every rank on this one machine.
  EXPECT_EQ((*ctx)->local_size, MpiWorld().world_size());
  EXPECT_EQ((*ctx)->local_rank, MpiWorld().rank());
  EXPECT_EQ((*ctx)->comm->world_size(), MpiWorld().world_size());
  testing::CheckAllReduce(*(*ctx)->comm);
  // Backends are named by kBackendNames, the one table the config and the
  // flags read; a name it does not list is refused there.
  EXPECT_FALSE(ParseEnum(kBackendNames, "gloo").has_value());
  EXPECT_EQ(ParseEnum(kBackendNames, "nccl"), Backend::kNccl);
  // CPU build: a clear refusal
  EXPECT_FALSE(Bootstrap(&argc, &argv, {Backend::kNccl}).ok());
}

class MpiInvariant : public ::testing::TestWithParam<InvariantCase> {};

TEST_P(MpiInvariant, NRanksEqualOneProcessOnTheConcatenatedBatch) {
  testing::CheckStepInvariant(MpiWorld(), GetParam());
}

INSTANTIATE_TEST_SUITE_P(
    Losses, MpiInvariant,
    ::testing::Values(InvariantCase{Objective::kMicon, false},
                      InvariantCase{Objective::kPaclr, false},
                      InvariantCase{Objective::kSimclr, false},
                      InvariantCase{Objective::kClip, false},
                      InvariantCase{Objective::kMicon, true},
                      InvariantCase{Objective::kMicon, true, true},
                      InvariantCase{Objective::kMicon, false, true, true},
                      InvariantCase{Objective::kCellclip, false, true},
                      InvariantCase{Objective::kCellclip, false, true, false,
                                    CellclipTargets::kCwcl},
                      InvariantCase{Objective::kMicon, false, true, true,
                                    CellclipTargets::kHard,
                                    /*detach_treated=*/false}),
    [](const auto& info) { return testing::CaseName(info.param); });

}  // namespace
}  // namespace micon
