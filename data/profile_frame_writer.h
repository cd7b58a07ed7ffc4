// profile_frame_writer.h: a profile file written as its feature rows arrive,
// so that the writer of a large screen never holds the feature matrix (a
// million wells of the reference's 10,240 per-channel ResNet-101 features are
// 82 GB of float64), only the rows' metadata and one block.
//
//   // wells: the metadata columns of every row, known before any feature.
//   MICON_ASSIGN_OR_RETURN(std::unique_ptr<ProfileFrameWriter> out,
//       ProfileFrameWriter::Open("profiles.csv", wells, rows, names));
//   for (...) MICON_RETURN_IF_ERROR(out->Append(block));  // [k, features]
//   MICON_RETURN_IF_ERROR(out->Commit());
//
// The file is the one WriteProfileFrame writes for the whole frame: CSV
// (metadata columns, then features, 17 significant digits), or micon's
// profile HDF5 (profile_frame_hdf5.h) for a name ending in .h5 or .hdf5. It
// is built under a temporary name and put in place by Commit; a writer
// destroyed uncommitted, or one whose write failed, removes it and leaves any
// previous file untouched.
#ifndef MICON_DATA_PROFILE_FRAME_WRITER_H_
#define MICON_DATA_PROFILE_FRAME_WRITER_H_

#include <ATen/core/Tensor.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "data/profile_frame.h"

namespace micon {

class ProfileFrameWriter {
 public:
  // The rows are `metadata`'s metadata columns (each of `rows` values); its
  // feature names and features are not read. `metadata` is read until the
  // last Append and must stay alive and unchanged until then.
  static absl::StatusOr<std::unique_ptr<ProfileFrameWriter>> Open(
      const std::string& path, const ProfileFrame& metadata, int64_t rows,
      std::vector<std::string> feature_names);
  virtual ~ProfileFrameWriter() = default;

  // The features of the next rows: [k, feature names], any floating dtype.
  // More rows than announced is an error naming the file.
  absl::Status Append(const at::Tensor& rows);
  // Every row appended: puts the file in place.
  absl::Status Commit();

  const std::string& path() const { return path_; }
  int64_t rows_written() const { return written_; }

 protected:
  ProfileFrameWriter(std::string path, const ProfileFrame& metadata,
                     int64_t rows, std::vector<std::string> feature_names);
  // `values`: rows [first, first + count) of the file, row-major float64.
  virtual absl::Status WriteRows(int64_t first, int64_t count,
                                 const double* values) = 0;
  virtual absl::Status Finish() = 0;

  const ProfileFrame& metadata() const { return metadata_; }
  const std::vector<std::string>& feature_names() const {
    return feature_names_;
  }
  int64_t rows() const { return rows_; }

 private:
  std::string path_;
  const ProfileFrame& metadata_;
  int64_t rows_;
  std::vector<std::string> feature_names_;
  int64_t written_ = 0;
  absl::Status failed_;  // the first error: later calls repeat it
};

// The CSV writer; Open picks it for every name that is not HDF5.
absl::StatusOr<std::unique_ptr<ProfileFrameWriter>> OpenProfileFrameCsvWriter(
    const std::string& path, const ProfileFrame& metadata, int64_t rows,
    std::vector<std::string> feature_names);

}  // namespace micon

#endif  // MICON_DATA_PROFILE_FRAME_WRITER_H_
