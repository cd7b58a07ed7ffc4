// training_state.h: the part of a checkpoint that is not tensors: where the
// run is, and every rank's data and random state, as JSON.
//
//   TrainingState s;  s.step = 1200;  s.ranks = GatherRankStates(...);
//   contents.metadata = EncodeTrainingState(s);
//   MICON_ASSIGN_OR_RETURN(TrainingState back,
//       DecodeTrainingState(contents.metadata, contents.path));
//
// Together with the model and optimiser archives this is what exact
// continuation needs: step, learning-rate schedule state, the sampler state
// and LibTorch RNG state of every rank, the world size they belong to, the
// resolved configuration (to detect a changed run) and the model checksum
// (verified after loading).
#ifndef MICON_LAUNCH_TRAIN_TRAINING_STATE_H_
#define MICON_LAUNCH_TRAIN_TRAINING_STATE_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "core/lr_schedule.h"
#include "data/batch_sampler.h"

namespace micon {

struct RankState {
  SamplerState sampler;
  std::string rng;  // CaptureRngState() bytes (core/io/rng_state.h)
};

struct TrainingState {
  int64_t step = 0;  // optimiser steps completed
  int world_size = 1;
  std::string config_yaml;
  LrScheduleState schedule;
  std::vector<RankState> ranks;  // world_size entries, rank order
  uint64_t model_checksum = 0;
};

// The model checksum as people and stores see it: 16 lowercase hex digits
// (`micon checkpoints`, a per-channel store's encoder_checksum).
std::string ModelChecksumText(uint64_t checksum);

std::string EncodeTrainingState(const TrainingState& state);
// `origin` (the checkpoint's path) is named in errors.
absl::StatusOr<TrainingState> DecodeTrainingState(const std::string& json,
                                                  const std::string& origin);

}  // namespace micon

#endif  // MICON_LAUNCH_TRAIN_TRAINING_STATE_H_
