#include "launch/train/training_inputs.h"

#include <torch/torch.h>

#include <map>

#include "absl/strings/str_cat.h"
#include "core/status_macros.h"
#include "data/batch_loader.h"
#include "data/concatenated_batch_source.h"
#include "data/data_quality.h"
#include "data/plate_sharding.h"
#include "data/profile_batch_source.h"
#include "launch/train/component_options.h"
#include "launch/train/compound_featurization.h"

namespace micon {

absl::StatusOr<Dataset> OpenRunDataset(const TrainConfig& config,
                                       const std::string& path) {
  MICON_ASSIGN_OR_RETURN(Dataset dataset, OpenDataset(path));
  const DatasetKind wanted = config.images() ? DatasetKind::kPlateStore
                             : config.embeddings()
                                 ? DatasetKind::kEmbeddingStore
                                 : DatasetKind::kProfileTable;
  if (dataset.kind != wanted) {
    return absl::InvalidArgumentError(absl::StrCat(
        path, " is a ", EnumText(kDatasetKindNames, dataset.kind),
        ", but data.input ", EnumText(kInputKindNames, config.model.spec.input),
        " reads a ", EnumText(kDatasetKindNames, wanted),
        " (a folder of plates/*.h5 for images, a profile CSV or HDF5 file "
        "for profiles, the output folder of `micon embed --per-channel` "
        "for embeddings)"));
  }
  return dataset;
}

namespace {

// Rank 0 lists the findings; every rank fails alike on a fatal one.
absl::Status ReportFindings(const std::string& dataset,
                            const std::vector<QualityFinding>& findings,
                            bool strict, const RunLog& log) {
  if (log.is_root()) {
    for (const QualityFinding& f : findings) log.Warning(f.message);
  }
  if (!AnyFatal(findings, strict)) return absl::OkStatus();
  return absl::FailedPreconditionError(absl::StrCat(
      dataset, ": ", findings.size(),
      " data-quality finding(s), listed above, and data.strict makes them "
      "errors (`micon inspect --strict` checks every image too)"));
}

}  // namespace

absl::StatusOr<TrainingInputs> PrepareTrainingInputs(
    const TrainConfig& config, const c10::Device& device, Communicator& comm,
    const SamplerState& start, const RunLog& log, StartupTimeline& timeline) {
  const int rank = comm.rank(), world = comm.world_size();
  MICON_ASSIGN_OR_RETURN(const Dataset dataset,
                         OpenRunDataset(config, config.data.dataset));
  absl::StatusOr<DatasetSelection> split =
      SelectSplit(dataset, config.data.split);
  if (!split.ok()) {
    return absl::Status(
        split.status().code(),
        absl::StrCat("data.split is ",
                     EnumText(kDatasetSplitNames, config.data.split), ": ",
                     split.status().message(),
                     " (set data.split: all to train on every plate)"));
  }
  const Dataset selected = dataset.WithPlates(split->plates);
  timeline.Mark("dataset index");

  MICON_ASSIGN_OR_RETURN(
      CompoundFeatures features,
      FeaturizeOnAllRanks(dataset.compounds(), config.molecule,
                          dataset.paths.cache, comm, log));
  std::map<std::string, int64_t> labels;
  for (size_t i = 0; i < features.ids.size(); ++i) {
    if (!split->held_out_compounds.count(features.ids[i])) {
      labels[features.ids[i]] = static_cast<int64_t>(i);
    }
  }
  torch::Tensor molecules =
      torch::from_blob(features.values.data(),
                       {static_cast<int64_t>(features.ids.size()),
                        static_cast<int64_t>(features.dimension)},
                       torch::kFloat)
          .clone();
  timeline.Mark("compound features");

  const std::vector<PlateMetadata>& plates = selected.plates();
  MICON_RETURN_IF_ERROR(ReportFindings(config.data.dataset,
                                       CheckReplicateWells(plates),
                                       config.data.strict, log));
  timeline.Mark("replicate check");
  const int64_t emulated = config.distributed.emulate_ranks;
  if (emulated > 1 && world > 1) {
    return absl::InvalidArgumentError(absl::StrCat(
        "distributed.emulate_ranks is ", emulated, " on ", world,
        " ranks: it emulates ranks in one process, so it needs world 1"));
  }
  const int shard_world = emulated > 1 ? static_cast<int>(emulated) : world;
  MICON_ASSIGN_OR_RETURN(auto shards, ShardPlates(plates, shard_world));
  timeline.Mark("sharding");
  // A profile table's features: this process's plates only (every shard's
  // when it emulates the ranks), so no rank holds the others' rows.
  ProfileTable table = selected.table;
  if (!config.images() && !config.embeddings()) {
    std::vector<size_t> needed;
    for (int r = 0; r < shard_world; ++r) {
      if (emulated > 1 || r == rank) {
        const std::vector<size_t>& mine = shards[static_cast<size_t>(r)];
        needed.insert(needed.end(), mine.begin(), mine.end());
      }
    }
    MICON_RETURN_IF_ERROR(ReadPlateFeatures(needed, table));
    timeline.Mark("profile features");
  }

  TrainingInputs inputs;
  inputs.dimensions.molecule_features = features.dimension;
  int64_t total_images = 0;
  for (const PlateMetadata& p : plates) total_images += p.num_images();
  inputs.dimensions.sample_width =
      config.images() || config.embeddings()
          ? plates.front().header.num_channels()
          : static_cast<int64_t>(selected.table.feature_names.size());
  if (config.embeddings()) {
    inputs.dimensions.embedding_width = dataset.embedding_dim;
    inputs.dimensions.channel_names = plates.front().header.channels;
  }
  // The source rank `r` of `shard_world` reads: its shard, its streams.
  auto source_of = [&](int r) -> absl::StatusOr<std::unique_ptr<BatchSource>> {
    const std::vector<size_t>& mine = shards[static_cast<size_t>(r)];
    MICON_ASSIGN_OR_RETURN(
        BatchSampler sampler,
        BatchSampler::Create(plates, mine, labels,
                             SamplerOptionsFor(config, r, shard_world)));
    MICON_RETURN_IF_ERROR(sampler.Restore(start));
    if (config.images()) {
      LoaderOptions loader = LoaderOptionsFor(config, device);
      // Dataset statistics come from the whole screen, as `micon embed`
      // takes them, not from the training split.
      MICON_RETURN_IF_ERROR(
          PreparePixelNormalization(dataset.store, &loader.normalization));
      return BatchLoader::Create(selected.store, mine, molecules,
                                 std::move(sampler), loader);
    }
    if (config.embeddings()) {
      return WellEmbeddingSource::Create(plates, mine, molecules,
                                         std::move(sampler),
                                         WellSourceOptionsFor(config));
    }
    return ProfileBatchSource::Create(table, mine, molecules,
                                      std::move(sampler),
                                      ProfileSourceOptionsFor(config));
  };
  if (emulated > 1) {
    std::vector<std::unique_ptr<BatchSource>> parts;
    for (int r = 0; r < shard_world; ++r) {
      MICON_ASSIGN_OR_RETURN(std::unique_ptr<BatchSource> part, source_of(r));
      parts.push_back(std::move(part));
    }
    MICON_ASSIGN_OR_RETURN(inputs.source,
                           ConcatenatedBatchSource::Create(std::move(parts)));
    log.Info(
        absl::StrCat("distributed.emulate_ranks: each step trains on the "
                     "concatenated batches of ",
                     emulated, " emulated ranks"));
  } else {
    MICON_ASSIGN_OR_RETURN(inputs.source, source_of(rank));
  }
  timeline.Mark(config.images() ? "pixel statistics and loader" : "source");
  inputs.summary = absl::StrCat(
      config.data.dataset, ": ", plates.size(), " plates, ", total_images,
      config.images()       ? " images, "
      : config.embeddings() ? " fields, "
                            : " profiles, ",
      labels.size(), " training compounds (", split->held_out_compounds.size(),
      " held out); rank 0 reads ", shards[0].size(), " plates");
  return inputs;
}

}  // namespace micon
