#include "launch/profiles/predicted_compounds.h"

#include <filesystem>

#include "core/status_macros.h"
#include "data/screen_split.h"

namespace micon {

absl::StatusOr<std::set<std::string>> CompoundsToPredict(
    PredictChoice choice, bool can_predict, const Dataset& dataset) {
  const bool by_default = choice == PredictChoice::kDefault;
  if (choice == PredictChoice::kNone || (by_default && !can_predict)) {
    return std::set<std::string>();
  }
  if (choice == PredictChoice::kAll) {
    std::set<std::string> all;
    for (const Compound& c : dataset.compounds().compounds) all.insert(c.id);
    return all;
  }
  if (by_default && !std::filesystem::exists(dataset.paths.split)) {
    return std::set<std::string>();
  }
  MICON_ASSIGN_OR_RETURN(const ScreenSplit split,
                         ReadScreenSplit(dataset.paths.split));
  return split.held_out_compounds;
}

}  // namespace micon
