#include "distributed/parameter_sync.h"

#include <torch/torch.h>

#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "core/stable_hash.h"

namespace micon {
namespace {

std::vector<at::Tensor> StateTensors(const torch::nn::Module& module) {
  std::vector<at::Tensor> out;
  for (const auto& p : module.named_parameters()) out.push_back(p.value());
  for (const auto& b : module.named_buffers()) out.push_back(b.value());
  return out;
}

}  // namespace

absl::Status BroadcastModule(Communicator& comm, torch::nn::Module& module,
                             int root) {
  torch::NoGradGuard no_grad;
  for (at::Tensor& t : StateTensors(module)) {
    at::Tensor buffer = t.contiguous();
    absl::Status s = comm.Broadcast(buffer, {root})->Wait();
    if (!s.ok()) return s;
    if (!buffer.is_same(t)) t.copy_(buffer);
  }
  return absl::OkStatus();
}

uint64_t ModuleChecksum(const torch::nn::Module& module) {
  uint64_t hash = kStableHashSeed;
  for (const at::Tensor& t : StateTensors(module)) {
    const at::Tensor c = t.detach().contiguous().cpu();
    hash = StableHash(c.data_ptr(), c.nbytes(), hash);
  }
  return hash;
}

absl::Status VerifyModuleIdentical(Communicator& comm,
                                   const torch::nn::Module& module) {
  const at::Tensor local =
      at::full({1}, static_cast<int64_t>(ModuleChecksum(module)), at::kLong);
  at::Tensor all = at::empty({comm.world_size()}, at::kLong);
  absl::Status s = comm.AllGather(local, all, {})->Wait();
  if (!s.ok()) return s;
  std::vector<int> differ;
  for (int r = 1; r < comm.world_size(); ++r) {
    if (all[r].item<int64_t>() != all[0].item<int64_t>()) differ.push_back(r);
  }
  if (differ.empty()) return absl::OkStatus();
  return absl::DataLossError(
      absl::StrCat("parameters differ from rank 0's on rank(s) ",
                   absl::StrJoin(differ, ", "),
                   " (checksums of every parameter and buffer)"));
}

}  // namespace micon
