// micon embed: well profiles of a plate store, from a trained checkpoint's
// image embeddings or from hand-crafted features; or, with --per-channel, a
// per-channel embedding store (one vector per image and stain); multi-rank
// under mpirun or srun (each rank embeds its plates).
#include <ATen/Parallel.h>

#include <cstdio>
#include <memory>
#include <optional>
#include <set>
#include <string>

#include "absl/strings/str_cat.h"
#include "core/status_macros.h"
#include "data/dataset.h"
#include "launch/command.h"
#include "launch/flag_enum.h"
#include "launch/profiles/handcrafted_profiler.h"
#include "launch/profiles/model_profiler.h"
#include "launch/profiles/per_channel_store_writer.h"
#include "launch/profiles/predicted_compounds.h"
#include "launch/profiles/profile_table_embedding.h"
#include "launch/profiles/retrieval_projections.h"
#include "launch/profiles/well_model_profiler.h"
#include "launch/profiles/well_profile_files.h"
#include "launch/profiles/well_profiles.h"
#include "launch/train/component_options.h"
#include "launch/train/compute_device.h"
#include "launch/train/run_log.h"
#include "launch/train/trained_model.h"
#include "launch/train/training_state.h"

namespace micon {
namespace {

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
  if (!flags.pixel_normalization.empty() && !flags.handcrafted) {
    return absl::InvalidArgumentError(
        "--pixel-normalization is for --handcrafted; a checkpoint embeds "
        "with its run's data.pixel_normalization");
  }
  EmbedRequest request;
  MICON_ASSIGN_OR_RETURN(
      request.aggregation,
      ParseFlagEnum(kAggregationNames, "--aggregate", flags.aggregate));
  if (!flags.predict.empty()) {
    MICON_ASSIGN_OR_RETURN(
        request.predict,
        ParseFlagEnum(kPredictChoiceNames, "--predict", flags.predict));
  }
  MICON_ASSIGN_OR_RETURN(
      request.backend,
      ParseFlagEnum(kBackendNames, "--backend", flags.backend));
  MICON_ASSIGN_OR_RETURN(
      request.device,
      ParseFlagEnum(kDeviceChoiceNames, "--device", flags.device));
  if (!flags.pixel_normalization.empty()) {
    MICON_ASSIGN_OR_RETURN(
        request.handcrafted_normalization,
        ParseFlagEnum(kPixelNormalizationNames, "--pixel-normalization",
                      flags.pixel_normalization));
  }
  return request;
}

// The profiles of a model of whole wells (cellclip): every rank embeds its
// plates of the per-channel store, every field of each well at once.
absl::StatusOr<WellProfiles> EmbedWells(const EmbedRequest& request,
                                        const LoadedModel& loaded,
                                        DistributedContext& dist,
                                        const RunLog& log, WellRowSink* sink) {
  if (request.predict != PredictChoice::kDefault &&
      request.predict != PredictChoice::kNone) {
    return absl::FailedPreconditionError(
        "--predict needs a model with a trained counterfactual generator "
        "(loss.objective micon); this one is cellclip");
  }
  WellModelProfiler profiler(loaded.model, {loaded.device});
  WellProfileOptions well;
  well.progress = [&log](const std::string& line) { log.Info(line); };
  well.sink = sink;
  return BuildWellProfiles(loaded.dataset.store, profiler, *dist.comm, well);
}

// A loaded checkpoint's well profiles, whatever its input, into `files`
// (rank 0's): a plate store's as they are gathered, a profile table's as rank
// 0 embeds it, a group of plates at a time. Returns rank 0's summary.
absl::StatusOr<std::string> EmbedWithLoadedModel(
    const EmbedRequest& request, const EmbedFlags& flags,
    const TrainedModel& trained, const LoadedModel& loaded,
    DistributedContext& dist, const RunLog& log, WellProfileFiles& files) {
  WellRowSink* sink = dist.rank == 0 ? &files : nullptr;
  if (trained.config.embeddings()) {
    MICON_ASSIGN_OR_RETURN(const WellProfiles profiles,
                           EmbedWells(request, loaded, dist, log, sink));
    return dist.rank == 0 ? files.Finish(profiles) : std::string();
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
    if (dist.rank != 0) return std::string();  // reading is the work
    ProfileTable table = dataset.table;        // its index: no features yet
    ProfileTableEmbedOptions o;
    o.standardize = trained.config.data.profile_normalize;
    o.predict = predict;
    o.sink = &files;
    o.progress = [&log](const std::string& line) { log.Info(line); };
    MICON_ASSIGN_OR_RETURN(const WellProfiles profiles,
                           EmbedProfileTable(table, profiler, o));
    return files.Finish(profiles);
  }
  WellProfileOptions well;
  well.progress = [&log](const std::string& line) { log.Info(line); };
  well.aggregation = request.aggregation;
  well.images_per_call = flags.images_per_call;
  well.normalization = PixelNormalizationFor(trained.config);
  well.predict = predict;
  well.sink = sink;
  MICON_ASSIGN_OR_RETURN(
      const WellProfiles profiles,
      BuildWellProfiles(dataset.store, profiler, *dist.comm, well));
  return dist.rank == 0 ? files.Finish(profiles) : std::string();
}

// A checkpoint's well profiles: every rank embeds its plates of a plate
// store; rank 0 embeds a profile model's table. A model trained against
// molecules also writes its shared space.
absl::Status EmbedWithModel(const EmbedRequest& request,
                            const EmbedFlags& flags,
                            const TrainedModel& trained,
                            const std::string& path, DistributedContext& dist,
                            const RunLog& log) {
  MICON_ASSIGN_OR_RETURN(
      const std::unique_ptr<LoadedModel> loaded,
      LoadTrainedModel(trained, path, request.device, dist, log));
  const bool shared_space = AlignsWithMolecules(trained.config.loss.objective);
  WellProfileFiles files(
      flags.output,
      trained.config.embeddings() ? "the model's attention over every field"
      : trained.config.images()   ? flags.aggregate
                                  : "one per table row",
      shared_space ? std::make_optional(WellRetrievalProjection(*loaded->model,
                                                                loaded->device))
                   : std::nullopt);
  MICON_ASSIGN_OR_RETURN(
      const std::string written,
      EmbedWithLoadedModel(request, flags, trained, *loaded, dist, log, files));
  if (dist.rank != 0) return absl::OkStatus();
  if (shared_space) {
    MICON_ASSIGN_OR_RETURN(
        const std::string molecules,
        WriteMoleculeProjections(*loaded->model, loaded->features,
                                 loaded->dataset.compounds(), loaded->device,
                                 flags.output));
    std::printf("%s\n", molecules.c_str());
  }
  std::printf("%s\n", written.c_str());
  return absl::OkStatus();
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
  MICON_ASSIGN_OR_RETURN(
      const std::unique_ptr<LoadedModel> loaded,
      LoadTrainedModel(trained, path, request.device, dist, log));
  PerChannelStoreOptions options;
  options.output = flags.output;
  options.origin = trained.contents.path;
  options.origin_checksum = ModelChecksumText(trained.model_checksum);
  options.device = loaded->device;
  options.image_size = trained.config.data.image_size;
  options.images_per_call = flags.images_per_call;
  options.normalization = PixelNormalizationFor(trained.config);
  options.progress = [&log](const std::string& line) { log.Info(line); };
  MICON_ASSIGN_OR_RETURN(const int64_t images,
                         WritePerChannelStore(loaded->dataset, *loaded->model,
                                              *dist.comm, options));
  if (dist.rank == 0) {
    std::printf(
        "%s: per-channel embeddings of %lld images on %zu plates in "
        "%s/plates (%s)\n",
        flags.output.c_str(), static_cast<long long>(images),
        loaded->dataset.plates().size(), flags.output.c_str(),
        trained.contents.path.c_str());
  }
  return absl::OkStatus();
}

// Hand-crafted features of a plate store, rank-sharded.
absl::Status EmbedHandcrafted(const EmbedRequest& request,
                              const EmbedFlags& flags, DistributedContext& dist,
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
  WellProfileFiles files(flags.output, flags.aggregate);
  WellProfileOptions well;
  well.progress = [&log](const std::string& line) { log.Info(line); };
  well.aggregation = request.aggregation;
  well.images_per_call = flags.images_per_call;
  well.normalization.kind = request.handcrafted_normalization;
  well.sink = dist.rank == 0 ? &files : nullptr;
  MICON_ASSIGN_OR_RETURN(
      well.predict,
      CompoundsToPredict(request.predict, profiler.CanPredict(), dataset));
  MICON_ASSIGN_OR_RETURN(
      const WellProfiles profiles,
      BuildWellProfiles(dataset.store, profiler, *dist.comm, well));
  if (dist.rank != 0) return absl::OkStatus();
  MICON_ASSIGN_OR_RETURN(const std::string written, files.Finish(profiles));
  std::printf("%s\n", written.c_str());
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
  return trained ? EmbedWithModel(request, flags, *trained, dataset, dist, log)
                 : EmbedHandcrafted(request, flags, dist, log);
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
