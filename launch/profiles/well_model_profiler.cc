#include "launch/profiles/well_model_profiler.h"

#include <torch/torch.h>

#include <algorithm>

#include "core/status_macros.h"
#include "data/channel_embedding_store.h"

namespace micon {

WellModelProfiler::WellModelProfiler(MiconModel model,
                                     WellModelProfilerOptions options)
    : model_(std::move(model)), options_(options) {}

std::vector<std::string> WellModelProfiler::FeatureNames() const {
  return EmbeddingFeatureNames(model_->embedding_dim());
}

absl::StatusOr<at::Tensor> WellModelProfiler::DescribeWells(
    const PlateMetadata& plate,
    const std::vector<std::vector<int64_t>>& fields) {
  MICON_ASSIGN_OR_RETURN(const torch::Tensor vectors, ReadPlateVectors(plate));
  torch::NoGradGuard no_grad;
  std::vector<torch::Tensor> parts;
  const int64_t wells = static_cast<int64_t>(fields.size());
  for (int64_t first = 0; first < wells; first += options_.wells_per_call) {
    const int64_t last = std::min(wells, first + options_.wells_per_call);
    std::vector<torch::Tensor> chunk;
    for (int64_t w = first; w < last; ++w) {
      chunk.push_back(
          vectors.index_select(0, torch::tensor(fields[w], torch::kLong)));
    }
    const PaddedWells x = PadWells(chunk, vectors.size(1), vectors.size(2));
    parts.push_back(model_
                        ->EmbedWells(x.fields.to(options_.device),
                                     x.present.to(options_.device))
                        .to(torch::kCPU, torch::kFloat64));
  }
  return torch::cat(parts);
}

}  // namespace micon
