// micon embed: well profiles of a plate store, from a trained checkpoint's
// image embeddings or from hand-crafted features; or, with --per-channel, a
// per-channel embedding store (one vector per image and stain); multi-rank
// under mpirun or srun (each rank embeds its plates).
#include <ATen/Parallel.h>
#include <torch/torch.h>

#include <cstdio>
#include <filesystem>
#include <memory>
#include <optional>
#include <set>
#include <string>

#include "absl/strings/str_cat.h"
#include "core/status_macros.h"
#include "data/dataset.h"
#include "data/profile_frame_hdf5.h"
#include "launch/command.h"
#include "launch/profiles/channel_encoder.h"
#include "launch/profiles/handcrafted_profiler.h"
#include "launch/profiles/model_profiler.h"
#include "launch/profiles/predicted_compounds.h"
#include "launch/profiles/profile_table_embedding.h"
#include "launch/profiles/retrieval_projections.h"
#include "launch/profiles/well_model_profiler.h"
#include "launch/profiles/well_profiles.h"
#include "launch/train/compound_featurization.h"
#include "launch/train/compute_device.h"
#include "launch/train/run_log.h"
#include "launch/train/trained_model.h"
#include "launch/train/training_inputs.h"

namespace micon {
namespace {

namespace fs = std::filesystem;

struct EmbedFlags {
  std::string checkpoint;
  bool handcrafted = false;
  bool per_channel = false;
  std::string dataset;
  std::string output;
  std::string aggregate = "mean";
  std::string predict;  // "" = held-out when the model can predict
  int64_t images_per_call = 64;
  std::string backend = "auto";
  std::string device = "auto";
  std::string pixel_normalization;  // "" = the run's; none for --handcrafted
};

// Flags as typed values; an error names the flag.
struct EmbedRequest {
  Aggregation aggregation = Aggregation::kMean;
  PredictChoice predict = PredictChoice::kDefault;
  Backend backend = Backend::kAuto;
  DeviceChoice device = DeviceChoice::kAuto;
  PixelNormalization handcrafted_normalization = PixelNormalization::kNone;
};

absl::StatusOr<EmbedRequest> ParseFlags(const EmbedFlags& flags) {
  if (flags.checkpoint.empty() == !flags.handcrafted) {
    return absl::InvalidArgumentError(
        "give exactly one of --checkpoint CKPT and --handcrafted");
  }
  if (flags.per_channel && (flags.handcrafted || !flags.predict.empty())) {
    return absl::InvalidArgumentError(
        "--per-channel encodes stains with a checkpoint's trunk: it takes "
        "neither --handcrafted nor --predict");
  }
  EmbedRequest request;
  const std::optional<Aggregation> aggregation =
      ParseEnum(kAggregationNames, flags.aggregate);
  if (!aggregation) {
    return absl::InvalidArgumentError(
        "--aggregate must be mean or median, got '" + flags.aggregate + "'");
  }
  request.aggregation = *aggregation;
  if (!flags.predict.empty()) {
    const std::optional<PredictChoice> predict =
        ParseEnum(kPredictChoiceNames, flags.predict);
    if (!predict) {
      return absl::InvalidArgumentError(
          "--predict must be held-out, all or none, got '" + flags.predict +
          "'");
    }
    request.predict = *predict;
  }
  const std::optional<Backend> backend =
      ParseEnum(kBackendNames, flags.backend);
  if (!backend) {
    return absl::InvalidArgumentError("--backend must be one of " +
                                      EnumChoices(kBackendNames) + ", got '" +
                                      flags.backend + "'");
  }
  request.backend = *backend;
  const std::optional<DeviceChoice> device =
      ParseEnum(kDeviceChoiceNames, flags.device);
  if (!device) {
    return absl::InvalidArgumentError("--device must be one of " +
                                      EnumChoices(kDeviceChoiceNames) +
                                      ", got '" + flags.device + "'");
  }
  request.device = *device;
  if (!flags.pixel_normalization.empty()) {
    if (!flags.handcrafted) {
      return absl::InvalidArgumentError(
          "--pixel-normalization is for --handcrafted; a checkpoint embeds "
          "with its run's data.pixel_normalization");
    }
    const std::optional<PixelNormalization> normalization =
        ParseEnum(kPixelNormalizationNames, flags.pixel_normalization);
    if (!normalization) {
      return absl::InvalidArgumentError(
          "--pixel-normalization must be one of " +
          EnumChoices(kPixelNormalizationNames) + ", got '" +
          flags.pixel_normalization + "'");
    }
    request.handcrafted_normalization = *normalization;
  }
  return request;
}

// A checkpoint's model rebuilt on the device micon embed chose, with the
// dataset it reads and the compounds featurised as its run did.
struct LoadedModel {
  Dataset dataset;
  CompoundFeatures features;
  c10::Device device{c10::kCPU};
  MiconModel model{nullptr};
};

absl::StatusOr<std::unique_ptr<LoadedModel>> LoadModel(
    const EmbedRequest& request, const TrainedModel& trained,
    const std::string& path, DistributedContext& dist, const RunLog& log) {
  auto loaded = std::make_unique<LoadedModel>();
  MICON_ASSIGN_OR_RETURN(loaded->dataset, OpenRunDataset(trained.config, path));
  const Dataset& dataset = loaded->dataset;
  MICON_ASSIGN_OR_RETURN(
      loaded->features,
      FeaturizeOnAllRanks(dataset.compounds(), trained.config.molecule,
                          dataset.paths.cache, *dist.comm, log));
  // Where the checkpoint was trained does not matter: it loads on any device.
  MICON_ASSIGN_OR_RETURN(
      loaded->device,
      ChooseDevice(request.device, dist, /*device_collectives=*/false));
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

absl::Status CreateOutputFolder(const std::string& folder) {
  std::error_code ec;
  fs::create_directories(folder, ec);
  if (ec) {
    return absl::PermissionDeniedError(
        absl::StrCat(folder, ": cannot create: ", ec.message()));
  }
  return absl::OkStatus();
}

// Rank 0, for a model trained against molecules: the wells' and the
// compounds' points in its shared space, for `micon evaluate --retrieval`.
absl::Status WriteRetrievalProjections(const LoadedModel& loaded,
                                       const WellProfiles& profiles,
                                       const std::string& folder) {
  const RetrievalProjections p = ProjectForRetrieval(
      *loaded.model.ptr(), profiles.wells, loaded.features, loaded.device);
  MICON_RETURN_IF_ERROR(CreateOutputFolder(folder));
  MICON_RETURN_IF_ERROR(WriteProfileFrame(
      p.wells, (fs::path(folder) / kWellProjectionsFile).string()));
  MICON_RETURN_IF_ERROR(WriteProfileFrame(
      p.molecules, (fs::path(folder) / kMoleculeProjectionsFile).string()));
  std::printf(
      "%s: %lld wells and %lld compounds in the shared space in %s "
      "and %s\n",
      folder.c_str(), static_cast<long long>(p.wells.rows()),
      static_cast<long long>(p.molecules.rows()), kWellProjectionsFile,
      kMoleculeProjectionsFile);
  return absl::OkStatus();
}

// The profiles of a model of whole wells (cellclip): every rank embeds its
// plates of the per-channel store, every field of each well at once.
absl::StatusOr<WellProfiles> EmbedWells(const EmbedRequest& request,
                                        const LoadedModel& loaded,
                                        DistributedContext& dist,
                                        const RunLog& log) {
  if (request.predict != PredictChoice::kDefault &&
      request.predict != PredictChoice::kNone) {
    return absl::FailedPreconditionError(
        "--predict needs a model with a trained counterfactual generator "
        "(loss.objective micon); this one is cellclip");
  }
  WellModelProfiler profiler(loaded.model, {loaded.device});
  WellProfileOptions well;
  well.progress = [&log](const std::string& line) { log.Info(line); };
  return BuildWellProfiles(loaded.dataset.store, profiler, *dist.comm, well);
}

// The well profiles of a loaded checkpoint, whatever its input.
absl::StatusOr<WellProfiles> EmbedWithLoadedModel(const EmbedRequest& request,
                                                  const EmbedFlags& flags,
                                                  const TrainedModel& trained,
                                                  const LoadedModel& loaded,
                                                  DistributedContext& dist,
                                                  const RunLog& log) {
  if (trained.config.embeddings()) {
    return EmbedWells(request, loaded, dist, log);
  }
  const Dataset& dataset = loaded.dataset;
  const c10::Device device = loaded.device;
  ModelProfilerOptions options;
  options.device = device;
  options.image_size = trained.config.data.image_size;
  options.can_predict = trained.config.loss.objective == Objective::kMicon;
  options.origin = trained.contents.path;
  ModelProfiler profiler(loaded.model, loaded.features, options);
  MICON_ASSIGN_OR_RETURN(
      const std::set<std::string> predict,
      CompoundsToPredict(request.predict, profiler.CanPredict(), dataset));
  if (!trained.config.images()) {
    return EmbedProfileTable(dataset.table, profiler,
                             trained.config.data.profile_normalize, predict);
  }
  WellProfileOptions well;
  well.progress = [&log](const std::string& line) { log.Info(line); };
  well.aggregation = request.aggregation;
  well.images_per_call = flags.images_per_call;
  well.normalization.kind = trained.config.data.pixel_normalization;
  well.normalization.control_images_for_stats =
      trained.config.data.control_images_for_stats;
  well.predict = predict;
  return BuildWellProfiles(dataset.store, profiler, *dist.comm, well);
}

// A checkpoint's well profiles: every rank embeds its plates of a plate
// store; a profile model embeds its whole (small) table on every rank.
absl::StatusOr<WellProfiles> EmbedWithModel(const EmbedRequest& request,
                                            const EmbedFlags& flags,
                                            const TrainedModel& trained,
                                            const std::string& path,
                                            DistributedContext& dist,
                                            const RunLog& log) {
  MICON_ASSIGN_OR_RETURN(const std::unique_ptr<LoadedModel> loaded,
                         LoadModel(request, trained, path, dist, log));
  MICON_ASSIGN_OR_RETURN(
      WellProfiles profiles,
      EmbedWithLoadedModel(request, flags, trained, *loaded, dist, log));
  if (dist.rank == 0 && AlignsWithMolecules(trained.config.loss.objective)) {
    MICON_RETURN_IF_ERROR(
        WriteRetrievalProjections(*loaded, profiles, flags.output));
  }
  return profiles;
}

// A per-channel embedding store from a checkpoint's trunk: every rank writes
// its plates' files.
absl::Status EncodeWithModel(const EmbedRequest& request,
                             const EmbedFlags& flags,
                             const TrainedModel& trained,
                             const std::string& path, DistributedContext& dist,
                             const RunLog& log) {
  if (!trained.config.images() ||
      trained.config.model.spec.image.mode != ChannelMode::kPerChannel) {
    return absl::InvalidArgumentError(
        trained.contents.path +
        ": --per-channel needs an image model with model.channel_mode "
        "per_channel (one trunk pass per stain)");
  }
  MICON_ASSIGN_OR_RETURN(const std::unique_ptr<LoadedModel> loaded,
                         LoadModel(request, trained, path, dist, log));
  const Dataset& dataset = loaded->dataset;
  ChannelEncodeOptions options;
  options.output = flags.output;
  options.origin = trained.contents.path;
  options.device = loaded->device;
  options.image_size = trained.config.data.image_size;
  options.images_per_call = flags.images_per_call;
  options.normalization.kind = trained.config.data.pixel_normalization;
  options.normalization.control_images_for_stats =
      trained.config.data.control_images_for_stats;
  MICON_RETURN_IF_ERROR(
      PreparePixelNormalization(dataset.store, &options.normalization));
  options.progress = [&log](const std::string& line) { log.Info(line); };
  MICON_ASSIGN_OR_RETURN(const int64_t images,
                         EncodeChannels(dataset.store, *loaded->model,
                                        dist.rank, dist.world_size, options));
  // The store is a dataset of its own: it trains and evaluates with the
  // source's compounds and split.
  if (dist.rank == 0) {
    MICON_RETURN_IF_ERROR(CopyDatasetCompanions(dataset.paths, flags.output));
  }
  // Every rank's plates are written before rank 0 reports the store.
  torch::Tensor total =
      torch::tensor({static_cast<double>(images)}, torch::kFloat64);
  MICON_RETURN_IF_ERROR(dist.comm->AllReduce(total, {})->Wait());
  if (dist.rank == 0) {
    std::printf(
        "%s: per-channel embeddings of %.0f images on %zu plates in "
        "%s/plates (%s)\n",
        flags.output.c_str(), total.item<double>(), dataset.plates().size(),
        flags.output.c_str(), trained.contents.path.c_str());
  }
  return absl::OkStatus();
}

// Hand-crafted features of a plate store, rank-sharded.
absl::StatusOr<WellProfiles> EmbedHandcrafted(const EmbedRequest& request,
                                              const EmbedFlags& flags,
                                              DistributedContext& dist,
                                              const RunLog& log) {
  MICON_ASSIGN_OR_RETURN(const Dataset dataset, OpenDataset(flags.dataset));
  if (dataset.kind != DatasetKind::kPlateStore) {
    return absl::InvalidArgumentError(
        flags.dataset +
        ": --handcrafted measures images; give a plate store folder");
  }
  HandcraftedProfiler profiler(dataset.plates().front().header.channels);
  log.Info(absl::StrCat("hand-crafted features of ", flags.dataset, ": ",
                        profiler.FeatureNames().size(), " per field"));
  WellProfileOptions well;
  well.progress = [&log](const std::string& line) { log.Info(line); };
  well.aggregation = request.aggregation;
  well.images_per_call = flags.images_per_call;
  well.normalization.kind = request.handcrafted_normalization;
  MICON_ASSIGN_OR_RETURN(
      well.predict,
      CompoundsToPredict(request.predict, profiler.CanPredict(), dataset));
  return BuildWellProfiles(dataset.store, profiler, *dist.comm, well);
}

// `pooling`: how fields became a well's profile, for the summary line.
absl::Status WriteProfiles(const WellProfiles& profiles,
                           const EmbedFlags& flags,
                           const std::string& pooling) {
  MICON_RETURN_IF_ERROR(CreateOutputFolder(flags.output));
  const fs::path out(flags.output);
  MICON_RETURN_IF_ERROR(
      WriteProfileFrame(profiles.wells, (out / "profiles.csv").string()));
  MICON_RETURN_IF_ERROR(
      WriteProfileFrameHdf5(profiles.wells, (out / "profiles.h5").string()));
  std::string predicted;
  if (profiles.predicted.rows() > 0) {
    MICON_RETURN_IF_ERROR(WriteProfileFrame(profiles.predicted,
                                            (out / "predicted.csv").string()));
    predicted = absl::StrCat(", ", profiles.predicted.rows(),
                             " predicted profiles in predicted.csv");
  }
  std::printf(
      "%s: %lld well profiles of %lld features (%s) in profiles.csv "
      "and profiles.h5%s\n",
      flags.output.c_str(), static_cast<long long>(profiles.wells.rows()),
      static_cast<long long>(profiles.wells.feature_names.size()),
      pooling.c_str(), predicted.c_str());
  return absl::OkStatus();
}

absl::Status RunEmbed(const EmbedFlags& flags, ProcessState& process) {
  // Flags first: loading a model and featurising take a while.
  MICON_ASSIGN_OR_RETURN(const EmbedRequest request, ParseFlags(flags));
  std::optional<TrainedModel> trained;
  if (!flags.checkpoint.empty()) {
    MICON_ASSIGN_OR_RETURN(trained, ReadTrainedModel(flags.checkpoint));
  }
  const std::string dataset = !flags.dataset.empty() ? flags.dataset
                              : trained ? trained->config.data.dataset
                                        : "";
  if (dataset.empty()) {
    return absl::InvalidArgumentError("--handcrafted needs --dataset DIR");
  }
  DistributedRequest distributed;
  // Not the run's backend: a checkpoint trained over NCCL on a GPU cluster
  // must embed on a CPU machine too.
  distributed.backend = request.backend;
  distributed.timeout_seconds =
      trained ? trained->config.distributed.timeout_seconds : 600;
  MICON_RETURN_IF_ERROR(StartDistributed(distributed, process));
  DistributedContext& dist = *process.dist;
  const RunLog log(dist.rank, dist.world_size);
  log.Info(absl::StrCat("embedding ", dataset, " on ", dist.world_size,
                        " rank(s) x ", at::get_num_threads(),
                        " thread(s), backend ", dist.backend));
  if (flags.per_channel) {
    return EncodeWithModel(request, flags, *trained, dataset, dist, log);
  }
  MICON_ASSIGN_OR_RETURN(
      const WellProfiles profiles,
      trained ? EmbedWithModel(request, flags, *trained, dataset, dist, log)
              : EmbedHandcrafted(request, flags, dist, log));
  if (dist.rank != 0) return absl::OkStatus();
  return WriteProfiles(profiles, flags,
                       trained && trained->config.embeddings()
                           ? "the model's attention over every field"
                           : flags.aggregate);
}

}  // namespace

void AddEmbedCommand(CLI::App& app, CommandRun& run, ProcessState& process) {
  CLI::App* sub = app.add_subcommand(
      "embed",
      "Well profiles of a plate store (or, for a profile model, of a profile "
      "table): a checkpoint's embeddings h "
      "(and its generator's predicted profiles of unseen compounds), or "
      "hand-crafted CellProfiler-like features; world 1 or under mpirun/srun");
  auto f = std::make_shared<EmbedFlags>();
  sub->add_option("--checkpoint", f->checkpoint,
                  "A training checkpoint (its run's configuration rebuilds "
                  "the model)")
      ->check(CLI::ExistingFile);
  sub->add_flag("--handcrafted", f->handcrafted,
                "Hand-crafted features instead of a model");
  sub->add_flag("--per-channel", f->per_channel,
                "Instead of well profiles, a per-channel embedding store: "
                "each field's stains through the checkpoint's per-channel "
                "trunk, [N, C, D] per plate in -o/plates/<plate>.h5 "
                "(docs/PLATE_STORE.md)");
  sub->add_option("--dataset", f->dataset,
                  "Plate store, or for a profile model a profile CSV "
                  "(default: the checkpoint's data.dataset)");
  sub->add_option("-o,--output", f->output,
                  "Folder for profiles.csv, profiles.h5 and predicted.csv")
      ->required();
  sub->add_option("--aggregate", f->aggregate, "Fields to well: mean or median")
      ->capture_default_str();
  sub->add_option("--predict", f->predict,
                  "Compounds the generator predicts on each plate holding "
                  "them: held-out (screen.json's; the default for micon "
                  "models), all or none");
  sub->add_option("--images-per-call", f->images_per_call,
                  "Fields per forward pass")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  sub->add_option("--backend", f->backend,
                  "Communicator under mpirun: auto, mpi, nccl or threads "
                  "(whatever the checkpoint was trained with)")
      ->capture_default_str();
  sub->add_option("--device", f->device,
                  "Where a checkpoint's model runs: auto (this rank's GPU "
                  "when there is one, else CPU), cpu or cuda; any checkpoint "
                  "loads on any device")
      ->capture_default_str();
  sub->add_option("--pixel-normalization", f->pixel_normalization,
                  "With --handcrafted: the pixels measured: none (raw counts, "
                  "the default), plate_controls or dataset, as "
                  "data.pixel_normalization gives a model");
  sub->callback([&run, &process, f] {
    process.distributed = true;
    run = [f, &process] { return RunEmbed(*f, process); };
  });
}

}  // namespace micon
