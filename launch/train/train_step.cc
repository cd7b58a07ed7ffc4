#include "launch/train/train_step.h"

#include <torch/torch.h>

#include <chrono>
#include <cmath>
#include <limits>
#include <string>

#include "absl/strings/str_cat.h"
#include "core/autocast_scope.h"
#include "core/fault_injection.h"
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

// What a non-finite step says: the loss and its parts, or the first
// parameter (in the model's order) whose gradient is not finite.
std::string NonFiniteQuantity(const StepStats& stats,
                              const torch::nn::Module& model) {
  if (!std::isfinite(stats.loss)) {
    std::string parts;
    for (const LossPartValue& p : stats.parts) {
      absl::StrAppend(&parts, parts.empty() ? " (" : ", ", p.name, " ",
                      p.value);
    }
    if (!parts.empty()) parts += ")";
    return absl::StrCat("the loss is ", stats.loss, parts);
  }
  for (const auto& item : model.named_parameters()) {
    const torch::Tensor& g = item.value().grad();
    if (g.defined() && !torch::isfinite(g).all().item<bool>()) {
      return absl::StrCat("the gradient of ", item.key(),
                          " is not finite (gradient norm ", stats.grad_norm,
                          ")");
    }
  }
  return absl::StrCat("the gradient norm is ", stats.grad_norm);
}

// MICON_FAULT's nan-gradient: a term worth 0 whose gradient is NaN in one
// element of the first parameter (0 * sqrt(x - x) at x - x = 0), so backward
// itself produces the NaN and the all-reduce carries it, as a real one would.
torch::Tensor NanGradientTerm(const torch::Tensor& parameter) {
  const torch::Tensor x = parameter.reshape({-1})[0];
  return torch::sqrt(x - x.detach()) * 0.0;
}

}  // namespace

absl::StatusOr<StepStats> RunTrainStep(TrainingSession& s, int64_t step,
                                       StepVotes votes) {
  const auto start = std::chrono::steady_clock::now();
  if (FaultRequested(FaultKind::kLoaderHang, step + 1, s.dist.rank)) {
    HangForFault(absl::StrCat("rank ", s.dist.rank,
                              "'s loader never delivers the batch of step ",
                              step + 1));
  }
  MICON_ASSIGN_OR_RETURN(LoadedBatch loaded, s.inputs.source->Next());
  const StepBatch batch = ToDevice(loaded.batch, s.device);
  for (torch::Tensor& p : s.params) p.mutable_grad() = torch::Tensor();
  LossParts parts;
  {
    AutocastScope autocast(AutocastDtype(s.config.train.precision), s.device);
    parts = ComputeStepLoss(*s.model, batch, s.config.loss, *s.gather);
  }
  if (FaultRequested(FaultKind::kNanLoss, step + 1, s.dist.rank)) {
    parts.total = parts.total * std::numeric_limits<double>::quiet_NaN();
  }
  if (FaultRequested(FaultKind::kHang, step + 1, s.dist.rank)) {
    HangForFault(absl::StrCat("rank ", s.dist.rank, " stops at step ", step + 1,
                              " before backward (its gradient all-reduce)"));
  }
  torch::Tensor objective =
      parts.total * static_cast<double>(s.dist.world_size);
  if (FaultRequested(FaultKind::kNanGradient, step + 1, s.dist.rank)) {
    objective = objective + NanGradientTerm(s.params.front());
  }
  objective.backward();
  MICON_RETURN_IF_ERROR(s.reducer->Synchronize());

  votes.samples = loaded.samples;
  votes.images = loaded.images;
  MICON_ASSIGN_OR_RETURN(StepStats stats,
                         AgreeOnStep(*s.dist.comm, parts, votes));
  stats.lr = s.schedule->LearningRate(step);
  // The gradients are all-reduced, so every rank sees the same norm and
  // takes the same branch.
  stats.grad_norm = std::isfinite(stats.loss)
                        ? torch::nn::utils::clip_grad_norm_(
                              s.params, GradientClipFor(s.config))
                        : std::numeric_limits<double>::quiet_NaN();
  if (!std::isfinite(stats.grad_norm)) {
    const std::string what = NonFiniteQuantity(stats, *s.model);
    if (s.config.train.nonfinite == NonFinitePolicy::kStop) {
      return absl::InternalError(absl::StrCat(
          "step ", step + 1, ": ", what,
          "; stopped before the optimiser step, nothing written (the last "
          "checkpoint is intact). Lower optimizer.lr, check the data, or set "
          "train.nonfinite: skip"));
    }
    stats.skipped = what;
  } else {
    for (auto& group : s.optimizer->param_groups()) {
      static_cast<torch::optim::AdamWOptions&>(group.options()).lr(stats.lr);
    }
    s.optimizer->step();
    s.schedule->ObserveLoss(step, stats.loss);
  }
  stats.wait_seconds = loaded.wait_seconds;
  stats.seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
          .count();
  return stats;
}

}  // namespace micon
