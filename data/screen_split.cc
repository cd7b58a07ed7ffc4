#include "data/screen_split.h"

#include <fstream>
#include <nlohmann/json.hpp>

namespace micon {

absl::StatusOr<ScreenSplit> ReadScreenSplit(const std::string& path) {
  std::ifstream in(path);
  if (!in) {
    return absl::NotFoundError(path + ": cannot open the screen's split");
  }
  const nlohmann::json j = nlohmann::json::parse(in, nullptr, false);
  if (j.is_discarded() || !j.is_object()) {
    return absl::InvalidArgumentError(path + ": not a JSON object");
  }
  ScreenSplit split;
  const std::pair<const char*, std::set<std::string>*> lists[] = {
      {"train_plates", &split.train_plates},
      {"held_out_plates", &split.held_out_plates},
      {"held_out_compounds", &split.held_out_compounds}};
  for (const auto& [name, out] : lists) {
    if (!j.contains(name) || !j[name].is_array()) {
      return absl::InvalidArgumentError(path + ": field '" + name +
                                        "' must be a list of names");
    }
    for (const nlohmann::json& item : j[name]) {
      if (!item.is_string()) {
        return absl::InvalidArgumentError(path + ": field '" + name +
                                          "' holds a non-string");
      }
      out->insert(item.get<std::string>());
    }
  }
  if (split.train_plates.empty()) {
    return absl::InvalidArgumentError(path + ": train_plates is empty");
  }
  return split;
}

}  // namespace micon
