// The memory an evaluation may take: the least of the machine's and its
// memory cgroups' free memory (v1 and v2, as Slurm's --mem sets them), split
// among the node's ranks, and the refusal that names where the budget came
// from. Each test plants a proc/ and sys/ tree in a scratch folder.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "launch/profiles/available_memory.h"
#include "launch/profiles/evaluation_budget.h"
#include "tests/test_support.h"

namespace micon {
namespace {

namespace fs = std::filesystem;
using ::testing::AllOf;
using ::testing::HasSubstr;

void Plant(const std::string& root, const std::string& path,
           const std::string& text) {
  const fs::path file = fs::path(root + path);
  fs::create_directories(file.parent_path());
  std::ofstream(file) << text;
}

constexpr char kV2Mount[] =
    "24 1 0:22 / /proc rw - proc proc rw\n"
    "30 22 0:27 / /sys/fs/cgroup rw,nosuid - cgroup2 cgroup2 "
    "rw,nsdelegate\n";
constexpr char kV1Mount[] =
    "30 22 0:27 / /sys/fs/cgroup rw - tmpfs tmpfs rw,mode=755\n"
    "31 30 0:28 / /sys/fs/cgroup/cpu,cpuacct rw - cgroup cgroup rw,cpu,"
    "cpuacct\n"
    "34 30 0:31 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup "
    "rw,memory\n";

// A cgroup v2 hierarchy at /sys/fs/cgroup with this process in `own`.
void PlantV2Process(const std::string& root, const std::string& own) {
  Plant(root, "/proc/self/mountinfo", kV2Mount);
  Plant(root, "/proc/self/cgroup", "0::" + own + "\n");
}

// A v2 cgroup's limit ("max": none) and usage.
void PlantV2Limit(const std::string& root, const std::string& cgroup,
                  const std::string& max, const std::string& current) {
  Plant(root, cgroup + "/memory.max", max + "\n");
  Plant(root, cgroup + "/memory.current", current + "\n");
}

// 64 GB free on the machine.
std::string MachineWith64Gb() {
  const std::string root = testing::ScratchDir();
  Plant(root, "/proc/meminfo",
        "MemTotal:       131072000 kB\n"
        "MemFree:        50000000 kB\n"
        "MemAvailable:   62500000 kB\n");
  return root;
}

TEST(AvailableMemory, WithoutCgroupLimitsItIsTheMachinesMemAvailable) {
  const std::string root = MachineWith64Gb();
  std::optional<AvailableMemory> m = ReadAvailableMemory(root);
  ASSERT_TRUE(m.has_value());
  EXPECT_EQ(m->bytes, int64_t{62500000} * 1024);
  EXPECT_THAT(m->source, HasSubstr("MemAvailable"));

  // A v2 hierarchy whose cgroups set no limit ("max") changes nothing.
  PlantV2Process(root, "/user.slice/session-1.scope");
  PlantV2Limit(root, "/sys/fs/cgroup/user.slice", "max", "1000");
  m = ReadAvailableMemory(root);
  ASSERT_TRUE(m.has_value());
  EXPECT_EQ(m->bytes, int64_t{62500000} * 1024);
}

TEST(AvailableMemory, ASlurmJobsV2LimitLessItsWorkingSetWins) {
  const std::string root = MachineWith64Gb();
  PlantV2Process(root,
                 "/system.slice/slurmstepd.scope/job_42/step_0/user/task_0");
  const std::string job = "/sys/fs/cgroup/system.slice/slurmstepd.scope/job_42";
  PlantV2Limit(root, job, "32000000000", "5000000000");
  // The page cache of files the job read: the kernel reclaims it before it
  // kills, so it is not counted as used.
  Plant(root, job + "/memory.stat",
        "anon 3000000000\nfile 2000000000\nactive_file 500000000\n"
        "inactive_file 1500000000\n");
  PlantV2Limit(root, job + "/step_0", "max", "4000000000");

  const std::optional<AvailableMemory> m = ReadAvailableMemory(root);
  ASSERT_TRUE(m.has_value());
  EXPECT_EQ(m->bytes, int64_t{32000000000} - 3500000000);
  EXPECT_EQ(m->source,
            "memory cgroup " + job + ": limit 32.00 GB, 3.50 GB in use");
}

TEST(AvailableMemory, ATighterParentCgroupWinsOverItsChild) {
  const std::string root = MachineWith64Gb();
  PlantV2Process(root, "/jobs/a/b");
  PlantV2Limit(root, "/sys/fs/cgroup/jobs", "10000000000", "9000000000");
  PlantV2Limit(root, "/sys/fs/cgroup/jobs/a/b", "8000000000", "1000000000");

  const std::optional<AvailableMemory> m = ReadAvailableMemory(root);
  ASSERT_TRUE(m.has_value());
  EXPECT_EQ(m->bytes, 1000000000);
  EXPECT_THAT(m->source, HasSubstr("/sys/fs/cgroup/jobs:"));
}

TEST(AvailableMemory, CgroupV1MemoryControllerIsRead) {
  const std::string root = MachineWith64Gb();
  Plant(root, "/proc/self/mountinfo", kV1Mount);
  Plant(root, "/proc/self/cgroup",
        "5:cpu,cpuacct:/slurm/uid_0/job_5\n"
        "4:memory:/slurm/uid_0/job_5/step_batch\n"
        "0::/\n");
  const std::string memory = "/sys/fs/cgroup/memory";
  // The hierarchy's root and the uid level: v1's "no limit".
  Plant(root, memory + "/memory.limit_in_bytes", "9223372036854771712\n");
  Plant(root, memory + "/memory.usage_in_bytes", "70000000000\n");
  Plant(root, memory + "/slurm/uid_0/memory.limit_in_bytes",
        "9223372036854771712\n");
  Plant(root, memory + "/slurm/uid_0/memory.usage_in_bytes", "7000000000\n");
  Plant(root, memory + "/slurm/uid_0/job_5/memory.limit_in_bytes",
        "8000000000\n");
  Plant(root, memory + "/slurm/uid_0/job_5/memory.usage_in_bytes",
        "6000000000\n");
  Plant(root, memory + "/slurm/uid_0/job_5/memory.stat",
        "cache 2500000000\ninactive_file 100\ntotal_inactive_file "
        "2000000000\n");

  const std::optional<AvailableMemory> m = ReadAvailableMemory(root);
  ASSERT_TRUE(m.has_value());
  EXPECT_EQ(m->bytes, 4000000000);
  EXPECT_THAT(m->source, HasSubstr(memory + "/slurm/uid_0/job_5: limit 8.00 "
                                            "GB, 4.00 GB in use"));
}

// In a container the mount's root is the container's own cgroup, which
// /proc/self/cgroup names by its path on the host.
TEST(AvailableMemory, AContainersOwnCgroupIsTheMountsRoot) {
  const std::string root = MachineWith64Gb();
  Plant(root, "/proc/self/mountinfo",
        "30 22 0:27 /docker/abc /sys/fs/cgroup\\040(container) ro - "
        "cgroup2 cgroup2 rw\n");
  Plant(root, "/proc/self/cgroup", "0::/docker/abc\n");
  PlantV2Limit(root, "/sys/fs/cgroup (container)", "2000000000", "500000000");

  const std::optional<AvailableMemory> m = ReadAvailableMemory(root);
  ASSERT_TRUE(m.has_value());
  EXPECT_EQ(m->bytes, 1500000000);
  EXPECT_THAT(m->source, HasSubstr("/sys/fs/cgroup (container):"));
}

TEST(AvailableMemory, ACgroupOverItsLimitLeavesNothingAndNothingReadIsNone) {
  const std::string root = testing::ScratchDir();
  EXPECT_FALSE(ReadAvailableMemory(root).has_value());
  PlantV2Process(root, "/job");
  PlantV2Limit(root, "/sys/fs/cgroup/job", "1000", "5000");
  const std::optional<AvailableMemory> m = ReadAvailableMemory(root);
  ASSERT_TRUE(m.has_value());
  EXPECT_EQ(m->bytes, 0);
}

TEST(EvaluationBudget, DefaultIsEightyPercentSplitAmongTheNodesRanks) {
  const std::string root = MachineWith64Gb();
  PlantV2Process(root, "/job");
  PlantV2Limit(root, "/sys/fs/cgroup/job", "40000000000", "0");

  const MemoryBudget alone = DefaultMemoryBudget(1, root);
  EXPECT_EQ(alone.bytes, 32000000000);
  EXPECT_EQ(alone.source,
            "80% of memory cgroup /sys/fs/cgroup/job: limit 40.00 GB, 0.00 "
            "GB in use");
  const MemoryBudget four = DefaultMemoryBudget(4, root);
  EXPECT_EQ(four.bytes, 8000000000);
  EXPECT_THAT(four.source, HasSubstr(", shared by the 4 ranks on this node"));

  const MemoryBudget unknown = DefaultMemoryBudget(2, root + "/nothing");
  EXPECT_EQ(unknown.bytes, (int64_t{4} << 30) / 2);
  EXPECT_THAT(unknown.source, HasSubstr("no memory limit could be read"));
}

TEST(EvaluationBudget, ARefusalNamesTheBudgetsSource) {
  const absl::StatusOr<int64_t> tile = TileForBudget(
      "profiles.csv", 1000000, int64_t{9} << 30,
      {int64_t{8} << 30, "80% of memory cgroup /sys/fs/cgroup/job_7"},
      TilePrecision::kFloat32);
  ASSERT_FALSE(tile.ok());
  EXPECT_EQ(tile.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_THAT(tile.status().message(),
              AllOf(HasSubstr("profiles.csv: evaluating 1000000 wells"),
                    HasSubstr("(80% of memory cgroup /sys/fs/cgroup/job_7)"),
                    HasSubstr("fewer ranks per node")));
  const absl::StatusOr<int64_t> fits = TileForBudget(
      "profiles.csv", 1000000, int64_t{1} << 30,
      {int64_t{8} << 30, "--memory-gb 8.6"}, TilePrecision::kFloat32);
  ASSERT_TRUE(fits.ok()) << fits.status();
  EXPECT_EQ(*fits, kMaxTile);
}

}  // namespace
}  // namespace micon
