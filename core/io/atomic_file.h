// atomic_file.h: how micon puts a finished file in place, so that a crash or a
// full disk leaves either the previous file or the new one under the real name,
// never part of one.
//
//   MICON_RETURN_IF_ERROR(WriteFileAtomically("run/compounds.csv", bytes));
//   // or, for files built by a library (HDF5) under a temporary name:
//   MICON_RETURN_IF_ERROR(CommitFile("plates/P1.h5.partial", "plates/P1.h5"));
//
// Commit = fsync the file, rename it over the destination, fsync the folder.
#ifndef MICON_CORE_IO_ATOMIC_FILE_H_
#define MICON_CORE_IO_ATOMIC_FILE_H_

#include <cstdint>
#include <string>

#include "absl/status/status.h"

namespace micon {

// The temporary name micon uses while building `path`.
inline std::string PartialPath(const std::string& path) {
  return path + ".partial";
}

absl::Status CommitFile(const std::string& partial, const std::string& path);
// A write to `partial` failed with `error` (an errno) after `bytes`: removes
// it (a full disk gets its space back) and returns the error for `path`,
// whose previous contents are untouched.
absl::Status AbandonPartialFile(const std::string& partial,
                                const std::string& path, int64_t bytes,
                                int error);
absl::Status WriteFileAtomically(const std::string& path,
                                 const std::string& bytes);

}  // namespace micon

#endif  // MICON_CORE_IO_ATOMIC_FILE_H_
