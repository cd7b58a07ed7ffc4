// profile_frame.h: any table of profiles as evaluation sees it: metadata
// columns as text plus a float64 feature matrix, like a pandas DataFrame that
// pycytominer and copairs read.
//
//   MICON_ASSIGN_OR_RETURN(ProfileFrame f, ReadProfileFrame("p.csv.gz"));
//   MICON_ASSIGN_OR_RETURN(auto keys, GroupKeys(f, {"Metadata_broad_sample"}));
//   MICON_RETURN_IF_ERROR(WriteProfileFrame(f, "out.csv"));
//
// Columns whose name starts with "Metadata_" are metadata, every other column
// is a feature (pycytominer's convention), whatever else the file holds:
// micon's own profile files and imported CellProfiler profiles read alike. A
// feature value that is empty or not a finite number is an error naming the
// file, line and column. Unlike ProfileTable (the trainer's input), nothing is
// required of the metadata; the evaluation names the columns it needs.
#ifndef MICON_DATA_PROFILE_FRAME_H_
#define MICON_DATA_PROFILE_FRAME_H_

#include <ATen/core/Tensor.h>

#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace micon {

struct ProfileFrame {
  std::string path;  // where it was read from, for messages
  std::vector<std::string> metadata_names;
  std::vector<std::vector<std::string>> metadata;  // [column][row]
  std::vector<std::string> feature_names;
  at::Tensor features;  // [rows, features] float64

  int64_t rows() const;
  // The column's values; the error names the file and lists the metadata
  // columns it has.
  absl::StatusOr<const std::vector<std::string>*> Column(
      const std::string& name) const;
  bool HasColumn(const std::string& name) const;
};

// CSV or TSV, optionally gzip-compressed (data/delimited_table.h), or
// micon's profile HDF5 (a name ending in .h5 or .hdf5; profile_frame_hdf5.h).
absl::StatusOr<ProfileFrame> ReadProfileFrame(const std::string& path);
// CSV (written atomically): metadata columns first, then features.
absl::Status WriteProfileFrame(const ProfileFrame& frame,
                               const std::string& path);

// One key per row: the values of `columns` joined, so that rows with equal
// values (empty ones included) share a key. Readable: "BRD-K1, 10.0".
absl::StatusOr<std::vector<std::string>> GroupKeys(
    const ProfileFrame& frame, const std::vector<std::string>& columns);

// The rows of `frame` where `keep[row]` is true, in order.
ProfileFrame SelectRows(const ProfileFrame& frame,
                        const std::vector<bool>& keep);

// The rows of `a`, then those of `b`. Both must have the same features in the
// same order (an error names both files otherwise); the metadata columns are
// the union (a's, then b's new ones), empty where a frame lacks one.
absl::StatusOr<ProfileFrame> ConcatenateRows(const ProfileFrame& a,
                                             const ProfileFrame& b);

}  // namespace micon

#endif  // MICON_DATA_PROFILE_FRAME_H_
