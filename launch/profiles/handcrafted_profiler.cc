#include "launch/profiles/handcrafted_profiler.h"

#include <torch/torch.h>

#include "absl/strings/ascii.h"
#include "core/status_macros.h"

namespace micon {

HandcraftedProfiler::HandcraftedProfiler(
    const std::vector<std::string>& channels)
    : names_(HandcraftedFeatureNames(channels)) {
  for (size_t c = 0; c < channels.size(); ++c) {
    if (absl::AsciiStrToUpper(channels[c]) == "DNA") {
      options_.nucleus_channel = static_cast<int64_t>(c);
      break;
    }
  }
}

std::vector<std::string> HandcraftedProfiler::FeatureNames() const {
  return names_;
}

absl::StatusOr<at::Tensor> HandcraftedProfiler::Describe(
    const NormalizedPlate& plate, const std::vector<int64_t>& images) {
  std::vector<torch::Tensor> rows;
  for (int64_t i : images) {
    // As the models see them (raw counts unless another normalisation is
    // chosen).
    MICON_ASSIGN_OR_RETURN(torch::Tensor image, plate.Read(i));
    rows.push_back(HandcraftedFeatures(image, options_));
  }
  return torch::stack(rows);
}

}  // namespace micon
