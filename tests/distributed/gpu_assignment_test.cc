// CheckOneGpuPerRank (distributed/gpu_assignment.h): the NCCL ranks of a node
// each need a GPU of their own; a job that starts more ranks per node than
// GPUs is refused before NCCL, naming the ranks, the GPU and the fix.
#include "distributed/gpu_assignment.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace micon {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;

TEST(GpuAssignment, OneGpuPerRankPasses) {
  // Each rank sees only its own GPU (--gpus-per-task=1): every rank's device
  // index is 0, but the PCI addresses differ.
  EXPECT_TRUE(CheckOneGpuPerRank({{4, "0000:1b:00"},
                                  {5, "0000:1c:00"},
                                  {6, "0000:3d:00"},
                                  {7, "0000:3e:00"}},
                                 /*sharing_allowed=*/false)
                  .ok());
  EXPECT_TRUE(CheckOneGpuPerRank({{0, "0000:1b:00"}}, false).ok());
}

TEST(GpuAssignment, MoreRanksThanGpusNamesTheSharingRanksAndTheFix) {
  // --ntasks-per-node=4 on a 2-GPU node: local ranks 0 and 2 bind GPU 0.
  const absl::Status s = CheckOneGpuPerRank({{8, "0000:1b:00"},
                                             {9, "0000:1c:00"},
                                             {10, "0000:1b:00"},
                                             {11, "0000:1c:00"}},
                                            false);
  EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(
      s.message(),
      AllOf(HasSubstr("ranks 8 and 10 would both drive the GPU at "
                      "0000:1b:00"),
            HasSubstr("this node runs 4 ranks on 2 GPU(s)"),
            HasSubstr("--ntasks-per-node=2"), HasSubstr("--backend mpi")));
}

TEST(GpuAssignment, SharingOnPurposeIsAllowed) {
  // NCCL_HOSTID set: ranks presented to NCCL as different hosts (the GPU
  // check's two ranks on one GPU).
  EXPECT_TRUE(
      CheckOneGpuPerRank({{0, "0000:1b:00"}, {1, "0000:1b:00"}}, true).ok());
}

TEST(GpuAssignment, ARankWithoutAGpuIsNamed) {
  const absl::Status s =
      CheckOneGpuPerRank({{0, "0000:1b:00"}, {1, ""}}, /*sharing=*/true);
  EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(s.message(),
              AllOf(HasSubstr("rank 1 sees no GPU, while 1 other rank(s)"),
                    HasSubstr("CUDA_VISIBLE_DEVICES")));
}

}  // namespace
}  // namespace micon
