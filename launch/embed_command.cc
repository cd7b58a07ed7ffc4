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
#include "data/screen_split.h"
#include "launch/checkpoint_profiler.h"
#include "launch/command.h"
#include "launch/compute_device.h"
#include "launch/handcrafted_profiler.h"
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

// The compounds whose profiles the generator should predict.
absl::StatusOr<std::set<std::string>> CompoundsToPredict(
    const std::string& choice, bool can_predict, const PlateStore& store) {
  if (choice == "none" || (choice.empty() && !can_predict)) {
    return std::set<std::string>();
  }
  if (choice == "all") {
    std::set<std::string> all;
    for (const Compound& c : store.compounds.compounds) all.insert(c.id);
    return all;
  }
  if (choice != "held-out" && !choice.empty()) {
    return absl::InvalidArgumentError(
        "--predict must be held-out, all or none, got '" + choice + "'");
  }
  const std::string split = (fs::path(store.root) / kScreenSplitFile).string();
  if (choice.empty() && !fs::exists(split)) return std::set<std::string>();
  MICON_ASSIGN_OR_RETURN(ScreenSplit s, ReadScreenSplit(split));
  return s.held_out_compounds;
}

absl::Status RunEmbed(const EmbedFlags& flags, ProcessState& process) {
  if (flags.checkpoint.empty() == !flags.handcrafted) {
    return absl::InvalidArgumentError(
        "give exactly one of --checkpoint CKPT and --handcrafted");
  }
  Aggregation aggregation;
  if (!ParseAggregation(flags.aggregate, &aggregation)) {
    return absl::InvalidArgumentError(
        "--aggregate must be mean or median, got '" + flags.aggregate + "'");
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
  MICON_ASSIGN_OR_RETURN(const PlateStore store, OpenPlateStore(dataset));
  const std::vector<std::string>& channels =
      store.plates.front().header.channels;

  std::unique_ptr<ImageProfiler> profiler;
  CompoundFeatures features;  // outlives the profiler that points into it
  if (trained) {
    MICON_ASSIGN_OR_RETURN(
        features, FeaturizeForRun(trained->config, store.compounds,
                                  (fs::path(dataset) / ".micon-cache").string(),
                                  *dist.comm, log));
    MICON_ASSIGN_OR_RETURN(
        const torch::Device device,
        ChooseDevice(trained->config, dist, /*device_collectives=*/false));
    MICON_ASSIGN_OR_RETURN(
        profiler,
        CheckpointProfiler::Create(
            *trained, static_cast<int64_t>(channels.size()), features, device));
    log.Info(absl::StrCat("embedding ", dataset, " with ", flags.checkpoint,
                          " (", trained->config.objective, ", step ",
                          trained->step, ") on ", device.str()));
  } else {
    profiler = std::make_unique<HandcraftedProfiler>(channels);
    log.Info(absl::StrCat("hand-crafted features of ", dataset, ": ",
                          profiler->FeatureNames().size(), " per field"));
  }
  WellProfileOptions options;
  options.aggregation = aggregation;
  options.images_per_call = flags.images_per_call;
  if (trained) {
    options.control_images_for_stats = trained->config.control_images_for_stats;
  }
  MICON_ASSIGN_OR_RETURN(
      options.predict,
      CompoundsToPredict(flags.predict, profiler->CanPredict(), store));
  MICON_ASSIGN_OR_RETURN(
      WellProfiles profiles,
      BuildWellProfiles(store, *profiler, *dist.comm, options));
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
      "Well profiles of a plate store: a checkpoint's image embeddings h "
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
                  "Plate store (default: the checkpoint's data.dataset)");
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
