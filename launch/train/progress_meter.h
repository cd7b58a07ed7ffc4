// progress_meter.h: the progress line of a training run, with throughput
// measured over the steps since the previous line.
//
//   ProgressMeter meter(config.train.steps);
//   meter.Add(stats);                              // after every step
//   if (due) log.Info(meter.Line(completed, stats));
//   // step 40/150  loss 4.1024 (paclr 2.0913, counterfactual 2.0111)
//   //   lr 0.000912  7.8 samples/s (31.2 images/s)  data-wait 3%  ETA 1m12s
//
// The parts of the loss are shown when the objective has more than one.
#ifndef MICON_LAUNCH_TRAIN_PROGRESS_METER_H_
#define MICON_LAUNCH_TRAIN_PROGRESS_METER_H_

#include <chrono>
#include <cstdint>
#include <string>

#include "launch/train/step_stats.h"

namespace micon {

class ProgressMeter {
 public:
  explicit ProgressMeter(int64_t total_steps);

  void Add(const StepStats& stats);
  // The line after `completed` steps; starts the next window.
  std::string Line(int64_t completed, const StepStats& last);

 private:
  using Clock = std::chrono::steady_clock;
  int64_t total_steps_;
  Clock::time_point window_start_;
  double samples_ = 0;  // the objective's (data.batch_size's unit)
  double images_ = 0;   // encoder inputs
  double wait_seconds_ = 0;
  int64_t steps_ = 0;
};

}  // namespace micon

#endif  // MICON_LAUNCH_TRAIN_PROGRESS_METER_H_
