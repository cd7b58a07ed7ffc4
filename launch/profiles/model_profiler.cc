#include "launch/profiles/model_profiler.h"

#include <torch/torch.h>

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "core/status_macros.h"

namespace micon {

ModelProfiler::ModelProfiler(MiconModel model, const CompoundFeatures& features,
                             ModelProfilerOptions options)
    : model_(std::move(model)),
      features_(features),
      options_(std::move(options)) {}

std::vector<std::string> ModelProfiler::FeatureNames() const {
  return EmbeddingFeatureNames(model_->embedding_dim());
}

absl::StatusOr<at::Tensor> ModelProfiler::Describe(
    const NormalizedPlate& plate, const std::vector<int64_t>& images) {
  if (model_->options().input != InputKind::kImages) {
    return absl::InvalidArgumentError(
        absl::StrCat(options_.origin,
                     ": a model of data.input profiles embeds profile "
                     "tables, not plate stores"));
  }
  torch::NoGradGuard no_grad;
  const PlateHeader& h = plate.metadata().header;
  const int64_t size = options_.image_size > 0 ? options_.image_size
                                               : std::min(h.height, h.width);
  std::vector<torch::Tensor> inputs;
  for (int64_t i : images) {
    MICON_ASSIGN_OR_RETURN(torch::Tensor image, plate.Read(i));
    inputs.push_back(CentreSquare(image, size));
  }
  return model_->Embed(torch::stack(inputs).to(options_.device))
      .to(torch::kCPU);
}

at::Tensor ModelProfiler::EmbedRows(const at::Tensor& rows) {
  torch::NoGradGuard no_grad;
  return model_->Embed(rows.to(options_.device, torch::kFloat)).to(torch::kCPU);
}

absl::StatusOr<at::Tensor> ModelProfiler::Predict(
    const at::Tensor& control_vectors,
    const std::vector<std::string>& compounds) {
  torch::NoGradGuard no_grad;
  if (control_vectors.size(0) == 0) {
    return absl::FailedPreconditionError("a plate has no control images");
  }
  const int64_t f = features_.dimension;
  torch::Tensor fingerprints =
      torch::empty({static_cast<int64_t>(compounds.size()), f}, torch::kFloat);
  for (size_t j = 0; j < compounds.size(); ++j) {
    const float* row = features_.Row(compounds[j]);
    if (row == nullptr) {
      return absl::InvalidArgumentError(
          absl::StrCat("compound ", compounds[j],
                       " has no structure features (not in compounds.csv, or "
                       "its SMILES was excluded); it cannot be predicted"));
    }
    std::copy(row, row + f,
              fingerprints[static_cast<int64_t>(j)].data_ptr<float>());
  }
  const torch::Tensor h_control =
      control_vectors.to(options_.device, torch::kFloat);
  const torch::Tensor m =
      model_->EncodeMolecule(fingerprints.to(options_.device));
  std::vector<torch::Tensor> predicted;
  for (int64_t j = 0; j < m.size(0); ++j) {
    predicted.push_back(
        model_->Counterfactual(h_control, m[j].expand({h_control.size(0), -1}))
            .mean(0));
  }
  return torch::stack(predicted).to(torch::kCPU);
}

}  // namespace micon
