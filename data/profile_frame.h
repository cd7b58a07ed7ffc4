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
// file, line and column. Nothing is required of the metadata here; the
// evaluation names the columns it needs, and ProfileTable (the trainer's view
// of the same files, profile_table.h) checks micon's columns.
#ifndef MICON_DATA_PROFILE_FRAME_H_
#define MICON_DATA_PROFILE_FRAME_H_

#include <ATen/core/Tensor.h>

#include <functional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace micon {

// micon's profile columns (pycytominer's names), in one place for every
// reader and writer.
namespace profile_columns {
inline constexpr char kSource[] = "Metadata_Source";
inline constexpr char kBatch[] = "Metadata_Batch";
inline constexpr char kPlate[] = "Metadata_Plate";
inline constexpr char kWell[] = "Metadata_Well";
inline constexpr char kSite[] = "Metadata_Site";  // optional
inline constexpr char kCompound[] = "Metadata_Compound";
inline constexpr char kSmiles[] = "Metadata_SMILES";
inline constexpr char kControl[] = "Metadata_Control";
// micon embed's: the fields aggregated into a well, and 1 on predicted rows.
inline constexpr char kImages[] = "Metadata_Images";
inline constexpr char kPredicted[] = "Metadata_Predicted";
inline constexpr char kMetadataPrefix[] = "Metadata_";
}  // namespace profile_columns

struct ProfileFrame {
  std::string path;  // where it was read from, for messages
  std::vector<std::string> metadata_names;
  std::vector<std::vector<std::string>> metadata;  // [column][row]
  std::vector<std::string> feature_names;
  at::Tensor features;  // [rows, features] float64
  // The line of each row in a text file (for messages); empty for HDF5.
  std::vector<int64_t> lines;

  int64_t rows() const;
  // "file:line" for a row read from text, else "file row N" (1-based).
  std::string Where(int64_t row) const;
  // The column's values; the error names the file and lists the metadata
  // columns it has.
  absl::StatusOr<const std::vector<std::string>*> Column(
      const std::string& name) const;
  bool HasColumn(const std::string& name) const;
};

enum class ProfileFrameRead {
  kWhole,
  // Metadata, feature names and lines, but no feature values: `features` is
  // [rows, 0], so rows() counts the rows and nothing of them is held. A
  // reader of some rows (ReadProfileRows) reads this first.
  kIndex,
};

// CSV or TSV, optionally gzip-compressed (data/delimited_table.h), or
// micon's profile HDF5 (a name ending in .h5 or .hdf5; profile_frame_hdf5.h).
absl::StatusOr<ProfileFrame> ReadProfileFrame(
    const std::string& path, ProfileFrameRead what = ProfileFrameRead::kWhole);

// Where one row's features go: `row` is a data row of the file (0-based), and
// `to` has room for its features as float32.
struct RowDestination {
  int64_t row;
  float* to;
};

// float64 features narrowed to float32 as every reader of float32 rows does
// (round to nearest, as torch's .to(kFloat)); returns the end of `to`.
inline float* NarrowToFloat(const double* from, int64_t count, float* to) {
  for (int64_t i = 0; i < count; ++i) to[i] = static_cast<float>(from[i]);
  return to + count;
}

// The features of some rows of the profile file at `path`, narrowed to
// float32 as they are read, each into its destination; the other rows'
// values are never held (a CSV is still read through). `rows` must increase.
// `feature_names` and `file_rows` are what its index read found: a file
// that has changed since is an error, as is a value that is not a finite
// number (naming the file, line or row, and column).
absl::Status ReadProfileRows(const std::string& path,
                             const std::vector<std::string>& feature_names,
                             int64_t file_rows,
                             const std::vector<RowDestination>& rows);
// Every row's features of the profile file at `path`, in order and exact
// (float64), in blocks of at most `block_rows` rows: `on_block(first_row,
// rows)` gets each, [k, features], valid only during the call. So a reader of
// the whole file holds one block, whatever the file's size. `feature_names`
// and `file_rows` are what its index read found, checked as ReadProfileRows
// checks them; an error of `on_block` ends the read and is returned.
using FeatureBlockSink =
    std::function<absl::Status(int64_t first_row, const at::Tensor& rows)>;
absl::Status ReadProfileFeatureBlocks(
    const std::string& path, const std::vector<std::string>& feature_names,
    int64_t file_rows, int64_t block_rows, const FeatureBlockSink& on_block);

// CSV, metadata columns first, then features; or micon's profile HDF5 for a
// name ending in .h5 or .hdf5. Written atomically; for a frame whose rows
// arrive in blocks, profile_frame_writer.h.
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
