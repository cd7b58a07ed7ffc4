// The real NCCL runtime as this machine builds it: compiled and linked against
// NCCL and the CUDA runtime alone (no LibTorch CUDA library). The library
// loaded is the one the header describes, and without a usable GPU both
// creating the runtime and asking Bootstrap for NCCL are refused with the
// CUDA error.
#include "distributed/nccl/cuda_nccl_runtime.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "distributed/bootstrap.h"
#include "distributed/nccl/cuda_handles.h"

namespace micon {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;

TEST(CudaNcclRuntime, TheLibraryIsTheOneTheHeaderDescribes) {
  EXPECT_EQ(NcclLibraryVersion(), NcclHeaderVersion());
  EXPECT_GT(NcclHeaderVersion(), 21000);  // ncclAvg, non-blocking init
}

TEST(CudaNcclRuntime, WithoutAGpuCreationNamesTheCudaError) {
  const absl::StatusOr<std::unique_ptr<NcclRuntime>> runtime =
      CreateCudaNcclRuntime(0, nullptr);
  if (runtime.ok()) GTEST_SKIP() << "a GPU is visible: no refusal to see";
  EXPECT_EQ(runtime.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(runtime.status().message()),
              AllOf(HasSubstr("the NCCL backend needs a GPU"),
                    HasSubstr("cudaGetDeviceCount: cudaError")));
}

// The owners of CUDA handles: empty ones free nothing, moves leave the source
// empty, and without a GPU creating a stream or an event returns the CUDA
// runtime's error, naming the call.
TEST(CudaHandles, EmptyOwnersAndRefusalsWithoutAGpu) {
  CudaStream stream;
  CudaEvent event;
  EXPECT_EQ(stream.get(), nullptr);
  EXPECT_FALSE(event);
  CudaEvent moved = std::move(event);
  EXPECT_FALSE(moved);
  if (CreateCudaNcclRuntime(0, nullptr).ok()) {
    GTEST_SKIP() << "a GPU is visible: no refusal to see";
  }
  const absl::StatusOr<CudaStream> created = CreateNonBlockingStream();
  ASSERT_FALSE(created.ok());
  EXPECT_THAT(std::string(created.status().message()),
              HasSubstr("cudaStreamCreateWithFlags: cudaError"));
  const absl::StatusOr<CudaEvent> recorded = CreateEventWithoutTiming();
  ASSERT_FALSE(recorded.ok());
  EXPECT_THAT(std::string(recorded.status().message()),
              HasSubstr("cudaEventCreateWithFlags: cudaError"));
}

TEST(Bootstrap, NcclWithoutAGpuIsRefusedNamingTheCudaError) {
  if (CreateCudaNcclRuntime(0, nullptr).ok()) {
    GTEST_SKIP() << "a GPU is visible: no refusal to see";
  }
  const absl::StatusOr<std::unique_ptr<DistributedContext>> ctx =
      Bootstrap(nullptr, nullptr, {Backend::kNccl});
  ASSERT_FALSE(ctx.ok());
  EXPECT_THAT(std::string(ctx.status().message()),
              AllOf(HasSubstr("rank 0: the NCCL backend needs a GPU"),
                    HasSubstr("cudaGetDeviceCount: cudaError")));
}

}  // namespace
}  // namespace micon
