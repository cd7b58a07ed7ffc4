// status_macros.h: early-return helpers for absl::Status / absl::StatusOr.
//
// Debian's Abseil (20220623) does not ship ABSL_RETURN_IF_ERROR, so micon keeps
// its own:
//
//   absl::StatusOr<Plate> Open(const std::string& path) {
//     MICON_RETURN_IF_ERROR(CheckExists(path));
//     MICON_ASSIGN_OR_RETURN(Hdf5Id file, OpenFile(path));
//     ...
//   }
#ifndef MICON_CORE_STATUS_MACROS_H_
#define MICON_CORE_STATUS_MACROS_H_

#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

#define MICON_STATUS_CONCAT_INNER_(a, b) a##b
#define MICON_STATUS_CONCAT_(a, b) MICON_STATUS_CONCAT_INNER_(a, b)

#define MICON_RETURN_IF_ERROR(expr)                \
  do {                                             \
    ::absl::Status micon_status_ = (expr);         \
    if (!micon_status_.ok()) return micon_status_; \
  } while (false)

#define MICON_ASSIGN_OR_RETURN(lhs, expr)                                      \
  MICON_ASSIGN_OR_RETURN_IMPL_(MICON_STATUS_CONCAT_(micon_or_, __LINE__), lhs, \
                               expr)

#define MICON_ASSIGN_OR_RETURN_IMPL_(tmp, lhs, expr) \
  auto tmp = (expr);                                 \
  if (!tmp.ok()) return std::move(tmp).status();     \
  lhs = std::move(tmp).value()

namespace micon {

// Prefixes a non-OK status's message with context ("plates/P1.h5: "), keeping
// its code.
inline absl::Status Annotate(const absl::Status& status,
                             absl::string_view context) {
  if (status.ok()) return status;
  return absl::Status(status.code(), std::string(context) + ": " +
                                         std::string(status.message()));
}

}  // namespace micon

#endif  // MICON_CORE_STATUS_MACROS_H_
