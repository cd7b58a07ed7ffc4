// The N-rank invariant on the thread backend: every loss, N in {2, 4}, uneven
// local batches.
#include <gtest/gtest.h>

#include "absl/strings/str_cat.h"
#include "tests/distributed/invariant.h"
#include "tests/distributed/thread_ranks.h"

namespace micon {
namespace {

using ::micon::testing::InvariantCase;

class InvariantOnThreads
    : public ::testing::TestWithParam<std::tuple<InvariantCase, int>> {};

TEST_P(InvariantOnThreads, NRanksEqualOneProcessOnTheConcatenatedBatch) {
  const auto [c, world] = GetParam();
  testing::RunOnThreadRanks(world, [&c = c](Communicator& comm) {
    testing::CheckStepInvariant(comm, c);
  });
}

INSTANTIATE_TEST_SUITE_P(
    Losses, InvariantOnThreads,
    ::testing::Combine(
        ::testing::Values(InvariantCase{Objective::kMicon, false},
                          InvariantCase{Objective::kPaclr, false},
                          InvariantCase{Objective::kSimclr, false},
                          InvariantCase{Objective::kClip, false},
                          InvariantCase{Objective::kMicon, true},
                          InvariantCase{Objective::kMicon, true, true},
                          InvariantCase{Objective::kClip, true},
                          InvariantCase{Objective::kMicon, false, true},
                          InvariantCase{Objective::kMicon, false, true, true},
                          InvariantCase{Objective::kCellclip, false},
                          InvariantCase{Objective::kCellclip, false, true},
                          InvariantCase{Objective::kCellclip, false, false,
                                        false, CellclipTargets::kCwcl},
                          InvariantCase{Objective::kCellclip, false, true,
                                        false, CellclipTargets::kCwcl},
                          InvariantCase{Objective::kMicon, false, true, true,
                                        CellclipTargets::kHard,
                                        /*detach_treated=*/false}),
        ::testing::Values(2, 4)),
    [](const auto& info) {
      return absl::StrCat(testing::CaseName(std::get<0>(info.param)), "_np",
                          std::get<1>(info.param));
    });

}  // namespace
}  // namespace micon
