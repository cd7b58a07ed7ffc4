#include "launch/profiles/well_profiles.h"

#include <torch/torch.h>

#include <algorithm>
#include <chrono>
#include <map>
#include <set>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "core/status_macros.h"
#include "data/plate_sharding.h"

namespace micon {
namespace {

// Which rows a plate contributes, derived from its metadata alone so that
// every rank agrees on it without communication.
struct PlateLayout {
  std::vector<std::string> wells;  // sorted
  std::vector<int64_t> well_of_image;
  std::vector<int64_t> images_per_well;
  std::vector<std::string> well_compound;
  std::vector<bool> well_control;
  std::vector<int64_t> control_images;
  std::vector<std::string> predicted;  // sorted
  int64_t rows() const {
    return static_cast<int64_t>(wells.size() + predicted.size());
  }
};

absl::StatusOr<PlateLayout> LayOut(const PlateMetadata& plate,
                                   const std::set<std::string>& predict) {
  PlateLayout layout;
  std::map<std::string, int64_t> index;
  for (const ImageRecord& r : plate.images) index[r.well] = 0;
  for (auto& [well, id] : index) {
    id = static_cast<int64_t>(layout.wells.size());
    layout.wells.push_back(well);
  }
  const size_t wells = layout.wells.size();
  layout.images_per_well.assign(wells, 0);
  layout.well_compound.resize(wells);
  layout.well_control.resize(wells);
  std::set<std::string> treated;
  for (int64_t i = 0; i < plate.num_images(); ++i) {
    const ImageRecord& r = plate.images[static_cast<size_t>(i)];
    const int64_t w = index.at(r.well);
    layout.well_of_image.push_back(w);
    const size_t k = static_cast<size_t>(w);
    if (layout.images_per_well[k]++ == 0) {
      layout.well_compound[k] = r.compound;
      layout.well_control[k] = r.control;
    } else if (layout.well_compound[k] != r.compound ||
               layout.well_control[k] != r.control) {
      return absl::InvalidArgumentError(absl::StrCat(
          plate.path, ": well ", r.well, " holds images of ",
          layout.well_compound[k], " and of ", r.compound,
          " (or mixes control and treated images); a well profile needs one "
          "treatment per well"));
    }
    if (r.control) {
      layout.control_images.push_back(i);
    } else {
      treated.insert(r.compound);
    }
  }
  for (const std::string& c : treated) {
    if (predict.count(c)) layout.predicted.push_back(c);
  }
  return layout;
}

// The plate's rows: its wells' profiles, then its predictions.
// `dim`: the profiler's number of features.
absl::StatusOr<at::Tensor> ProfilePlate(const PlateMetadata& meta,
                                        const PlateLayout& layout,
                                        ImageProfiler& profiler, int64_t dim,
                                        const WellProfileOptions& options) {
  MICON_ASSIGN_OR_RETURN(
      std::unique_ptr<NormalizedPlate> plate,
      NormalizedPlate::Open(meta.path, options.normalization));
  std::vector<torch::Tensor> parts;
  for (int64_t start = 0; start < meta.num_images();
       start += options.images_per_call) {
    std::vector<int64_t> images;
    for (int64_t i = start;
         i < std::min(meta.num_images(), start + options.images_per_call);
         ++i) {
      images.push_back(i);
    }
    MICON_ASSIGN_OR_RETURN(torch::Tensor part,
                           profiler.Describe(*plate, images));
    TORCH_CHECK(part.dim() == 2 &&
                    part.size(0) == static_cast<int64_t>(images.size()) &&
                    part.size(1) == dim,
                "ImageProfiler::Describe returned ", part.sizes(), " for ",
                images.size(), " images of ", dim, " features");
    parts.push_back(part.to(torch::kCPU, torch::kFloat64));
  }
  const torch::Tensor vectors = torch::cat(parts);
  torch::Tensor rows = AggregateByGroup(
      vectors, layout.well_of_image, static_cast<int64_t>(layout.wells.size()),
      options.aggregation);
  if (!layout.predicted.empty()) {
    const torch::Tensor controls = vectors.index_select(
        0, torch::tensor(layout.control_images, torch::kLong));
    MICON_ASSIGN_OR_RETURN(torch::Tensor predicted,
                           profiler.Predict(controls, layout.predicted));
    rows = torch::cat({rows, predicted.to(torch::kCPU, torch::kFloat64)});
  }
  return rows;
}

}  // namespace

absl::Status CheckCanPredict(const ImageProfiler& profiler,
                             const std::set<std::string>& predict) {
  if (predict.empty() || profiler.CanPredict()) return absl::OkStatus();
  return absl::FailedPreconditionError(
      "predicted profiles need a model with a trained counterfactual "
      "generator (loss.objective micon)");
}

std::vector<std::string> EmbeddingFeatureNames(int64_t dim) {
  std::vector<std::string> names;
  for (int64_t k = 0; k < dim; ++k) names.push_back(absl::StrCat("h_", k));
  return names;
}

std::vector<std::string> ProfileColumnNames(bool predicted) {
  namespace pc = profile_columns;
  std::vector<std::string> names = {pc::kSource,  pc::kBatch,    pc::kPlate,
                                    pc::kWell,    pc::kCompound, pc::kSmiles,
                                    pc::kControl, pc::kImages};
  if (predicted) names.push_back(pc::kPredicted);
  return names;
}

std::vector<std::string> CarriedColumnNames(
    const std::vector<std::string>& names) {
  namespace pc = profile_columns;
  const std::string prefix = pc::kMetadataPrefix;
  std::set<std::string> taken;
  for (const std::string& own : ProfileColumnNames(/*predicted=*/true)) {
    taken.insert(own);
  }
  std::vector<std::string> out;
  for (const std::string& name : names) {
    std::string bare =
        absl::StartsWith(name, prefix) ? name.substr(prefix.size()) : name;
    // profiles.h5 names a dataset by each column, and HDF5 reads '/' as a
    // group.
    std::replace(bare.begin(), bare.end(), '/', '_');
    while (taken.count(prefix + bare)) bare = "compound_" + bare;
    out.push_back(prefix + bare);
    taken.insert(out.back());
  }
  return out;
}

ProfileFrame NewProfileFrame(const std::vector<std::string>& feature_names,
                             bool predicted,
                             const std::vector<std::string>& carried) {
  ProfileFrame frame;
  frame.metadata_names = ProfileColumnNames(predicted);
  frame.metadata_names.insert(frame.metadata_names.end(), carried.begin(),
                              carried.end());
  frame.metadata.resize(frame.metadata_names.size());
  frame.feature_names = feature_names;
  return frame;
}

void AddProfileRow(ProfileFrame& frame, const PlateHeader& plate,
                   const std::string& well, const std::string& compound,
                   const CompoundTable& compounds, bool control, int64_t images,
                   const std::vector<std::string>& carried) {
  const Compound* c = compounds.Find(compound);
  std::vector<std::string> values = {plate.source,
                                     plate.batch,
                                     plate.plate,
                                     well,
                                     compound,
                                     c != nullptr ? c->smiles : "",
                                     control ? "1" : "0",
                                     std::to_string(images)};
  if (frame.metadata_names.size() > values.size() &&
      frame.metadata_names[values.size()] == profile_columns::kPredicted) {
    values.push_back("1");
  }
  TORCH_CHECK(values.size() + carried.size() <= frame.metadata.size(),
              "AddProfileRow: ", carried.size(), " carried values for ",
              frame.metadata.size() - values.size(), " carried columns");
  values.insert(values.end(), carried.begin(), carried.end());
  values.resize(frame.metadata.size());
  for (size_t k = 0; k < values.size(); ++k) {
    frame.metadata[k].push_back(std::move(values[k]));
  }
}

absl::StatusOr<at::Tensor> ImageProfiler::Predict(
    const at::Tensor& /*control_vectors*/,
    const std::vector<std::string>& /*compounds*/) {
  return absl::FailedPreconditionError(
      "this profiler has no counterfactual generator to predict with");
}

namespace {

// A plate's rows (its wells', then its predictions), on the rank that holds
// it.
using PlateRows = std::function<absl::StatusOr<torch::Tensor>(
    const PlateMetadata& plate, const PlateLayout& layout)>;

// Rank 0's frames with every row's metadata (a pure function of the store)
// and room for the features (the wells' only when `room_for_wells`).
WellProfiles EmptyWellProfiles(const PlateStore& store,
                               const std::vector<PlateLayout>& layouts,
                               const std::vector<std::string>& names,
                               bool room_for_wells) {
  WellProfiles out;
  const CompoundTable& compounds = store.compounds;
  const std::vector<std::string> carried =
      CarriedColumnNames(compounds.annotation_names);
  out.wells = NewProfileFrame(names, /*predicted=*/false, carried);
  out.predicted = NewProfileFrame(names, /*predicted=*/true, carried);
  const auto annotations = [&](const std::string& id) {
    const Compound* c = compounds.Find(id);
    return c != nullptr ? c->annotations : std::vector<std::string>();
  };
  for (size_t p = 0; p < store.plates.size(); ++p) {
    const PlateLayout& l = layouts[p];
    const PlateHeader& h = store.plates[p].header;
    for (size_t k = 0; k < l.wells.size(); ++k) {
      AddProfileRow(out.wells, h, l.wells[k], l.well_compound[k], compounds,
                    l.well_control[k], l.images_per_well[k],
                    annotations(l.well_compound[k]));
    }
    for (const std::string& c : l.predicted) {
      AddProfileRow(out.predicted, h, "predicted", c, compounds, false,
                    static_cast<int64_t>(l.control_images.size()),
                    annotations(c));
    }
  }
  // A frame's rows are its features' rows: count them from the metadata.
  const int64_t dim = static_cast<int64_t>(names.size());
  const auto rows = [](const ProfileFrame& f) {
    return static_cast<int64_t>(f.metadata.front().size());
  };
  if (room_for_wells) {
    out.wells.features = torch::empty({rows(out.wells), dim}, torch::kFloat64);
  }
  out.predicted.features =
      torch::empty({rows(out.predicted), dim}, torch::kFloat64);
  return out;
}

// Every rank's rows (`mine`: this rank's, by plate, released as they are
// sent) into rank 0's `out`, a block of consecutive plates at a time: a rank
// holds at most one block of the others' rows rather than the whole screen
// (a million wells of 2,560 float64 features are 20 GB). Rank 0 copies each
// block's predictions into place, and its wells into place or, given a
// `sink`, to the sink; a sink's first error stops its rows but not the
// gather, which the other ranks are in too.
absl::Status GatherInBlocks(const std::vector<PlateLayout>& layouts,
                            const std::vector<std::vector<size_t>>& shards,
                            std::map<size_t, torch::Tensor>& mine, int64_t dim,
                            Communicator& comm, int64_t block_bytes,
                            WellRowSink* sink, WellProfiles& out) {
  absl::Status sink_status =
      sink != nullptr ? sink->Start(out.wells) : absl::OkStatus();
  const int rank = comm.rank(), world = comm.world_size();
  const size_t plates = layouts.size();
  std::vector<int> owner(plates, 0);
  for (int r = 0; r < world; ++r) {
    for (size_t p : shards[static_cast<size_t>(r)]) owner[p] = r;
  }
  std::vector<int64_t> well_at(plates), predicted_at(plates);
  for (size_t p = 1; p < plates; ++p) {
    well_at[p] =
        well_at[p - 1] + static_cast<int64_t>(layouts[p - 1].wells.size());
    predicted_at[p] = predicted_at[p - 1] +
                      static_cast<int64_t>(layouts[p - 1].predicted.size());
  }
  const int64_t block_rows = std::max<int64_t>(
      1, block_bytes / std::max<int64_t>(1, dim * int64_t{sizeof(double)}));
  for (size_t first = 0, end = 0; first < plates; first = end) {
    int64_t rows = 0;
    for (end = first; end < plates; ++end) {
      if (end > first && rows + layouts[end].rows() > block_rows) break;
      rows += layouts[end].rows();
    }
    // Each rank's rows of the block, its plates in plate order; the block
    // holds rank 0's, then rank 1's, and so on.
    std::vector<int64_t> counts(static_cast<size_t>(world), 0);
    std::vector<torch::Tensor> parts;
    for (size_t p = first; p < end; ++p) {
      counts[static_cast<size_t>(owner[p])] += layouts[p].rows();
      if (owner[p] == rank) parts.push_back(mine.at(p));
    }
    if (rows == 0) continue;
    const torch::Tensor local = parts.empty()
                                    ? torch::empty({0, dim}, torch::kFloat64)
                                    : torch::cat(parts);
    parts.clear();
    for (size_t p = first; p < end; ++p) mine.erase(p);
    torch::Tensor block = torch::empty({rows, dim}, torch::kFloat64);
    MICON_RETURN_IF_ERROR(comm.AllGatherV(local, block, counts, {})->Wait());
    if (rank != 0) continue;
    std::vector<int64_t> at(static_cast<size_t>(world), 0);
    for (int r = 1; r < world; ++r) {
      at[static_cast<size_t>(r)] =
          at[static_cast<size_t>(r - 1)] + counts[static_cast<size_t>(r - 1)];
    }
    std::vector<torch::Tensor> wells;  // the block's, for the sink
    for (size_t p = first; p < end; ++p) {
      const int64_t n = layouts[p].rows();
      const int64_t w = static_cast<int64_t>(layouts[p].wells.size());
      int64_t& next = at[static_cast<size_t>(owner[p])];
      const torch::Tensor gathered = block.narrow(0, next, n);
      next += n;
      if (sink != nullptr) {
        wells.push_back(gathered.narrow(0, 0, w));
      } else {
        out.wells.features.narrow(0, well_at[p], w)
            .copy_(gathered.narrow(0, 0, w));
      }
      out.predicted.features.narrow(0, predicted_at[p], n - w)
          .copy_(gathered.narrow(0, w, n - w));
    }
    if (sink != nullptr && sink_status.ok()) {
      sink_status = sink->Append(torch::cat(wells));
    }
  }
  return sink_status;
}

// What both kinds of profiler share: every rank computes its shard's rows
// with `plate_rows`, rank 0 gathers them in plate order under micon's
// profile columns.
absl::StatusOr<WellProfiles> GatherWellProfiles(
    const PlateStore& store, const std::vector<std::string>& names,
    const PlateRows& plate_rows, Communicator& comm,
    const WellProfileOptions& options) {
  const int rank = comm.rank(), world = comm.world_size();
  std::vector<PlateLayout> layouts;
  for (const PlateMetadata& p : store.plates) {
    MICON_ASSIGN_OR_RETURN(PlateLayout l, LayOut(p, options.predict));
    layouts.push_back(std::move(l));
  }
  MICON_ASSIGN_OR_RETURN(auto shards, ShardPlates(store.plates, world));

  const int64_t dim = static_cast<int64_t>(names.size());
  std::map<size_t, torch::Tensor> mine;  // this rank's plates' rows
  const std::vector<size_t>& shard = shards[static_cast<size_t>(rank)];
  for (size_t p : shard) {
    const auto start = std::chrono::steady_clock::now();
    absl::StatusOr<torch::Tensor> rows =
        plate_rows(store.plates[p], layouts[p]);
    if (!rows.ok()) {
      return Annotate(rows.status(), absl::StrCat("rank ", rank, "/", world));
    }
    TORCH_CHECK(rows->dim() == 2 && rows->size(0) == layouts[p].rows() &&
                    rows->size(1) == dim,
                "the profiler gave ", rows->sizes(), " for plate ",
                store.plates[p].header.plate, "'s ", layouts[p].rows(),
                " rows of ", dim, " features");
    mine[p] = rows->to(torch::kFloat64).contiguous();
    if (options.progress) {
      options.progress(absl::StrFormat(
          "embedded plate %s (%d/%d of this rank's plates, %d fields, %.1f s)",
          store.plates[p].header.plate, mine.size(), shard.size(),
          store.plates[p].num_images(),
          std::chrono::duration<double>(std::chrono::steady_clock::now() -
                                        start)
              .count()));
    }
  }

  // Rank 0's frames: metadata from the store, features filled block by
  // block.
  WellProfiles out;
  if (rank == 0) {
    out = EmptyWellProfiles(store, layouts, names,
                            /*room_for_wells=*/options.sink == nullptr);
  }
  MICON_RETURN_IF_ERROR(GatherInBlocks(
      layouts, shards, mine, dim, comm, options.gather_block_bytes,
      rank == 0 ? options.sink : nullptr, out));
  return out;
}

}  // namespace

absl::StatusOr<WellProfiles> BuildWellProfiles(
    const PlateStore& store, ImageProfiler& profiler, Communicator& comm,
    const WellProfileOptions& requested) {
  MICON_RETURN_IF_ERROR(CheckCanPredict(profiler, requested.predict));
  if (requested.images_per_call < 1) {
    return absl::InvalidArgumentError("images_per_call must be at least 1");
  }
  WellProfileOptions options = requested;
  MICON_RETURN_IF_ERROR(
      PreparePixelNormalization(store, &options.normalization));
  const std::vector<std::string> names = profiler.FeatureNames();
  const int64_t dim = static_cast<int64_t>(names.size());
  return GatherWellProfiles(
      store, names,
      [&](const PlateMetadata& plate, const PlateLayout& layout) {
        return ProfilePlate(plate, layout, profiler, dim, options);
      },
      comm, options);
}

absl::StatusOr<WellProfiles> BuildWellProfiles(
    const PlateStore& store, WellProfiler& profiler, Communicator& comm,
    const WellProfileOptions& options) {
  if (!options.predict.empty()) {
    return absl::FailedPreconditionError(
        "predicted profiles need a model with a trained counterfactual "
        "generator (loss.objective micon)");
  }
  return GatherWellProfiles(
      store, profiler.FeatureNames(),
      [&](const PlateMetadata& plate,
          const PlateLayout& layout) -> absl::StatusOr<torch::Tensor> {
        std::vector<std::vector<int64_t>> fields(layout.wells.size());
        for (size_t i = 0; i < layout.well_of_image.size(); ++i) {
          fields[static_cast<size_t>(layout.well_of_image[i])].push_back(
              static_cast<int64_t>(i));
        }
        MICON_ASSIGN_OR_RETURN(torch::Tensor rows,
                               profiler.DescribeWells(plate, fields));
        return rows.to(torch::kCPU, torch::kFloat64);
      },
      comm, options);
}

}  // namespace micon
