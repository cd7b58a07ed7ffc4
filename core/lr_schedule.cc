#include "core/lr_schedule.h"

#include <algorithm>
#include <cmath>

namespace micon {

LrSchedule::LrSchedule(const LrScheduleOptions& options) : options_(options) {}

double LrSchedule::LearningRate(int64_t step) const {
  const LrScheduleOptions& o = options_;
  if (step < o.warmup_steps) {
    // Step 0 gets lr/warmup rather than 0, so no step is wasted.
    return o.lr * static_cast<double>(step + 1) /
           static_cast<double>(o.warmup_steps);
  }
  switch (o.kind) {
    case ScheduleKind::kConstant:
      return o.lr;
    case ScheduleKind::kPlateau:
      return state_.plateau_lr > 0 ? state_.plateau_lr : o.lr;
    case ScheduleKind::kCosine: {
      const int64_t span = std::max<int64_t>(1, o.total_steps - o.warmup_steps);
      const double progress =
          std::min(1.0, static_cast<double>(step - o.warmup_steps) /
                            static_cast<double>(span));
      return o.min_lr +
             0.5 * (o.lr - o.min_lr) * (1.0 + std::cos(M_PI * progress));
    }
  }
  return o.lr;
}

void LrSchedule::ObserveLoss(int64_t step, double loss) {
  if (options_.kind != ScheduleKind::kPlateau || step < options_.warmup_steps) {
    return;
  }
  state_.window_sum += loss;
  if (++state_.window_count < options_.plateau_window) return;
  const double mean =
      state_.window_sum / static_cast<double>(state_.window_count);
  state_.window_sum = 0;
  state_.window_count = 0;
  EndWindow(mean);
}

// PyTorch's ReduceLROnPlateau.step(metrics) with mode='min',
// threshold_mode='rel'.
void LrSchedule::EndWindow(double mean_loss) {
  LrScheduleState& s = state_;
  if (s.plateau_lr <= 0) s.plateau_lr = options_.lr;
  if (!s.has_best || mean_loss < s.best * (1.0 - options_.plateau_threshold)) {
    s.best = mean_loss;
    s.has_best = true;
    s.bad_windows = 0;
  } else {
    ++s.bad_windows;
  }
  if (s.cooldown_left > 0) {
    --s.cooldown_left;
    s.bad_windows = 0;
  }
  if (s.bad_windows > options_.plateau_patience) {
    const double reduced =
        std::max(s.plateau_lr * options_.plateau_factor, options_.min_lr);
    // PyTorch ignores reductions smaller than eps = 1e-8.
    if (s.plateau_lr - reduced > 1e-8) {
      s.plateau_lr = reduced;
      ++s.reductions;
    }
    s.cooldown_left = options_.plateau_cooldown;
    s.bad_windows = 0;
  }
}

}  // namespace micon
