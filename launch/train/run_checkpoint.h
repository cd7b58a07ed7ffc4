// run_checkpoint.h: a training run's checkpoints: what goes in, who writes,
// and how a run finds the one to continue from.
//
//   MICON_RETURN_IF_ERROR(SaveRunCheckpoint(comm, dir, keep, model, optimizer,
//                                           {sampler, rng}, state));
//                                                     // collective
//   MICON_ASSIGN_OR_RETURN(auto found,
//                          FindResumeCheckpoint(dir, "latest", log));
//
// Saving is collective: every rank's RNG state is gathered to rank 0, which
// writes the file (core/io/checkpoint_file.h: temporary name, fsync, rename,
// CRC-32, last K kept) and then tells every rank whether that worked, so a
// failed write (disk full) fails the whole job at the same step.
#ifndef MICON_LAUNCH_TRAIN_RUN_CHECKPOINT_H_
#define MICON_LAUNCH_TRAIN_RUN_CHECKPOINT_H_

#include <torch/nn/module.h>
#include <torch/optim/optimizer.h>

#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "core/io/checkpoint_file.h"
#include "distributed/communicator.h"
#include "launch/train/run_log.h"
#include "launch/train/training_state.h"

namespace micon {

// `state.ranks` is filled here from every rank's `rank_state` (its sampler
// and RNG state); the rest comes from the caller.
absl::Status SaveRunCheckpoint(Communicator& comm, const std::string& dir,
                               int keep_last, const torch::nn::Module& model,
                               const torch::optim::Optimizer& optimizer,
                               const RankState& rank_state,
                               TrainingState state);

struct ResumePoint {
  CheckpointContents contents;
  TrainingState state;
};

// `resume`: "" (fresh; refuses a directory that has checkpoints), "latest"
// (the newest readable one, or fresh when there is none) or a path. Damaged
// checkpoints skipped on the way are reported by rank 0.
absl::StatusOr<std::optional<ResumePoint>> FindResumeCheckpoint(
    const std::string& dir, const std::string& resume, const RunLog& log);

// The training state of a checkpoint already read and CRC-checked; an error
// naming the file when its metadata is not a training state or disagrees
// with the file's step.
absl::StatusOr<ResumePoint> DecodeResumePoint(CheckpointContents contents);
// DecodeResumePoint's checks without taking the contents.
absl::Status CheckResumePoint(const CheckpointContents& contents);

}  // namespace micon

#endif  // MICON_LAUNCH_TRAIN_RUN_CHECKPOINT_H_
