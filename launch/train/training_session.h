// training_session.h: everything a run trains with, started fresh or resumed
// from a checkpoint.
//
//   MICON_ASSIGN_OR_RETURN(std::unique_ptr<TrainingSession> s,
//       StartOrResume(config, "latest", dist, log));
//   if (s->finished()) return;             // the checkpoint is at train.steps
//   ...RunTrainStep(*s, step, votes)...    // train_step.h
//   MICON_RETURN_IF_ERROR(s->Checkpoint(completed));
//
// StartOrResume, on every rank:
//  1. finds where to start (run_checkpoint.h): `resume` = "latest" continues
//     from the newest readable checkpoint (a fresh start when there is none,
//     so requeued jobs need no special case) or a checkpoint path; without
//     it a run directory that already has checkpoints is refused rather than
//     overwritten. A checkpoint of another world size resumes with a warning
//     (the sampler restarts its streams at the step); changed settings other
//     than those that cannot change the result are named in a warning;
//  2. opens the inputs at the sampler state to continue from
//     (training_inputs.h);
//  3. builds the model (parameters seeded by run.seed, then model.pretrained),
//     AdamW and the learning-rate schedule;
//  4. restores them, the RNG state and the schedule from the checkpoint and
//     checks the model checksum saved with them, or, on a fresh start,
//     broadcasts rank 0's parameters; either way it proves every rank holds
//     the same parameters.
// Collective. When the checkpoint is already at train.steps the session holds
// only `start_step` (finished()): there is nothing to train.
#ifndef MICON_LAUNCH_TRAIN_TRAINING_SESSION_H_
#define MICON_LAUNCH_TRAIN_TRAINING_SESSION_H_

#include <torch/optim/adamw.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "core/lr_schedule.h"
#include "core/micon_model.h"
#include "distributed/bootstrap.h"
#include "distributed/distributed_gather.h"
#include "distributed/gradient_reducer.h"
#include "launch/train/run_directory.h"
#include "launch/train/run_log.h"
#include "launch/train/train_config.h"
#include "launch/train/training_inputs.h"
#include "launch/train/training_state.h"

namespace micon {

struct TrainingSession {
  TrainingSession(const TrainConfig& config, DistributedContext& dist,
                  const RunLog& log);
  ~TrainingSession();

  bool finished() const { return start_step >= config.train.steps; }

  // Collective: every rank's sampler and RNG state to rank 0, which writes
  // the checkpoint of `completed` steps (run_checkpoint.h).
  absl::Status Checkpoint(int64_t completed);

  const TrainConfig& config;
  DistributedContext& dist;
  const RunLog& log;
  const RunDirectory run;
  c10::Device device{c10::kCPU};
  int64_t start_step = 0;
  TrainingInputs inputs;
  MiconModel model{nullptr};
  std::vector<torch::Tensor> params;  // the objective's (ParametersFor)
  std::unique_ptr<torch::optim::AdamW> optimizer;
  std::unique_ptr<LrSchedule> schedule;
  std::unique_ptr<GradientReducer> reducer;
  std::unique_ptr<DistributedGather> gather;
  TrainingState state;  // config_yaml set at start, the rest at checkpoints
};

absl::StatusOr<std::unique_ptr<TrainingSession>> StartOrResume(
    const TrainConfig& config, const std::string& resume,
    DistributedContext& dist, const RunLog& log);

}  // namespace micon

#endif  // MICON_LAUNCH_TRAIN_TRAINING_SESSION_H_
