#include "distributed/gpu_assignment.h"

#include <map>
#include <set>

#include "absl/strings/str_cat.h"

namespace micon {

absl::Status CheckOneGpuPerRank(const std::vector<RankGpu>& node,
                                bool sharing_allowed) {
  std::map<std::string, int> first_rank_of_gpu;
  std::set<std::string> gpus;
  for (const RankGpu& r : node) {
    if (!r.gpu.empty()) gpus.insert(r.gpu);
  }
  for (const RankGpu& r : node) {
    if (r.gpu.empty()) {
      return absl::FailedPreconditionError(absl::StrCat(
          "rank ", r.rank, " sees no GPU, while ", gpus.size(),
          " other rank(s) of its node do: NCCL needs a GPU on every rank "
          "(check CUDA_VISIBLE_DEVICES and the job's GPU request, or train "
          "on the CPU with --backend mpi)"));
    }
    const auto [it, fresh] = first_rank_of_gpu.emplace(r.gpu, r.rank);
    if (fresh || sharing_allowed) continue;
    return absl::FailedPreconditionError(absl::StrCat(
        "ranks ", it->second, " and ", r.rank, " would both drive the GPU at ",
        r.gpu, ": this node runs ", node.size(), " ranks on ", gpus.size(),
        " GPU(s), and NCCL refuses two ranks of one communicator on one GPU. "
        "Start as many ranks per node as it has GPUs "
        "(--ntasks-per-node=",
        gpus.size(),
        ", or --gpus-per-task=1), or train on the CPU with --backend mpi"));
  }
  return absl::OkStatus();
}

}  // namespace micon
