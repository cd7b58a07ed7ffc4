// The communicator contract on the thread backend for world sizes 1-8, and how
// it fails.
#include "distributed/thread/thread_communicator.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <torch/torch.h>

#include "tests/distributed/communicator_contract.h"
#include "tests/distributed/thread_ranks.h"

namespace micon {
namespace {

using ::micon::testing::RunOnThreadRanks;
using ::testing::AllOf;
using ::testing::HasSubstr;

class ThreadContract : public ::testing::TestWithParam<int> {};

TEST_P(ThreadContract, AllCollectives) {
  RunOnThreadRanks(GetParam(), [](Communicator& comm) {
    EXPECT_STREQ(comm.backend(), "threads");
    testing::CheckCommunicatorContract(comm);
  });
}

INSTANTIATE_TEST_SUITE_P(WorldSizes, ThreadContract, ::testing::Range(1, 9),
                         [](const auto& info) {
                           return "np" + std::to_string(info.param);
                         });

TEST(ThreadCommunicator, ATimeoutNamesTheOperationAndTheRanksThatNeverArrived) {
  RunOnThreadRanks(
      4, [](Communicator& comm) { testing::CheckStalledRankIsNamed(comm); },
      std::chrono::seconds(30));
}

// World 1 takes a tensor on any device (one GPU trains on this backend);
// across thread ranks only CPU tensors are taken. A CPU-only build has no GPU
// to try: meta tensors are the non-CPU device it can make.
TEST(ThreadCommunicator, DeviceTensorsAtWorldOneOnly) {
  RunOnThreadRanks(1, [](Communicator& comm) {
    at::Tensor t = torch::empty({3}, torch::kMeta);
    EXPECT_TRUE(comm.AllReduce(t, {})->Wait().ok());
    EXPECT_TRUE(comm.Broadcast(t, {})->Wait().ok());
    at::Tensor all = torch::empty({3}, torch::kMeta);
    EXPECT_TRUE(comm.AllGather(t, all, {})->Wait().ok());
  });
  RunOnThreadRanks(2, [](Communicator& comm) {
    at::Tensor t = torch::empty({3}, torch::kMeta);
    const absl::Status s = comm.AllReduce(t, {})->Wait();
    EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << s;
    EXPECT_THAT(std::string(s.message()),
                HasSubstr("across 2 thread ranks needs CPU tensors"));
  });
}

TEST(ThreadCommunicator, MismatchedCollectivesAreReportedNotHung) {
  RunOnThreadRanks(2, [](Communicator& comm) {
    at::Tensor t = torch::ones({2});
    const absl::Status s =
        comm.rank() == 0
            ? comm.AllReduce(t, {ReduceOp::kSum, std::chrono::seconds(5)})
                  ->Wait()
            : comm.Broadcast(t, {0, std::chrono::seconds(5)})->Wait();
    EXPECT_FALSE(s.ok());
    EXPECT_THAT(std::string(s.message()), HasSubstr("mismatch"));
  });
}

TEST(ThreadCommunicator, AbortWakesEveryWaitingRank) {
  RunOnThreadRanks(
      3,
      [](Communicator& comm) {
        if (comm.rank() == 0) {
          comm.Abort("test");
          return;
        }
        const absl::Status s = comm.Barrier({})->Wait();
        EXPECT_EQ(s.code(), absl::StatusCode::kAborted) << s;
      },
      std::chrono::seconds(20), CommunicatorOptions{std::chrono::seconds(20)});
}

}  // namespace
}  // namespace micon
