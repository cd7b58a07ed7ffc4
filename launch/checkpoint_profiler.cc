#include "launch/checkpoint_profiler.h"

#include <torch/torch.h>

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "core/micon_model.h"
#include "core/status_macros.h"
#include "launch/run_checkpoint.h"
#include "launch/training_inputs.h"

namespace micon {

struct CheckpointProfiler::State {
  MiconModel model{nullptr};
  TrainConfig config;
  Objective objective = Objective::kMicon;
  torch::Device device{torch::kCPU};
  const CompoundFeatures* features = nullptr;
  std::string origin;  // the checkpoint, for messages
};

absl::StatusOr<TrainedModel> ReadTrainedModel(const std::string& path) {
  MICON_ASSIGN_OR_RETURN(CheckpointContents contents, ReadCheckpoint(path));
  MICON_ASSIGN_OR_RETURN(ResumePoint point, DecodeResumePoint(contents));
  TrainedModel trained;
  trained.step = point.state.step;
  MICON_ASSIGN_OR_RETURN(
      trained.config,
      ParseTrainConfig(point.state.config_yaml, path + " (its config)", {}));
  MICON_ASSIGN_OR_RETURN(trained.objective,
                         ParseObjective(trained.config.objective));
  trained.contents = std::move(point.contents);
  return trained;
}

CheckpointProfiler::CheckpointProfiler(std::unique_ptr<State> state)
    : state_(std::move(state)) {}
CheckpointProfiler::~CheckpointProfiler() = default;

absl::StatusOr<std::unique_ptr<CheckpointProfiler>> CheckpointProfiler::Create(
    const TrainedModel& trained, int64_t input_size,
    const CompoundFeatures& features, torch::Device device) {
  const std::string& origin = trained.contents.path;
  const bool images = trained.config.input == "images";
  auto state = std::make_unique<State>();
  state->config = trained.config;
  state->objective = trained.objective;
  state->device = device;
  state->features = &features;
  state->origin = origin;
  TrainingInputs dims;
  (images ? dims.channels : dims.profile_features) = input_size;
  dims.molecule_features = features.dimension;
  // Evaluation never synchronises batch statistics: running statistics only.
  MiconModelOptions options =
      ModelOptionsFor(trained.config, dims, /*comm=*/nullptr);
  state->model = MiconModel(options);
  const absl::Status loaded =
      LoadModuleState(trained.contents.model, *state->model);
  if (!loaded.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(
        origin, ": its model does not fit ", input_size,
        images ? "-channel images" : "-feature profiles", " with ",
        features.dimension,
        "-feature molecules (was it trained on another dataset?): ",
        loaded.message()));
  }
  state->model->to(device);
  state->model->eval();
  return std::unique_ptr<CheckpointProfiler>(
      new CheckpointProfiler(std::move(state)));
}

std::vector<std::string> CheckpointProfiler::FeatureNames() const {
  std::vector<std::string> names;
  for (int64_t k = 0; k < state_->model->embedding_dim(); ++k) {
    names.push_back(absl::StrCat("h_", k));
  }
  return names;
}

absl::StatusOr<at::Tensor> CheckpointProfiler::Describe(
    const NormalizedPlate& plate, const std::vector<int64_t>& images) {
  if (state_->config.input != "images") {
    return absl::InvalidArgumentError(absl::StrCat(
        state_->origin, ": a model of data.input ", state_->config.input,
        " embeds profile tables, not plate stores"));
  }
  torch::NoGradGuard no_grad;
  const PlateHeader& h = plate.metadata().header;
  const int64_t size = state_->config.image_size > 0
                           ? state_->config.image_size
                           : std::min(h.height, h.width);
  std::vector<torch::Tensor> inputs;
  for (int64_t i : images) {
    MICON_ASSIGN_OR_RETURN(torch::Tensor image, plate.Read(i));
    inputs.push_back(CentreSquare(image, size));
  }
  return state_->model->Embed(torch::stack(inputs).to(state_->device))
      .to(torch::kCPU);
}

at::Tensor CheckpointProfiler::EmbedRows(const at::Tensor& rows) {
  torch::NoGradGuard no_grad;
  return state_->model->Embed(rows.to(state_->device, torch::kFloat))
      .to(torch::kCPU);
}

bool CheckpointProfiler::CanPredict() const {
  return state_->objective == Objective::kMicon;
}

absl::StatusOr<at::Tensor> CheckpointProfiler::Predict(
    const at::Tensor& control_vectors,
    const std::vector<std::string>& compounds) {
  torch::NoGradGuard no_grad;
  if (control_vectors.size(0) == 0) {
    return absl::FailedPreconditionError("a plate has no control images");
  }
  const int64_t f = state_->features->dimension;
  torch::Tensor fingerprints =
      torch::empty({static_cast<int64_t>(compounds.size()), f}, torch::kFloat);
  for (size_t j = 0; j < compounds.size(); ++j) {
    const float* row = state_->features->Row(compounds[j]);
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
      control_vectors.to(state_->device, torch::kFloat);
  const torch::Tensor m =
      state_->model->EncodeMolecule(fingerprints.to(state_->device));
  std::vector<torch::Tensor> predicted;
  for (int64_t j = 0; j < m.size(0); ++j) {
    predicted.push_back(
        state_->model
            ->Counterfactual(h_control, m[j].expand({h_control.size(0), -1}))
            .mean(0));
  }
  return torch::stack(predicted).to(torch::kCPU);
}

}  // namespace micon
