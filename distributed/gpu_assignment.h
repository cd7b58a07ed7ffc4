// gpu_assignment.h: the check that the NCCL ranks of a node each drive a GPU
// of their own, before NCCL is started.
//
//   MICON_RETURN_IF_ERROR(CheckOneGpuPerRank(
//       {{0, "0000:1b:00"}, {1, "0000:1c:00"}}, /*sharing_allowed=*/false));
//
// Why here: a job with more tasks per node than GPUs (`--ntasks-per-node=8`
// on a 4-GPU node) binds two ranks to one GPU (local rank modulo the visible
// GPUs), and NCCL refuses two ranks of one communicator on one GPU with
// ncclInvalidUsage, whose reason ("Duplicate GPU detected") it prints only
// under NCCL_DEBUG=WARN. GPUs are told apart by PCI address, not device
// index: with `--gpus-per-task=1` every rank sees its own GPU as device 0.
#ifndef MICON_DISTRIBUTED_GPU_ASSIGNMENT_H_
#define MICON_DISTRIBUTED_GPU_ASSIGNMENT_H_

#include <string>
#include <vector>

#include "absl/status/status.h"

namespace micon {

struct RankGpu {
  int rank = 0;     // in the world
  std::string gpu;  // PCI address of the GPU it drives; empty: none visible
};

// OK when every rank of `node` (the ranks of one host) drives a GPU and no
// two the same one; else an error naming the ranks, the GPU and the fix.
// `sharing_allowed` (NCCL_HOSTID set: ranks on purpose presented to NCCL as
// different hosts, as the GPU check does) lifts the second condition.
absl::Status CheckOneGpuPerRank(const std::vector<RankGpu>& node,
                                bool sharing_allowed);

}  // namespace micon

#endif  // MICON_DISTRIBUTED_GPU_ASSIGNMENT_H_
