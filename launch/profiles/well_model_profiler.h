// well_model_profiler.h: a model of whole wells (cellclip's cross-channel
// encoder over a per-channel embedding store) as a WellProfiler: one h per
// well, from every field the store holds for it.
//
//   WellModelProfiler profiler(model, {.device = device});
//   BuildWellProfiles(dataset.store, profiler, comm, options);
//
// Training draws data.fields_per_well fields per well; evaluation uses all
// of them (gated-attention pooling weighs any number).
#ifndef MICON_LAUNCH_PROFILES_WELL_MODEL_PROFILER_H_
#define MICON_LAUNCH_PROFILES_WELL_MODEL_PROFILER_H_

#include <c10/core/Device.h>

#include <string>
#include <vector>

#include "core/micon_model.h"
#include "launch/profiles/well_profiles.h"

namespace micon {

struct WellModelProfilerOptions {
  c10::Device device{c10::kCPU};  // where the model is
  int64_t wells_per_call = 64;
};

class WellModelProfiler final : public WellProfiler {
 public:
  WellModelProfiler(MiconModel model, WellModelProfilerOptions options);

  std::vector<std::string> FeatureNames() const override;
  // Reads the plate's vectors from its store file (plate.path).
  absl::StatusOr<at::Tensor> DescribeWells(
      const PlateMetadata& plate,
      const std::vector<std::vector<int64_t>>& fields) override;

 private:
  MiconModel model_;
  WellModelProfilerOptions options_;
};

}  // namespace micon

#endif  // MICON_LAUNCH_PROFILES_WELL_MODEL_PROFILER_H_
