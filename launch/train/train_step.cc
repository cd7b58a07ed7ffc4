#include "launch/train/train_step.h"

#include <torch/torch.h>

#include <chrono>
#include <cmath>

#include "absl/strings/str_cat.h"
#include "core/autocast_scope.h"
#include "core/micon_step_loss.h"
#include "core/raw_views.h"
#include "core/status_macros.h"
#include "launch/train/component_options.h"

namespace micon {
namespace {

// The batch on the rank's device, raw views expanded there
// (data.augment_on).
StepBatch ToDevice(const StepBatch& b, const c10::Device& device) {
  auto move = [&](const torch::Tensor& t) {
    return t.defined() ? t.to(device, /*non_blocking=*/true) : t;
  };
  StepBatch out = b;
  for (torch::Tensor* t :
       {&out.samples, &out.controls, &out.compound, &out.molecule,
        &out.sample_view_params, &out.control_view_params}) {
    *t = move(*t);
  }
  return ExpandRawBatch(out);
}

absl::Status NonFiniteLoss(int64_t step, const StepStats& stats) {
  std::string parts;
  for (const LossPartValue& p : stats.parts) {
    absl::StrAppend(&parts, parts.empty() ? " (" : ", ", p.name, " ", p.value);
  }
  if (!parts.empty()) parts += ")";
  return absl::InternalError(absl::StrCat(
      "step ", step + 1, ": the loss is ", stats.loss, parts,
      "; no checkpoint written. Lower optimizer.lr or check the data"));
}

}  // namespace

absl::StatusOr<StepStats> RunTrainStep(TrainingSession& s, int64_t step,
                                       StepVotes votes) {
  const auto start = std::chrono::steady_clock::now();
  MICON_ASSIGN_OR_RETURN(LoadedBatch loaded, s.inputs.source->Next());
  const StepBatch batch = ToDevice(loaded.batch, s.device);
  for (torch::Tensor& p : s.params) p.mutable_grad() = torch::Tensor();
  LossParts parts;
  {
    AutocastScope autocast(AutocastDtype(s.config.train.precision), s.device);
    parts = ComputeStepLoss(*s.model, batch, s.config.loss, *s.gather);
  }
  (parts.total * static_cast<double>(s.dist.world_size)).backward();
  MICON_RETURN_IF_ERROR(s.reducer->Synchronize());

  votes.samples = loaded.images;
  MICON_ASSIGN_OR_RETURN(StepStats stats,
                         AgreeOnStep(*s.dist.comm, parts, votes));
  if (!std::isfinite(stats.loss)) return NonFiniteLoss(step, stats);
  stats.grad_norm =
      torch::nn::utils::clip_grad_norm_(s.params, GradientClipFor(s.config));
  stats.lr = s.schedule->LearningRate(step);
  for (auto& group : s.optimizer->param_groups()) {
    static_cast<torch::optim::AdamWOptions&>(group.options()).lr(stats.lr);
  }
  s.optimizer->step();
  s.schedule->ObserveLoss(step, stats.loss);
  stats.wait_seconds = loaded.wait_seconds;
  stats.seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
          .count();
  return stats;
}

}  // namespace micon
