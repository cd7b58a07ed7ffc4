// train_step.h: one optimiser step, on every rank.
//
//   StepVotes votes{.stop = signals.requested(),
//                   .checkpoint_time = rank == 0 && policy.TimeDue()};
//   MICON_ASSIGN_OR_RETURN(StepStats stats, RunTrainStep(session, step, votes));
//
// The step: next batch -> the rank's device -> ComputeStepLoss with negatives
// gathered from all ranks (under train.precision's autocast) -> backward of
// world_size x this rank's share -> bucketed gradient all-reduce (averaging)
// -> the step's statistics all-reduce (step_stats.h) -> gradient clipping
// -> AdamW at the scheduled learning rate -> the schedule observes the global
// loss. A non-finite loss or gradient norm (the same on every rank: the
// gradients are all-reduced) takes no optimiser step: it is an error naming
// the step and the first non-finite quantity, or, with train.nonfinite: skip,
// a skipped step (`stats.skipped` says what). Either way nothing non-finite
// reaches the parameters, so no checkpoint can carry it.
// Every rank therefore holds the same parameters, optimiser state and global
// loss after every step. `votes.samples` is filled in from the batch.
#ifndef MICON_LAUNCH_TRAIN_TRAIN_STEP_H_
#define MICON_LAUNCH_TRAIN_TRAIN_STEP_H_

#include <cstdint>

#include "absl/status/statusor.h"
#include "launch/train/step_stats.h"
#include "launch/train/training_session.h"

namespace micon {

// `step` is 0-based: the step that completes step + 1 optimiser steps.
absl::StatusOr<StepStats> RunTrainStep(TrainingSession& session, int64_t step,
                                       StepVotes votes);

}  // namespace micon

#endif  // MICON_LAUNCH_TRAIN_TRAIN_STEP_H_
