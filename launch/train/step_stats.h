// step_stats.h: what one training step measured, as every rank agrees on it.
//
//   MICON_ASSIGN_OR_RETURN(StepStats s,
//       AgreeOnStep(comm, parts, {.samples = batch.samples,
//                                 .images = batch.images,
//                                 .stop = signals.requested(),
//                                 .checkpoint_time = rank == 0 && due}));
//   s.loss;   // the global loss
//   s.parts;  // the objective's parts: {{"paclr", 2.1}, {"counterfactual", 1.9}}
//
// One small float64 all-reduce (a sum) carries this rank's share of the loss
// and of each part the objective has, the samples and images of its batch,
// and two votes: a stop signal on this rank, and (from rank 0) that a
// checkpoint is due by the clock. Loss shares sum to the global loss
// (core/contrastive_losses.h), so every rank ends with the same numbers and
// takes the same decisions. The rest (gradient norm, learning rate, timing)
// is filled in by the step after the optimiser.
#ifndef MICON_LAUNCH_TRAIN_STEP_STATS_H_
#define MICON_LAUNCH_TRAIN_STEP_STATS_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "core/micon_step_loss.h"
#include "distributed/communicator.h"

namespace micon {

struct StepVotes {
  int64_t samples = 0;           // in this rank's batch (LoadedBatch)
  int64_t images = 0;            // encoder inputs of those samples
  bool stop = false;             // this rank received a stop signal
  bool checkpoint_time = false;  // rank 0: its clock says a checkpoint is due
};

struct LossPartValue {
  std::string name;  // "paclr", "counterfactual", "simclr" or "clip"
  double value = 0;
};

struct StepStats {
  // Agreed by every rank.
  double loss = 0;                   // the global loss ("loss" in metrics)
  std::vector<LossPartValue> parts;  // the parts the objective has
  double samples = 0;                // in the global batch
  double images = 0;                 // their encoder inputs
  bool stop = false;                 // some rank received a stop signal
  bool checkpoint_time = false;      // rank 0's clock
  // This rank's, after the optimiser step.
  double grad_norm = 0;
  double lr = 0;
  // train.nonfinite: skip took no optimiser step; what was not finite.
  std::optional<std::string> skipped;
  double wait_seconds = 0;  // waiting for the batch
  double seconds = 0;       // the whole step
};

// Collective: every rank calls it once per step, after the backward pass.
absl::StatusOr<StepStats> AgreeOnStep(Communicator& comm,
                                      const LossParts& parts,
                                      const StepVotes& votes);

}  // namespace micon

#endif  // MICON_LAUNCH_TRAIN_STEP_STATS_H_
