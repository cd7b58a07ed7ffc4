// checkpoint_profiler.h: a trained model as an ImageProfiler: the image
// embedding h of every field (or, for a profile model, of every profile row),
// and the counterfactual generator's predicted profiles.
//
//   MICON_ASSIGN_OR_RETURN(TrainedModel m, ReadTrainedModel("run/.../x.ckpt"));
//   MICON_ASSIGN_OR_RETURN(auto profiler,
//       CheckpointProfiler::Create(std::move(m), channels, features, device));
//
// The model is rebuilt from the resolved configuration stored in the
// checkpoint, so nothing but the checkpoint is needed. Images get exactly the
// evaluation view the loader gives training (normalized_plate.h: plate
// controls, centred square at data.image_size or the plate's smaller side).
// Predictions follow the paper: for a compound c on a plate,
// mean over the plate's control images x of G([h(x); M(fingerprint(c))]).
#ifndef MICON_LAUNCH_CHECKPOINT_PROFILER_H_
#define MICON_LAUNCH_CHECKPOINT_PROFILER_H_

#include <torch/types.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "core/checkpoint_file.h"
#include "core/objective.h"
#include "data/compound_features.h"
#include "launch/train_config.h"
#include "launch/well_profiles.h"

namespace micon {

struct TrainedModel {
  CheckpointContents contents;
  TrainConfig config;  // the run's, from the checkpoint
  Objective objective = Objective::kMicon;
  int64_t step = 0;
};

// Reads and verifies `path`; errors name it.
absl::StatusOr<TrainedModel> ReadTrainedModel(const std::string& path);

class CheckpointProfiler final : public ImageProfiler {
 public:
  // `features`: the dataset's compounds featurised with the run's molecule
  // settings (FeaturizeForRun). `input_size`: stains per image for an image
  // model, features per row for a profile model (data.input: profiles).
  static absl::StatusOr<std::unique_ptr<CheckpointProfiler>> Create(
      const TrainedModel& trained, int64_t input_size,
      const CompoundFeatures& features, torch::Device device);
  ~CheckpointProfiler() override;

  std::vector<std::string> FeatureNames() const override;
  absl::StatusOr<at::Tensor> Describe(
      const NormalizedPlate& plate,
      const std::vector<int64_t>& images) override;
  bool CanPredict() const override;
  // A profile model's h for profile rows [N, F] (already standardised as
  // training saw them): [N, D].
  at::Tensor EmbedRows(const at::Tensor& rows);
  absl::StatusOr<at::Tensor> Predict(
      const at::Tensor& control_vectors,
      const std::vector<std::string>& compounds) override;

 private:
  struct State;
  explicit CheckpointProfiler(std::unique_ptr<State> state);
  std::unique_ptr<State> state_;
};

}  // namespace micon

#endif  // MICON_LAUNCH_CHECKPOINT_PROFILER_H_
