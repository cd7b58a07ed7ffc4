// available_memory.h: how much memory this process may still take, as the
// kernel will enforce it: the machine's MemAvailable, and the limit of every
// memory cgroup the process sits in (cgroup v1 or v2), less what that cgroup
// already uses.
//
//   std::optional<AvailableMemory> m = ReadAvailableMemory();
//   m->bytes   // 31'400'000'000
//   m->source  // "memory cgroup /sys/fs/cgroup/system.slice/slurmstepd.scope/
//              //  job_42: limit 34.36 GB, 2.96 GB in use"
//
// Why the cgroups: a Slurm job with --mem=32G on a 512 GB node runs in a
// cgroup limited to 32 GB, while /proc/meminfo still reports the node's free
// memory; a budget taken from /proc/meminfo alone is 16 times what the job
// may use, and the kernel kills the process halfway instead of micon refusing
// the work at the start.
#ifndef MICON_LAUNCH_PROFILES_AVAILABLE_MEMORY_H_
#define MICON_LAUNCH_PROFILES_AVAILABLE_MEMORY_H_

#include <cstdint>
#include <optional>
#include <string>

namespace micon {

struct AvailableMemory {
  int64_t bytes = 0;
  std::string source;  // which limit gave `bytes`, for messages
};

// The least of MemAvailable (/proc/meminfo) and, for each memory cgroup from
// this process's own up to its hierarchy's root that sets a limit, that
// limit less the cgroup's working set (its usage without the inactive page
// cache, which the kernel reclaims before it kills). nullopt when none of
// these can be read. `root` prefixes every path read ("" reads this machine;
// a test plants proc/ and sys/ in a folder).
std::optional<AvailableMemory> ReadAvailableMemory(
    const std::string& root = "");

// "1.25 GB" (10^9 bytes, as --memory-gb counts).
std::string Gigabytes(int64_t bytes);

}  // namespace micon

#endif  // MICON_LAUNCH_PROFILES_AVAILABLE_MEMORY_H_
