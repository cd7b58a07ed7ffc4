#include "launch/training_inputs.h"

#include <torch/torch.h>

#include <filesystem>
#include <map>

#include "absl/strings/str_cat.h"
#include "core/objective.h"
#include "core/status_macros.h"
#include "data/batch_loader.h"
#include "data/compound_features.h"
#include "data/plate_sharding.h"
#include "data/plate_store.h"
#include "data/profile_batch_source.h"
#include "data/profile_table.h"
#include "data/screen_split.h"
#include "distributed/communicator_sum.h"

namespace fs = std::filesystem;

namespace micon {
namespace {

SamplingMode ModeFor(Objective objective) {
  switch (objective) {
    case Objective::kSimclr:
      return SamplingMode::kSimclr;
    case Objective::kClip:
      return SamplingMode::kClip;
    default:
      return SamplingMode::kMicon;
  }
}

// The plates and compounds training may use.
struct Selection {
  std::vector<PlateMetadata> plates;
  std::vector<size_t> original_index;  // into the dataset's plate list
  std::set<std::string> held_out_compounds;
};

absl::StatusOr<Selection> Select(const std::vector<PlateMetadata>& plates,
                                 const TrainConfig& config,
                                 const std::string& split_path) {
  Selection s;
  if (config.split == "all") {
    s.plates = plates;
    for (size_t i = 0; i < plates.size(); ++i) s.original_index.push_back(i);
    return s;
  }
  absl::StatusOr<ScreenSplit> split = ReadScreenSplit(split_path);
  if (!split.ok()) {
    return absl::Status(
        split.status().code(),
        absl::StrCat("data.split is train: ", split.status().message(),
                     " (set data.split: all to train on every plate)"));
  }
  for (size_t i = 0; i < plates.size(); ++i) {
    if (split->train_plates.count(plates[i].header.plate)) {
      s.plates.push_back(plates[i]);
      s.original_index.push_back(i);
    }
  }
  if (s.plates.size() != split->train_plates.size()) {
    return absl::InvalidArgumentError(absl::StrCat(
        split_path, ": lists ", split->train_plates.size(),
        " train plates but the dataset has ", s.plates.size(), " of them"));
  }
  s.held_out_compounds = split->held_out_compounds;
  return s;
}

}  // namespace

absl::StatusOr<CompoundFeatures> FeaturizeForRun(const TrainConfig& config,
                                                 const CompoundTable& compounds,
                                                 const std::string& cache_dir,
                                                 Communicator& comm,
                                                 const RunLog& log) {
  const int rank = comm.rank();
  // Featurise on rank 0 first so the cache is written once, then everywhere.
  FeaturizerOptions featurizer;
  featurizer.radius = config.molecule_radius;
  featurizer.bits = config.molecule_bits;
  featurizer.counts = config.molecule_counts;
  featurizer.descriptors = config.molecule_descriptors;
  MICON_RETURN_IF_ERROR(featurizer.Validate());
  const InvalidSmilesPolicy policy = config.invalid_smiles == "exclude"
                                         ? InvalidSmilesPolicy::kExclude
                                         : InvalidSmilesPolicy::kError;
  absl::StatusOr<CompoundFeatures> features = absl::UnknownError("unset");
  std::vector<std::string> warnings;
  if (rank == 0) {
    features = LoadOrComputeCompoundFeatures(compounds, featurizer, policy,
                                             cache_dir, &warnings);
  }
  MICON_RETURN_IF_ERROR(WaitFor(comm.Barrier({}), comm));
  if (rank != 0) {
    features = LoadOrComputeCompoundFeatures(compounds, featurizer, policy,
                                             cache_dir, &warnings);
  }
  if (!features.ok()) return features.status();
  for (const std::string& w : warnings) log.Warning(w);
  if (rank == 0) {
    for (const ExcludedCompound& e : features->excluded) {
      log.Warning(absl::StrCat("compound ", e.id, " (line ", e.line,
                               ") left out: ", e.reason));
    }
  }
  return *std::move(features);
}

absl::StatusOr<TrainingInputs> PrepareTrainingInputs(const TrainConfig& config,
                                                     Communicator& comm,
                                                     const SamplerState& start,
                                                     const RunLog& log) {
  const int rank = comm.rank(), world = comm.world_size();
  const bool images = config.input == "images";
  MICON_ASSIGN_OR_RETURN(const Objective objective,
                         ParseObjective(config.objective));
  const SamplingMode mode = ModeFor(objective);

  PlateStore store;
  ProfileTable table;
  const CompoundTable* compounds = nullptr;
  std::vector<PlateMetadata> all_plates;
  std::string split_path, cache_dir;
  if (images) {
    MICON_ASSIGN_OR_RETURN(store, OpenPlateStore(config.dataset));
    compounds = &store.compounds;
    all_plates = store.plates;
    split_path = (fs::path(config.dataset) / kScreenSplitFile).string();
    cache_dir = (fs::path(config.dataset) / ".micon-cache").string();
  } else {
    MICON_ASSIGN_OR_RETURN(table, ReadProfileTable(config.dataset));
    compounds = &table.compounds;
    all_plates = table.plates;
    const fs::path folder = fs::path(config.dataset).parent_path();
    split_path = (folder / kScreenSplitFile).string();
    cache_dir = (folder / ".micon-cache").string();
  }
  MICON_ASSIGN_OR_RETURN(Selection selection,
                         Select(all_plates, config, split_path));

  MICON_ASSIGN_OR_RETURN(
      CompoundFeatures features,
      FeaturizeForRun(config, *compounds, cache_dir, comm, log));

  std::map<std::string, int64_t> labels;
  for (size_t i = 0; i < features.ids.size(); ++i) {
    if (!selection.held_out_compounds.count(features.ids[i])) {
      labels[features.ids[i]] = static_cast<int64_t>(i);
    }
  }
  torch::Tensor molecules =
      torch::from_blob(features.values.data(),
                       {static_cast<int64_t>(features.ids.size()),
                        static_cast<int64_t>(features.dimension)},
                       torch::kFloat)
          .clone();

  MICON_ASSIGN_OR_RETURN(auto shards, ShardPlates(selection.plates, world));
  const std::vector<size_t>& mine = shards[rank];
  SamplerOptions sampler_options{mode, config.batch_size, config.seed, rank,
                                 world};
  MICON_ASSIGN_OR_RETURN(
      BatchSampler sampler,
      BatchSampler::Create(selection.plates, mine, labels, sampler_options));
  MICON_RETURN_IF_ERROR(sampler.Restore(start));

  TrainingInputs inputs;
  inputs.molecule_features = features.dimension;
  int64_t shard_images = 0, total_images = 0;
  for (size_t p : mine) shard_images += selection.plates[p].num_images();
  for (const PlateMetadata& p : selection.plates) {
    total_images += p.num_images();
  }
  if (images) {
    PlateStore selected = store;
    selected.plates = selection.plates;
    inputs.channels = selection.plates.front().header.num_channels();
    LoaderOptions loader;
    loader.workers = config.workers;
    loader.prefetch = config.prefetch;
    loader.output_size = config.image_size;
    loader.augment = config.augment;
    loader.min_crop_area = config.min_crop_area;
    loader.intensity_jitter = config.intensity_jitter;
    loader.seed = config.seed;
    loader.control_images_for_stats = config.control_images_for_stats;
    MICON_ASSIGN_OR_RETURN(inputs.source,
                           BatchLoader::Create(selected, mine, molecules,
                                               std::move(sampler), loader));
  } else {
    ProfileTable selected;
    selected.path = table.path;
    selected.plates = selection.plates;
    for (size_t i : selection.original_index) {
      selected.features.push_back(table.features[i]);
    }
    inputs.profile_features = static_cast<int64_t>(table.feature_names.size());
    ProfileSourceOptions options;
    options.normalize_by_controls = config.profile_normalize;
    options.augment = config.augment;
    options.noise = config.profile_noise;
    options.feature_dropout = config.profile_feature_dropout;
    options.seed = config.seed;
    MICON_ASSIGN_OR_RETURN(
        inputs.source, ProfileBatchSource::Create(selected, mine, molecules,
                                                  std::move(sampler), options));
  }
  inputs.summary = absl::StrCat(
      config.dataset, ": ", selection.plates.size(), " plates, ", total_images,
      images ? " images, " : " profiles, ", labels.size(),
      " training compounds (", selection.held_out_compounds.size(),
      " held out); rank 0 reads ", shards[0].size(), " plates");
  return inputs;
}

MiconModelOptions ModelOptionsFor(const TrainConfig& config,
                                  const TrainingInputs& inputs,
                                  Communicator* comm) {
  MiconModelOptions m;
  const bool images = config.input == "images";
  m.input = images ? InputKind::kImages : InputKind::kProfiles;
  if (images) {
    m.image.resnet.depth = std::stoi(config.arch.substr(6));  // "resnetNN"
    m.image.resnet.norm = config.norm == "group"   ? NormKind::kGroup
                          : config.norm == "batch" ? NormKind::kBatch
                                                   : NormKind::kSyncBatch;
    if (m.image.resnet.norm == NormKind::kSyncBatch && comm != nullptr &&
        comm->world_size() > 1) {
      m.image.resnet.sync = std::make_shared<CommunicatorSum>(*comm);
    }
    m.image.channels = inputs.channels;
    m.image.mode = config.channel_mode == "multi_channel"
                       ? ChannelMode::kMultiChannel
                       : ChannelMode::kPerChannel;
    m.image.trainable_stages = config.trainable_stages;
  } else {
    m.profile.features = inputs.profile_features;
    m.profile.hidden = config.profile_hidden;
    m.profile.dim = config.profile_dim;
    m.profile.dropout = config.profile_dropout;
  }
  m.projection_hidden = config.projection_hidden;
  m.projection_dim = config.projection_dim;
  m.molecule_features = inputs.molecule_features;
  m.molecule_hidden = config.molecule_hidden;
  m.molecule_dim = config.molecule_dim;
  m.generator_hidden = config.generator_hidden;
  m.clip_temperature = config.clip_temperature;
  m.clip_learnable_temperature = config.clip_learnable_temperature;
  return m;
}

}  // namespace micon
