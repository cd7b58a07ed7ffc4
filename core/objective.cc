#include "core/objective.h"

namespace micon {

absl::StatusOr<Objective> ParseObjective(const std::string& name) {
  for (Objective o : {Objective::kMicon, Objective::kPaclr, Objective::kSimclr,
                      Objective::kClip}) {
    if (name == ObjectiveName(o)) return o;
  }
  return absl::InvalidArgumentError(
      "unknown objective '" + name +
      "' (expected micon, paclr, simclr or clip)");
}

const char* ObjectiveName(Objective objective) {
  switch (objective) {
    case Objective::kMicon:
      return "micon";
    case Objective::kPaclr:
      return "paclr";
    case Objective::kSimclr:
      return "simclr";
    case Objective::kClip:
      return "clip";
  }
  return "?";
}

}  // namespace micon
