// flag_enum.h: a command-line flag's text as one of an enum's values, with
// the error every command gives for a word it does not know.
//
//   MICON_ASSIGN_OR_RETURN(Aggregation a,
//       ParseFlagEnum(kAggregationNames, "--aggregate", flags.aggregate));
//   // "--aggregate must be one of mean, median, got 'mode'"
//
// The words come from the enum's one table (core/enum_names.h), so a flag,
// a configuration key and a log line spell a value alike.
#ifndef MICON_LAUNCH_FLAG_ENUM_H_
#define MICON_LAUNCH_FLAG_ENUM_H_

#include <cstddef>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "core/enum_names.h"

namespace micon {

template <typename E, size_t N>
absl::StatusOr<E> ParseFlagEnum(const EnumName<E> (&names)[N],
                                const std::string& flag,
                                const std::string& text) {
  if (const std::optional<E> value = ParseEnum(names, text)) return *value;
  return absl::InvalidArgumentError(absl::StrCat(
      flag, " must be one of ", EnumChoices(names), ", got '", text, "'"));
}

}  // namespace micon

#endif  // MICON_LAUNCH_FLAG_ENUM_H_
