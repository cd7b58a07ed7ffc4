#include "launch/profiles/profile_table_embedding.h"

#include <torch/torch.h>

#include <chrono>
#include <map>
#include <set>
#include <vector>

#include "absl/strings/str_format.h"
#include "core/status_macros.h"
#include "data/profile_batch_source.h"

namespace micon {
namespace {

// Every row's metadata, known from the table's index and its other metadata
// before any feature is read (a sink starts with it).
ProfileFrame WellMetadata(const ProfileTable& table,
                          const std::vector<std::string>& names,
                          const OtherMetadata& other) {
  ProfileFrame wells = NewProfileFrame(names, /*predicted=*/false,
                                       CarriedColumnNames(other.names));
  std::vector<std::string> carried(other.names.size());
  for (size_t p = 0; p < table.plates.size(); ++p) {
    const PlateMetadata& plate = table.plates[p];
    for (size_t i = 0; i < plate.images.size(); ++i) {
      const ImageRecord& r = plate.images[i];
      const size_t row = static_cast<size_t>(table.file_rows[p][i]);
      for (size_t c = 0; c < carried.size(); ++c) {
        carried[c] = other.values[c][row];
      }
      AddProfileRow(wells, plate.header, r.well, r.compound, table.compounds,
                    r.control, 1, carried);
    }
  }
  return wells;
}

// A predicted row's values of the other metadata: for each column, the value
// every treated row of the compound has (its mechanism, its InChIKey), empty
// where they differ (a well, a concentration).
std::map<std::string, std::vector<std::string>> CompoundValues(
    const ProfileTable& table, const OtherMetadata& other,
    const std::set<std::string>& compounds) {
  std::map<std::string, std::vector<std::string>> values;
  for (size_t p = 0; p < table.plates.size(); ++p) {
    const PlateMetadata& plate = table.plates[p];
    for (size_t i = 0; i < plate.images.size(); ++i) {
      const ImageRecord& r = plate.images[i];
      if (r.control || !compounds.count(r.compound)) continue;
      const size_t row = static_cast<size_t>(table.file_rows[p][i]);
      auto [it, first] = values.try_emplace(r.compound, other.names.size());
      for (size_t c = 0; c < other.names.size(); ++c) {
        const std::string& v = other.values[c][row];
        // Only the first row sets a value, so one cleared on a difference
        // stays empty.
        if (first) {
          it->second[c] = v;
        } else if (it->second[c] != v) {
          it->second[c].clear();
        }
      }
    }
  }
  return values;
}

// What the generator predicts on one plate: each compound of `predict` the
// plate treats (sorted), from its control rows.
struct PlatePredictions {
  std::vector<int64_t> controls;  // rows of the plate
  std::vector<std::string> compounds;
};

PlatePredictions ToPredict(const PlateMetadata& plate,
                           const std::set<std::string>& predict) {
  PlatePredictions out;
  std::set<std::string> treated;
  for (int64_t i = 0; i < plate.num_images(); ++i) {
    const ImageRecord& r = plate.images[static_cast<size_t>(i)];
    if (r.control) {
      out.controls.push_back(i);
    } else if (predict.count(r.compound)) {
      treated.insert(r.compound);
    }
  }
  out.compounds.assign(treated.begin(), treated.end());
  return out;
}

}  // namespace

absl::StatusOr<WellProfiles> EmbedProfileTable(
    ProfileTable& table, ModelProfiler& profiler,
    const ProfileTableEmbedOptions& options) {
  MICON_RETURN_IF_ERROR(CheckCanPredict(profiler, options.predict));
  const std::vector<std::string> names = profiler.FeatureNames();
  WellProfiles out;
  std::map<std::string, std::vector<std::string>> predicted_values;
  std::vector<std::string> carried;
  {
    // Released once copied into the rows, before any feature is read.
    MICON_ASSIGN_OR_RETURN(
        const OtherMetadata other,
        ReadOtherMetadata(table, ProfileColumnNames(/*predicted=*/true)));
    predicted_values = CompoundValues(table, other, options.predict);
    out.wells = WellMetadata(table, names, other);
    carried = CarriedColumnNames(other.names);
  }
  out.predicted = NewProfileFrame(names, /*predicted=*/true, carried);
  if (options.sink != nullptr) {
    MICON_RETURN_IF_ERROR(options.sink->Start(out.wells));
  }
  std::vector<torch::Tensor> wells, predicted;
  const std::vector<std::vector<size_t>> groups =
      PlateReadGroups(table, options.read_bytes);
  size_t plates_done = 0;
  for (const std::vector<size_t>& group : groups) {
    if (group.empty()) continue;
    const auto start = std::chrono::steady_clock::now();
    std::vector<size_t> reading;  // released after the group
    for (const size_t p : group) {
      if (!table.features[p].defined()) reading.push_back(p);
    }
    MICON_RETURN_IF_ERROR(ReadPlateFeatures(reading, table));
    std::vector<torch::Tensor> group_wells;
    int64_t group_rows = 0;
    for (const size_t p : group) {
      const PlateMetadata& plate = table.plates[p];
      const torch::Tensor rows =
          options.standardize ? StandardizeOnControls(table.features[p], plate)
                              : table.features[p];
      const torch::Tensor h = profiler.EmbedRows(rows);
      group_wells.push_back(h.to(torch::kFloat64));
      group_rows += rows.size(0);
      const PlatePredictions to_predict = ToPredict(plate, options.predict);
      if (to_predict.compounds.empty()) continue;
      MICON_ASSIGN_OR_RETURN(
          torch::Tensor rows_predicted,
          profiler.Predict(h.index_select(0, torch::tensor(to_predict.controls,
                                                           torch::kLong)),
                           to_predict.compounds));
      predicted.push_back(rows_predicted.to(torch::kFloat64));
      for (const std::string& c : to_predict.compounds) {
        AddProfileRow(out.predicted, plate.header, "predicted", c,
                      table.compounds, false,
                      static_cast<int64_t>(to_predict.controls.size()),
                      predicted_values[c]);
      }
    }
    for (const size_t p : reading) table.features[p] = torch::Tensor();
    if (options.sink != nullptr) {
      MICON_RETURN_IF_ERROR(options.sink->Append(torch::cat(group_wells)));
    } else {
      wells.insert(wells.end(), group_wells.begin(), group_wells.end());
    }
    plates_done += group.size();
    if (options.progress) {
      options.progress(absl::StrFormat(
          "embedded plates %s … %s (%d/%d, %d rows, %.1f s)",
          table.plates[group.front()].header.plate,
          table.plates[group.back()].header.plate, plates_done,
          table.plates.size(), group_rows,
          std::chrono::duration<double>(std::chrono::steady_clock::now() -
                                        start)
              .count()));
    }
  }
  const int64_t dim = static_cast<int64_t>(names.size());
  if (options.sink == nullptr) {
    out.wells.features = wells.empty() ? torch::empty({0, dim}, torch::kFloat64)
                                       : torch::cat(wells);
  }
  out.predicted.features = predicted.empty()
                               ? torch::empty({0, dim}, torch::kFloat64)
                               : torch::cat(predicted);
  return out;
}

}  // namespace micon
