// screen_split.h: which plates and compounds of a screen are for training and
// which are held out for evaluation, as `micon synth` records them in
// screen.json (other datasets may carry the same three lists).
//
//   MICON_ASSIGN_OR_RETURN(ScreenSplit split,
//                          ReadScreenSplit("ds/screen.json"));
//   if (split.IsHeldOutCompound(id)) ...
#ifndef MICON_DATA_SCREEN_SPLIT_H_
#define MICON_DATA_SCREEN_SPLIT_H_

#include <set>
#include <string>

#include "absl/status/statusor.h"

namespace micon {

inline constexpr char kScreenSplitFile[] = "screen.json";

struct ScreenSplit {
  std::set<std::string> train_plates;
  std::set<std::string> held_out_plates;
  std::set<std::string> held_out_compounds;

  bool IsHeldOutCompound(const std::string& id) const {
    return held_out_compounds.count(id) > 0;
  }
};

// Errors name the file and the missing or malformed list.
absl::StatusOr<ScreenSplit> ReadScreenSplit(const std::string& path);

}  // namespace micon

#endif  // MICON_DATA_SCREEN_SPLIT_H_
