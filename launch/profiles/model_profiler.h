// model_profiler.h: a trained model as an ImageProfiler: the embedding h of
// every field (or, for a profile model, of every profile row), and the
// counterfactual generator's predicted profiles.
//
//   MiconModel model = ...;   // eval mode on `device` (launch/train/trained_model.h)
//   ModelProfiler profiler(model, features,
//       {.device = device, .image_size = 64, .can_predict = true,
//        .origin = "runs/a/checkpoints/step-00000150.ckpt"});
//   BuildWellProfiles(store, profiler, comm, options);
//
// Images get exactly the evaluation view the loader gives training
// (data/normalized_plate.h: plate controls, centred square at image_size or
// the plate's smaller side). Predictions follow the paper: for a compound c
// on a plate, the mean over the plate's control images x of
// G([h(x); M(fingerprint(c))]).
#ifndef MICON_LAUNCH_PROFILES_MODEL_PROFILER_H_
#define MICON_LAUNCH_PROFILES_MODEL_PROFILER_H_

#include <c10/core/Device.h>

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "core/micon_model.h"
#include "data/compound_features.h"
#include "launch/profiles/well_profiles.h"

namespace micon {

struct ModelProfilerOptions {
  c10::Device device{c10::kCPU};  // where the model is
  // Side of the centred square; 0 = the plate's smaller side.
  int64_t image_size = 0;
  bool can_predict = false;  // the model has a trained generator (micon)
  std::string origin;        // the model's checkpoint, for messages
};

class ModelProfiler final : public ImageProfiler {
 public:
  // `features`: the dataset's compounds featurised as in the model's run; it
  // must outlive the profiler.
  ModelProfiler(MiconModel model, const CompoundFeatures& features,
                ModelProfilerOptions options);

  std::vector<std::string> FeatureNames() const override;
  absl::StatusOr<at::Tensor> Describe(
      const NormalizedPlate& plate,
      const std::vector<int64_t>& images) override;
  bool CanPredict() const override { return options_.can_predict; }
  absl::StatusOr<at::Tensor> Predict(
      const at::Tensor& control_vectors,
      const std::vector<std::string>& compounds) override;

  // A profile model's h for profile rows [N, F] (already standardised as
  // training saw them): [N, D].
  at::Tensor EmbedRows(const at::Tensor& rows);

 private:
  MiconModel model_;
  const CompoundFeatures& features_;
  ModelProfilerOptions options_;
};

}  // namespace micon

#endif  // MICON_LAUNCH_PROFILES_MODEL_PROFILER_H_
