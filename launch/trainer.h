// trainer.h: `micon train`'s work: the data-parallel training loop with
// checkpoints, exact resumption and clean stops.
//
//   StopSignals signals;
//   MICON_ASSIGN_OR_RETURN(TrainResult r,
//       RunTraining(config, {.resume = "latest"}, *dist, signals));
//   return r.stopped ? kExitRequeue : 0;
//
// One step on every rank: next batch -> ComputeStepLoss with negatives
// gathered from all ranks -> backward of world_size x this rank's share ->
// bucketed gradient all-reduce (averaging) -> one small all-reduce of the loss
// parts, throughput and the stop/checkpoint votes -> gradient clipping ->
// AdamW with the scheduled learning rate. Every rank therefore holds the same
// parameters, optimiser state and global loss after every step, takes the same
// schedule decisions, and stops and checkpoints after the same step.
//
// Run directory (config.run_dir): config.yaml (the resolved configuration of
// the latest start), metrics.jsonl, checkpoints/step-NNNNNNNN.ckpt, loss.png
// and loss.tsv at the end. Rank 0 writes them; ranks must share the file
// system for resumption (every rank reads the checkpoint).
//
// Resumption: `resume` = "latest" continues from the newest readable
// checkpoint (starting fresh when there is none, so requeued jobs need no
// special case), or a checkpoint path. Without it, a run directory that
// already has checkpoints is refused rather than overwritten.
#ifndef MICON_LAUNCH_TRAINER_H_
#define MICON_LAUNCH_TRAINER_H_

#include <string>

#include "absl/status/statusor.h"
#include "distributed/bootstrap.h"
#include "launch/stop_signal.h"
#include "launch/train_config.h"

namespace micon {

struct TrainOptions {
  std::string resume;  // "", "latest" or a checkpoint path
};

struct TrainResult {
  int64_t steps_completed = 0;
  bool stopped = false;  // by a signal, after checkpointing
  double final_loss = 0;
};

absl::StatusOr<TrainResult> RunTraining(const TrainConfig& config,
                                        const TrainOptions& options,
                                        DistributedContext& dist,
                                        const StopSignals& signals);

}  // namespace micon

#endif  // MICON_LAUNCH_TRAINER_H_
