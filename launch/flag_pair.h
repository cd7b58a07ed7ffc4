// flag_pair.h: a command-line flag's KEY=VALUE text as its two parts, with the
// error every command gives for text of another shape.
//
//   MICON_ASSIGN_OR_RETURN(auto controls,
//       ParseFlagPair("--controls", "COLUMN=VALUE", flags.controls));
//   // "--controls must be COLUMN=VALUE, got 'Metadata_Control'"
//
// The value may be empty and may hold '='; the key may not be empty.
#ifndef MICON_LAUNCH_FLAG_PAIR_H_
#define MICON_LAUNCH_FLAG_PAIR_H_

#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace micon {

inline absl::StatusOr<std::pair<std::string, std::string>> ParseFlagPair(
    const std::string& flag, const std::string& shape,
    const std::string& text) {
  const std::vector<std::string> parts =
      absl::StrSplit(text, absl::MaxSplits('=', 1));
  if (parts.size() != 2 || parts[0].empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat(flag, " must be ", shape, ", got '", text, "'"));
  }
  return std::make_pair(parts[0], parts[1]);
}

}  // namespace micon

#endif  // MICON_LAUNCH_FLAG_PAIR_H_
