// training_inputs.h: a run's dataset turned into this rank's batch source and
// the model's input sizes.
//
//   MICON_ASSIGN_OR_RETURN(TrainingInputs in,
//       PrepareTrainingInputs(config, device, comm, resume_sampler_state, log));
//   MICON_ASSIGN_OR_RETURN(LoadedBatch b, in.source->Next());
//   MiconModel model(ModelOptionsFor(config.model.spec, in.dimensions, sync));
//
// Opens the dataset (data/dataset.h; its kind must be the one data.input
// names), keeps data.split's plates and compounds, featurises the compounds
// (compound_featurization.h), shards the plates over ranks and builds the
// sampler and source at the sampler state to continue from. Collective: every
// rank calls it.
#ifndef MICON_LAUNCH_TRAIN_TRAINING_INPUTS_H_
#define MICON_LAUNCH_TRAIN_TRAINING_INPUTS_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "core/model_spec.h"
#include "data/batch_source.h"
#include "distributed/communicator.h"
#include "launch/train/run_log.h"
#include "launch/train/startup_timeline.h"
#include "launch/train/train_config.h"

namespace micon {

struct TrainingInputs {
  std::unique_ptr<BatchSource> source;
  ModelInputs dimensions;
  std::string summary;  // one line: plates, images, compounds, this shard
};

// `device`: where the model trains (data.augment_on, pinned batches).
// `timeline` is charged with each phase: the dataset index, the compound
// features, the replicate check, sharding and sampler, the source.
absl::StatusOr<TrainingInputs> PrepareTrainingInputs(
    const TrainConfig& config, const c10::Device& device, Communicator& comm,
    const SamplerState& start, const RunLog& log, StartupTimeline& timeline);

// The dataset at data.dataset, refused (naming both) when it is not the kind
// data.input asks for.
absl::StatusOr<Dataset> OpenRunDataset(const TrainConfig& config,
                                       const std::string& path);

}  // namespace micon

#endif  // MICON_LAUNCH_TRAIN_TRAINING_INPUTS_H_
