// checkpoint_policy.h: after which steps a run writes a checkpoint.
//
//   CheckpointPolicy policy(config.checkpoint, config.train.steps);
//   bool vote = policy.TimeDue();               // rank 0's vote travels in
//                                               // the step's all-reduce
//   if (policy.Due(completed, stats.stop, stats.checkpoint_time)) {
//     ...save...;  policy.Saved();
//   }
//
// A checkpoint is due after the run's last step, after a step during which
// any rank received a stop signal, every `every_steps` steps, and when
// `every_minutes` have passed since the last one. Clocks differ between
// ranks, so the time is rank 0's: the trainer sends rank 0's TimeDue() with
// the step's statistics (step_stats.h) and every rank decides on the same
// vote, so all of them checkpoint after the same step.
#ifndef MICON_LAUNCH_TRAIN_CHECKPOINT_POLICY_H_
#define MICON_LAUNCH_TRAIN_CHECKPOINT_POLICY_H_

#include <chrono>
#include <cstdint>
#include <functional>

#include "launch/train/train_config.h"

namespace micon {

class CheckpointPolicy {
 public:
  using Clock = std::chrono::steady_clock;

  // `now` is the clock (tests pass their own).
  CheckpointPolicy(const CheckpointSection& options, int64_t total_steps,
                   std::function<Clock::time_point()> now = Clock::now);

  // This process's clock says every_minutes have passed since the start or
  // the last Saved().
  bool TimeDue() const;
  // Whether to checkpoint after `completed` steps, given the agreed stop
  // signal and rank 0's time vote.
  bool Due(int64_t completed, bool stop, bool time_vote) const;
  void Saved();

 private:
  CheckpointSection options_;
  int64_t total_steps_;
  std::function<Clock::time_point()> now_;
  Clock::time_point last_;
};

}  // namespace micon

#endif  // MICON_LAUNCH_TRAIN_CHECKPOINT_POLICY_H_
