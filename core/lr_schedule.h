// lr_schedule.h: the learning rate at every step, and the state that makes it
// resumable.
//
//   LrSchedule schedule(options);             // warmup + cosine by default
//   double lr = schedule.LearningRate(step);  // before the optimiser step
//   schedule.ObserveLoss(step, loss);         // plateau: after the step
//
// Kinds:
//  - cosine:   linear warmup from 0 over `warmup_steps`, then cosine decay from
//              `lr` to `min_lr` at `total_steps`.
//  - plateau:  the reference's ReduceLROnPlateau (PyTorch semantics: mode min,
//              relative threshold, patience, cooldown, min_lr), after the same
//              warmup. It watches the mean training loss over windows of
//              `plateau_window` steps; every window is one "epoch" of PyTorch's
//              scheduler.
//  - constant: `lr` after the warmup.
// Every rank computes the same loss (the global one), so every rank's schedule
// takes the same decisions without communication. The state is a few numbers;
// a checkpoint stores it and Restore() continues bit for bit.
#ifndef MICON_CORE_LR_SCHEDULE_H_
#define MICON_CORE_LR_SCHEDULE_H_

#include <cstdint>

#include "core/enum_names.h"

namespace micon {

enum class ScheduleKind { kCosine, kPlateau, kConstant };

inline constexpr EnumName<ScheduleKind> kScheduleKindNames[] = {
    {"cosine", ScheduleKind::kCosine},
    {"plateau", ScheduleKind::kPlateau},
    {"constant", ScheduleKind::kConstant}};

struct LrScheduleOptions {
  ScheduleKind kind = ScheduleKind::kCosine;
  double lr = 1e-3;
  double min_lr = 0.0;
  int64_t warmup_steps = 0;
  int64_t total_steps = 1;
  // plateau only
  double plateau_factor = 0.1;
  int64_t plateau_patience = 10;    // windows without improvement
  double plateau_threshold = 1e-4;  // relative improvement that counts
  int64_t plateau_cooldown = 0;     // windows to wait after a reduction
  int64_t plateau_window = 50;      // steps averaged into one observation
};

// Everything that changes while training (plateau only; cosine is stateless).
struct LrScheduleState {
  double plateau_lr = 0;  // current plateau learning rate (0 = not started)
  double best = 0;
  bool has_best = false;
  int64_t bad_windows = 0;
  int64_t cooldown_left = 0;
  double window_sum = 0;
  int64_t window_count = 0;
  int64_t reductions = 0;
};

class LrSchedule {
 public:
  explicit LrSchedule(const LrScheduleOptions& options);

  // The learning rate for optimiser step `step` (0-based).
  double LearningRate(int64_t step) const;
  // Feeds the global loss of step `step` (plateau); ignored by other kinds and
  // during warmup.
  void ObserveLoss(int64_t step, double loss);

  const LrScheduleState& state() const { return state_; }
  void Restore(const LrScheduleState& state) { state_ = state; }
  const LrScheduleOptions& options() const { return options_; }

 private:
  void EndWindow(double mean_loss);

  LrScheduleOptions options_;
  LrScheduleState state_;
};

}  // namespace micon

#endif  // MICON_CORE_LR_SCHEDULE_H_
