#include "launch/profiles/profile_table_embedding.h"

#include <torch/torch.h>

#include <vector>

#include "core/status_macros.h"
#include "data/profile_batch_source.h"

namespace micon {

absl::StatusOr<WellProfiles> EmbedProfileTable(
    const ProfileTable& table, ModelProfiler& profiler, bool standardize,
    const std::set<std::string>& predict) {
  MICON_RETURN_IF_ERROR(CheckCanPredict(profiler, predict));
  const std::vector<std::string> names = profiler.FeatureNames();
  WellProfiles out;
  out.wells = NewProfileFrame(names, /*predicted=*/false);
  out.predicted = NewProfileFrame(names, /*predicted=*/true);
  std::vector<torch::Tensor> wells, predicted;
  for (size_t p = 0; p < table.plates.size(); ++p) {
    const PlateMetadata& plate = table.plates[p];
    const torch::Tensor rows =
        standardize ? StandardizeOnControls(table.features[p], plate)
                    : table.features[p];
    const torch::Tensor h = profiler.EmbedRows(rows);
    wells.push_back(h.to(torch::kFloat64));
    std::vector<int64_t> controls;
    std::set<std::string> treated;
    for (int64_t i = 0; i < plate.num_images(); ++i) {
      const ImageRecord& r = plate.images[static_cast<size_t>(i)];
      AddProfileRow(out.wells, plate.header, r.well, r.compound,
                    table.compounds, r.control, 1);
      if (r.control) {
        controls.push_back(i);
      } else if (predict.count(r.compound)) {
        treated.insert(r.compound);
      }
    }
    if (treated.empty()) continue;
    const std::vector<std::string> compounds(treated.begin(), treated.end());
    MICON_ASSIGN_OR_RETURN(
        torch::Tensor rows_predicted,
        profiler.Predict(
            h.index_select(0, torch::tensor(controls, torch::kLong)),
            compounds));
    predicted.push_back(rows_predicted.to(torch::kFloat64));
    for (const std::string& c : compounds) {
      AddProfileRow(out.predicted, plate.header, "predicted", c,
                    table.compounds, false,
                    static_cast<int64_t>(controls.size()));
    }
  }
  out.wells.features = torch::cat(wells);
  out.predicted.features =
      predicted.empty() ? torch::empty({0, static_cast<int64_t>(names.size())},
                                       torch::kFloat64)
                        : torch::cat(predicted);
  return out;
}

}  // namespace micon
