#include "launch/train/trained_model.h"

#include <torch/torch.h>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "core/status_macros.h"
#include "launch/train/compound_featurization.h"
#include "launch/train/run_checkpoint.h"
#include "launch/train/training_inputs.h"

namespace micon {

absl::StatusOr<TrainedModel> ReadTrainedModel(const std::string& path) {
  MICON_ASSIGN_OR_RETURN(CheckpointContents contents, ReadCheckpoint(path));
  MICON_ASSIGN_OR_RETURN(ResumePoint point,
                         DecodeResumePoint(std::move(contents)));
  TrainedModel trained;
  trained.step = point.state.step;
  trained.model_checksum = point.state.model_checksum;
  MICON_ASSIGN_OR_RETURN(
      trained.config,
      ParseTrainConfig(point.state.config_yaml, path + " (its config)", {}));
  trained.contents = std::move(point.contents);
  return trained;
}

absl::StatusOr<MiconModel> TrainedModel::Build(const ModelInputs& inputs,
                                               c10::Device device) const {
  MiconModel model(ModelOptionsFor(config.model.spec, inputs));
  const absl::Status loaded = LoadModuleState(contents.model, *model);
  if (!loaded.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(
        contents.path, ": its model does not fit ", inputs.sample_width,
        config.images()       ? "-channel images"
        : config.embeddings() ? "-channel embeddings"
                              : "-feature profiles",
        " with ", inputs.molecule_features,
        "-feature molecules (was it trained on another dataset?): ",
        loaded.message()));
  }
  if (CrossChannelEncoderImpl* e = model->cross_channel();
      e != nullptr && !e->SameChannels(inputs.channel_names)) {
    return absl::InvalidArgumentError(absl::StrCat(
        contents.path,
        ": its cross-channel encoder was trained on other stains (or another "
        "order) than this store's [",
        absl::StrJoin(inputs.channel_names, ", "),
        "]: embed a store made with the same channels"));
  }
  model->to(device);
  model->eval();
  return model;
}

absl::StatusOr<std::unique_ptr<LoadedModel>> LoadTrainedModel(
    const TrainedModel& trained, const std::string& dataset_path,
    DeviceChoice device, DistributedContext& dist, const RunLog& log) {
  auto loaded = std::make_unique<LoadedModel>();
  MICON_ASSIGN_OR_RETURN(loaded->dataset,
                         OpenRunDataset(trained.config, dataset_path));
  const Dataset& dataset = loaded->dataset;
  MICON_ASSIGN_OR_RETURN(
      loaded->features,
      FeaturizeOnAllRanks(dataset.compounds(), trained.config.molecule,
                          dataset.paths.cache, *dist.comm, log));
  MICON_ASSIGN_OR_RETURN(
      loaded->device, ChooseDevice(device, dist, /*device_collectives=*/false));
  ModelInputs inputs;
  inputs.molecule_features = loaded->features.dimension;
  inputs.sample_width =
      dataset.kind == DatasetKind::kProfileTable
          ? static_cast<int64_t>(dataset.table.feature_names.size())
          : dataset.plates().front().header.num_channels();
  inputs.embedding_width = dataset.embedding_dim;
  if (trained.config.embeddings()) {
    inputs.channel_names = dataset.plates().front().header.channels;
  }
  MICON_ASSIGN_OR_RETURN(loaded->model, trained.Build(inputs, loaded->device));
  log.Info(absl::StrCat("embedding with ", trained.contents.path, " (",
                        ObjectiveName(trained.config.loss.objective), ", step ",
                        trained.step, ") on ", loaded->device.str()));
  return loaded;
}

}  // namespace micon
