// handcrafted_profiler.h: CellProfiler-like features of every field
// (core/handcrafted_features.h) as an ImageProfiler, the classical baseline
// of `micon embed --handcrafted`.
//
//   HandcraftedProfiler profiler(store.plates.front().header.channels);
//   BuildWellProfiles(store, profiler, comm, options);
//
// Features are measured on the stored pixels, not the control-normalised
// ones: correcting plate effects is the profiles' normalisation step
// (`micon evaluate --normalize mad`), as in a CellProfiler pipeline. The
// nucleus stain is the channel named DNA (any case), else the first.
#ifndef MICON_LAUNCH_PROFILES_HANDCRAFTED_PROFILER_H_
#define MICON_LAUNCH_PROFILES_HANDCRAFTED_PROFILER_H_

#include <string>
#include <vector>

#include "core/handcrafted_features.h"
#include "launch/profiles/well_profiles.h"

namespace micon {

class HandcraftedProfiler final : public ImageProfiler {
 public:
  explicit HandcraftedProfiler(const std::vector<std::string>& channels);

  std::vector<std::string> FeatureNames() const override;
  absl::StatusOr<at::Tensor> Describe(
      const NormalizedPlate& plate,
      const std::vector<int64_t>& images) override;

 private:
  std::vector<std::string> names_;
  HandcraftedOptions options_;
};

}  // namespace micon

#endif  // MICON_LAUNCH_PROFILES_HANDCRAFTED_PROFILER_H_
