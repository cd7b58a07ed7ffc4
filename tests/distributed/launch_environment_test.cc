// Launcher detection: mpirun, srun job steps, PMIx, or nothing; and the check
// that MPI sees the same world.
#include "distributed/launch_environment.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>

#include "tests/test_support.h"

namespace micon {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;

GetEnv Env(std::map<std::string, std::string> vars) {
  auto shared = std::make_shared<std::map<std::string, std::string>>(vars);
  return [shared](const char* name) -> const char* {
    auto it = shared->find(name);
    return it == shared->end() ? nullptr : it->second.c_str();
  };
}

TEST(LaunchEnvironment, OpenMpiWinsInsideAnAllocation) {
  MICON_ASSERT_OK_AND_ASSIGN(
      LaunchEnvironment e,
      DetectLaunchEnvironment(Env({{"OMPI_COMM_WORLD_RANK", "3"},
                                   {"OMPI_COMM_WORLD_SIZE", "4"},
                                   {"OMPI_COMM_WORLD_LOCAL_RANK", "1"},
                                   {"OMPI_COMM_WORLD_NODE_RANK", "1"},
                                   {"SLURM_PROCID", "0"},
                                   {"SLURM_STEP_ID", "0"}})));
  EXPECT_EQ(e.launcher, "mpirun");
  EXPECT_EQ(e.rank, 3);
  EXPECT_EQ(e.world_size, 4);
  EXPECT_EQ(e.local_rank, 1);
  EXPECT_EQ(e.node, 1);
}

TEST(LaunchEnvironment, SrunStepButNotTheBatchScript) {
  MICON_ASSERT_OK_AND_ASSIGN(
      LaunchEnvironment step,
      DetectLaunchEnvironment(Env({{"SLURM_STEP_ID", "0"},
                                   {"SLURM_PROCID", "5"},
                                   {"SLURM_STEP_NUM_TASKS", "8"},
                                   {"SLURM_LOCALID", "1"},
                                   {"SLURM_NODEID", "2"}})));
  EXPECT_EQ(step.launcher, "srun");
  EXPECT_EQ(step.rank, 5);
  EXPECT_EQ(step.world_size, 8);
  EXPECT_EQ(step.node, 2);
  // The batch script of an allocation: SLURM_PROCID and SLURM_NTASKS but no
  // step, so `micon train` there is world 1.
  MICON_ASSERT_OK_AND_ASSIGN(
      LaunchEnvironment batch,
      DetectLaunchEnvironment(
          Env({{"SLURM_PROCID", "0"}, {"SLURM_NTASKS", "8"}})));
  EXPECT_EQ(batch.launcher, "none");
  EXPECT_EQ(batch.world_size, 1);
}

TEST(LaunchEnvironment, MalformedValuesNameTheVariable) {
  EXPECT_THAT(std::string(DetectLaunchEnvironment(
                              Env({{"OMPI_COMM_WORLD_SIZE", "two"}}))
                              .status()
                              .message()),
              HasSubstr("OMPI_COMM_WORLD_SIZE='two'"));
  EXPECT_THAT(
      std::string(DetectLaunchEnvironment(Env({{"SLURM_STEP_ID", "0"},
                                               {"SLURM_PROCID", "4"},
                                               {"SLURM_STEP_NUM_TASKS", "4"}}))
                      .status()
                      .message()),
      HasSubstr("SLURM_PROCID=4 is outside SLURM_STEP_NUM_TASKS=4"));
}

TEST(LaunchEnvironment, DisagreementWithMpiIsAnErrorWithAHint) {
  MICON_ASSERT_OK_AND_ASSIGN(
      LaunchEnvironment e,
      DetectLaunchEnvironment(Env({{"SLURM_STEP_ID", "0"},
                                   {"SLURM_PROCID", "1"},
                                   {"SLURM_STEP_NUM_TASKS", "2"}})));
  MICON_ASSERT_OK(CheckAgainstMpi(e, 1, 2));
  EXPECT_THAT(
      std::string(CheckAgainstMpi(e, 0, 1).message()),
      AllOf(HasSubstr("srun says rank 1 of 2"),
            HasSubstr("MPI says rank 0 of 1"), HasSubstr("srun --mpi=pmix")));
  MICON_ASSERT_OK(CheckAgainstMpi(LaunchEnvironment{}, 0, 1));
}

}  // namespace
}  // namespace micon
