// micon embed: well profiles of a plate store, from a trained checkpoint's
// image embeddings or from hand-crafted features; multi-rank under mpirun or
// srun (each rank embeds its plates).
#include <cstdio>
#include <filesystem>
#include <memory>
#include <optional>
#include <set>
#include <string>

#include "absl/strings/str_cat.h"
#include "core/status_macros.h"
#include "data/plate_store.h"
#include "data/profile_frame_hdf5.h"
#include "data/profile_table.h"
#include "data/screen_split.h"
#include "launch/checkpoint_profiler.h"
#include "launch/command.h"
#include "launch/compute_device.h"
#include "launch/handcrafted_profiler.h"
#include "launch/profile_table_embedding.h"
#include "launch/run_log.h"
#include "launch/training_inputs.h"
#include "launch/well_profiles.h"

namespace micon {
namespace {

namespace fs = std::filesystem;

struct EmbedFlags {
  std::string checkpoint;
  bool handcrafted = false;
  std::string dataset;
  std::string output;
  std::string aggregate = "mean";
  std::string predict;  // "" = held-out when the model can predict
  int64_t images_per_call = 64;
  std::string backend = "auto";
};

// The compounds whose profiles the generator should predict; held-out ones
// are listed in `folder`/screen.json. `choice` was checked by RunEmbed.
absl::StatusOr<std::set<std::string>> CompoundsToPredict(
    const std::string& choice, bool can_predict, const CompoundTable& compounds,
    const fs::path& folder) {
  if (choice == "none" || (choice.empty() && !can_predict)) {
    return std::set<std::string>();
  }
  if (choice == "all") {
    std::set<std::string> all;
    for (const Compound& c : compounds.compounds) all.insert(c.id);
    return all;
  }
  const std::string split = (folder / kScreenSplitFile).string();
  if (choice.empty() && !fs::exists(split)) return std::set<std::string>();
  MICON_ASSIGN_OR_RETURN(ScreenSplit s, ReadScreenSplit(split));
  return s.held_out_compounds;
}

absl::StatusOr<std::unique_ptr<CheckpointProfiler>> ProfilerFor(
    const TrainedModel& trained, int64_t input_size,
    const CompoundTable& compounds, const fs::path& folder,
    DistributedContext& dist, const RunLog& log, CompoundFeatures& features) {
  MICON_ASSIGN_OR_RETURN(
      features,
      FeaturizeForRun(trained.config, compounds,
                      (folder / ".micon-cache").string(), *dist.comm, log));
  MICON_ASSIGN_OR_RETURN(
      const torch::Device device,
      ChooseDevice(trained.config, dist, /*device_collectives=*/false));
  log.Info(absl::StrCat("embedding with ", trained.contents.path, " (",
                        trained.config.objective, ", step ", trained.step,
                        ") on ", device.str()));
  return CheckpointProfiler::Create(trained, input_size, features, device);
}

// A profile model: every rank embeds the whole (small) table.
absl::StatusOr<WellProfiles> EmbedProfiles(const EmbedFlags& flags,
                                           const TrainedModel& trained,
                                           const std::string& dataset,
                                           DistributedContext& dist,
                                           const RunLog& log) {
  MICON_ASSIGN_OR_RETURN(const ProfileTable table, ReadProfileTable(dataset));
  const fs::path folder = fs::path(dataset).parent_path();
  CompoundFeatures features;
  MICON_ASSIGN_OR_RETURN(
      std::unique_ptr<CheckpointProfiler> profiler,
      ProfilerFor(trained, static_cast<int64_t>(table.feature_names.size()),
                  table.compounds, folder, dist, log, features));
  MICON_ASSIGN_OR_RETURN(
      const std::set<std::string> predict,
      CompoundsToPredict(flags.predict, profiler->CanPredict(), table.compounds,
                         folder));
  return EmbedProfileTable(table, *profiler, trained.config.profile_normalize,
                           predict);
}

// Images: a checkpoint's embeddings or hand-crafted features, rank-sharded.
absl::StatusOr<WellProfiles> EmbedPlateStore(
    const EmbedFlags& flags, const std::optional<TrainedModel>& trained,
    const std::string& dataset, Aggregation aggregation,
    DistributedContext& dist, const RunLog& log) {
  MICON_ASSIGN_OR_RETURN(const PlateStore store, OpenPlateStore(dataset));
  const std::vector<std::string>& channels =
      store.plates.front().header.channels;
  std::unique_ptr<ImageProfiler> profiler;
  CompoundFeatures features;  // outlives the profiler that points into it
  WellProfileOptions options;
  options.progress = [&log](const std::string& line) { log.Info(line); };
  options.aggregation = aggregation;
  options.images_per_call = flags.images_per_call;
  if (trained) {
    MICON_ASSIGN_OR_RETURN(
        profiler, ProfilerFor(*trained, static_cast<int64_t>(channels.size()),
                              store.compounds, dataset, dist, log, features));
    options.control_images_for_stats = trained->config.control_images_for_stats;
  } else {
    profiler = std::make_unique<HandcraftedProfiler>(channels);
    log.Info(absl::StrCat("hand-crafted features of ", dataset, ": ",
                          profiler->FeatureNames().size(), " per field"));
  }
  MICON_ASSIGN_OR_RETURN(
      options.predict, CompoundsToPredict(flags.predict, profiler->CanPredict(),
                                          store.compounds, dataset));
  return BuildWellProfiles(store, *profiler, *dist.comm, options);
}

absl::Status RunEmbed(const EmbedFlags& flags, ProcessState& process) {
  if (flags.checkpoint.empty() == !flags.handcrafted) {
    return absl::InvalidArgumentError(
        "give exactly one of --checkpoint CKPT and --handcrafted");
  }
  // Flags first: loading a model and featurising take a while.
  Aggregation aggregation;
  if (!ParseAggregation(flags.aggregate, &aggregation)) {
    return absl::InvalidArgumentError(
        "--aggregate must be mean or median, got '" + flags.aggregate + "'");
  }
  if (!flags.predict.empty() && flags.predict != "held-out" &&
      flags.predict != "all" && flags.predict != "none") {
    return absl::InvalidArgumentError(
        "--predict must be held-out, all or none, got '" + flags.predict + "'");
  }
  std::optional<TrainedModel> trained;
  if (!flags.checkpoint.empty()) {
    MICON_ASSIGN_OR_RETURN(trained, ReadTrainedModel(flags.checkpoint));
  }
  const std::string dataset = !flags.dataset.empty() ? flags.dataset
                              : trained              ? trained->config.dataset
                                                     : "";
  if (dataset.empty()) {
    return absl::InvalidArgumentError("--handcrafted needs --dataset DIR");
  }
  MICON_RETURN_IF_ERROR(StartDistributed(
      trained ? trained->config.backend : flags.backend,
      trained ? trained->config.collective_timeout_seconds : 600, process));
  DistributedContext& dist = *process.dist;
  const RunLog log(dist.rank, dist.world_size);
  WellProfiles profiles;
  if (trained && trained->config.input == "profiles") {
    MICON_ASSIGN_OR_RETURN(profiles,
                           EmbedProfiles(flags, *trained, dataset, dist, log));
  } else {
    MICON_ASSIGN_OR_RETURN(profiles, EmbedPlateStore(flags, trained, dataset,
                                                     aggregation, dist, log));
  }
  if (dist.rank != 0) return absl::OkStatus();

  std::error_code ec;
  fs::create_directories(flags.output, ec);
  if (ec) {
    return absl::PermissionDeniedError(
        absl::StrCat(flags.output, ": cannot create: ", ec.message()));
  }
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
      flags.aggregate.c_str(), predicted.c_str());
  return absl::OkStatus();
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
                  "Communicator for --handcrafted under mpirun (a "
                  "checkpoint uses its run's distributed.backend)")
      ->capture_default_str();
  sub->callback([&run, &process, f] {
    run = [f, &process] { return RunEmbed(*f, process); };
  });
}

}  // namespace micon
