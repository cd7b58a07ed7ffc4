// training_inputs.h: a TrainConfig turned into this rank's batch source and the
// model's dimensions.
//
//   MICON_ASSIGN_OR_RETURN(TrainingInputs in,
//       PrepareTrainingInputs(config, comm, resume_sampler_state, log));
//   MICON_ASSIGN_OR_RETURN(LoadedBatch b, in.source->Next());
//
// Opens the dataset (a plate store for images, a profile CSV for profiles),
// keeps the training split (screen.json's train_plates without its
// held-out compounds) unless data.split is all, featurises the compounds with
// RDKit (rank 0 fills the feature cache first, the other ranks then read it),
// shards the plates over ranks and builds the sampler and source at the
// sampler state to continue from. Collective: every rank calls it.
#ifndef MICON_LAUNCH_TRAINING_INPUTS_H_
#define MICON_LAUNCH_TRAINING_INPUTS_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "core/micon_model.h"
#include "data/batch_source.h"
#include "data/compound_features.h"
#include "distributed/communicator.h"
#include "launch/run_log.h"
#include "launch/train_config.h"

namespace micon {

struct TrainingInputs {
  std::unique_ptr<BatchSource> source;
  int64_t channels = 0;          // images: stains per image
  int64_t profile_features = 0;  // profiles: features per row
  int64_t molecule_features = 0;
  std::string summary;  // one line: plates, images, compounds, this shard
};

absl::StatusOr<TrainingInputs> PrepareTrainingInputs(const TrainConfig& config,
                                                     Communicator& comm,
                                                     const SamplerState& start,
                                                     const RunLog& log);

// The compounds featurised as the config's molecule section asks, through
// the cache in `cache_dir`: rank 0 first (it writes the cache), then the
// others (they read it). Collective. Excluded compounds are logged.
absl::StatusOr<CompoundFeatures> FeaturizeForRun(const TrainConfig& config,
                                                 const CompoundTable& compounds,
                                                 const std::string& cache_dir,
                                                 Communicator& comm,
                                                 const RunLog& log);

// The model options a config asks for, with the inputs' dimensions. `comm`
// (may be null) synchronises batch-norm statistics when norm is sync_batch
// and the world has more than one rank.
MiconModelOptions ModelOptionsFor(const TrainConfig& config,
                                  const TrainingInputs& inputs,
                                  Communicator* comm);

}  // namespace micon

#endif  // MICON_LAUNCH_TRAINING_INPUTS_H_
