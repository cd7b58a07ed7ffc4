// trainer.h: `micon train`'s work: a data-parallel training run with
// checkpoints, exact resumption and clean stops.
//
//   StopSignals signals;
//   MICON_ASSIGN_OR_RETURN(TrainResult r,
//       RunTraining(config, {.resume = "latest"}, *dist, signals));
//   return r.stopped ? kExitRequeue : 0;
//
// The parts, each in its own file of launch/train/:
//   training_session.h   start or resume: checkpoint, inputs, model,
//                        optimiser, schedule, identical parameters
//   train_step.h         one step, returning the agreed StepStats
//   checkpoint_policy.h  after which steps to checkpoint
//   run_directory.h      where the run's files live
//   metrics_log.h, progress_meter.h, loss_plot.h   what the run reports
// Every rank takes the same decisions (stop, checkpoint) after the same step,
// because they are made from the step's agreed statistics.
#ifndef MICON_LAUNCH_TRAIN_TRAINER_H_
#define MICON_LAUNCH_TRAIN_TRAINER_H_

#include <string>

#include "absl/status/statusor.h"
#include "distributed/bootstrap.h"
#include "launch/train/stop_signal.h"
#include "launch/train/train_config.h"

namespace micon {

struct TrainOptions {
  std::string resume;  // "", "latest" or a checkpoint path
};

struct TrainResult {
  int64_t steps_completed = 0;
  bool stopped = false;       // by a signal, after checkpointing
  double final_loss = 0;      // of the last step not skipped
  int64_t steps_skipped = 0;  // by train.nonfinite: skip, in this start
};

absl::StatusOr<TrainResult> RunTraining(const TrainConfig& config,
                                        const TrainOptions& options,
                                        DistributedContext& dist,
                                        const StopSignals& signals);

}  // namespace micon

#endif  // MICON_LAUNCH_TRAIN_TRAINER_H_
