#include "launch/train/step_stats.h"

#include <torch/torch.h>

namespace micon {

absl::StatusOr<StepStats> AgreeOnStep(Communicator& comm,
                                      const LossParts& parts,
                                      const StepVotes& votes) {
  // Which parts are defined depends on the configuration alone, so the layout
  // is the same on every rank: [total, defined parts..., samples, images,
  // stop, ckpt].
  const std::pair<const char*, const torch::Tensor*> named[] = {
      {"paclr", &parts.paclr},
      {"counterfactual", &parts.counterfactual},
      {"counterfactual_h", &parts.counterfactual_h},
      {"simclr", &parts.simclr},
      {"clip", &parts.clip},
      {"cellclip", &parts.cellclip}};
  std::vector<double> values = {
      parts.total.detach().to(torch::kCPU).item<double>()};
  StepStats stats;
  for (const auto& [name, tensor] : named) {
    if (!tensor->defined()) continue;
    stats.parts.push_back({name, 0.0});
    values.push_back(tensor->detach().to(torch::kCPU).item<double>());
  }
  values.push_back(static_cast<double>(votes.samples));
  values.push_back(static_cast<double>(votes.images));
  values.push_back(votes.stop ? 1 : 0);
  values.push_back(votes.checkpoint_time ? 1 : 0);
  torch::Tensor global =
      torch::tensor(values, torch::TensorOptions().dtype(torch::kDouble));
  if (absl::Status s = comm.AllReduce(global, {})->Wait(); !s.ok()) return s;
  const double* g = global.data_ptr<double>();
  stats.loss = g[0];
  for (size_t k = 0; k < stats.parts.size(); ++k) {
    stats.parts[k].value = g[1 + k];
  }
  const size_t tail = 1 + stats.parts.size();
  stats.samples = g[tail];
  stats.images = g[tail + 1];
  stats.stop = g[tail + 2] > 0;
  stats.checkpoint_time = g[tail + 3] > 0;
  return stats;
}

}  // namespace micon
