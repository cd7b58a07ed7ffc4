// hdf5_fields.h: typed reads and writes of the small HDF5 fields the plate
// store uses.
//
// Readers accept what h5py writes for the same Python values: strings
// fixed-length or variable-length, ASCII or UTF-8; integers of any width and
// sign, and h5py's boolean enum. Writers produce what h5py writes by default
// for `str` (variable-length UTF-8). Errors name the field ("dataset /well:
// expected strings, found float"); callers prefix the file.
//
//   MICON_ASSIGN_OR_RETURN(std::vector<std::string> wells,
//                          ReadStringDataset(file, "well"));
#ifndef MICON_DATA_HDF5_FIELDS_H_
#define MICON_DATA_HDF5_FIELDS_H_

#include <hdf5.h>

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "data/hdf5_id.h"

namespace micon {

// Opens dataset `name` under `loc` with dataset access properties `access`;
// NotFound names it when absent.
absl::StatusOr<Hdf5Id> OpenDataset(hid_t loc, const std::string& name,
                                   hid_t access = H5P_DEFAULT);
// The extent of a dataset or attribute's dataspace (empty for a scalar).
absl::StatusOr<std::vector<hsize_t>> DatasetDims(hid_t dataset,
                                                 const std::string& name);

// The file and memory dataspaces selecting element `index` of a dataset's
// leading axis (one image of /images), for H5Dread/H5Dwrite.
struct Hdf5Slice {
  Hdf5Id file_space;
  Hdf5Id memory_space;
};
absl::StatusOr<Hdf5Slice> SelectLeadingSlice(hid_t dataset, hsize_t index,
                                             const std::string& what);

// Every reader checks the sizes a file claims before it allocates for them.
// A damaged dataspace or type is an error naming the field, not an
// allocation of what it claims. The limits:
// - a 1-D dataset (strings, integers): kMaxHdf5Entries, 2^25 (a plate holds
//   at most 2^24 images; a profile table of 10^7 wells fits);
// - a string attribute: kMaxHdf5AttributeStrings entries (attributes live in
//   an object header of at most 64 KiB);
// - fixed-length strings: kMaxHdf5StringWidth bytes each,
//   kMaxHdf5StringBytes in all;
// - a float dataset: kMaxHdf5Values (1 GiB as float32), and exactly the count
//   its caller expects.
inline constexpr int64_t kMaxHdf5Entries = int64_t{1} << 25;
inline constexpr int64_t kMaxHdf5AttributeStrings = int64_t{1} << 16;
inline constexpr int64_t kMaxHdf5StringWidth = int64_t{1} << 16;
inline constexpr int64_t kMaxHdf5StringBytes = int64_t{1} << 30;
inline constexpr int64_t kMaxHdf5Values = int64_t{1} << 28;

absl::StatusOr<std::vector<std::string>> ReadStringDataset(
    hid_t loc, const std::string& name);
absl::StatusOr<std::vector<int64_t>> ReadIntegerDataset(
    hid_t loc, const std::string& name);
// All of a numeric dataset as float, which must hold exactly
// `expected_values` (the caller knows its shape from elsewhere).
absl::StatusOr<std::vector<float>> ReadFloatDataset(hid_t loc,
                                                    const std::string& name,
                                                    int64_t expected_values);
absl::StatusOr<std::string> ReadStringAttribute(hid_t obj,
                                                const std::string& name);
absl::StatusOr<std::vector<std::string>> ReadStringArrayAttribute(
    hid_t obj, const std::string& name);

// Writes `path` atomically (hdf5_partial_file.h): `body` fills a new file at
// PartialPath(path), which is renamed into place only when `body` and the
// close succeed, and removed otherwise.
absl::Status WriteHdf5File(const std::string& path,
                           const std::function<absl::Status(hid_t)>& body);

absl::Status WriteStringDataset(hid_t loc, const std::string& name,
                                const std::vector<std::string>& values);
// `mem_type` is the native type of `data` (e.g. H5T_NATIVE_INT32); the file
// gets the same type in little-endian standard form.
absl::Status WriteNumericDataset(hid_t loc, const std::string& name,
                                 hid_t mem_type,
                                 const std::vector<hsize_t>& dims,
                                 const void* data);
absl::Status WriteStringAttribute(hid_t obj, const std::string& name,
                                  const std::string& value);
absl::Status WriteStringArrayAttribute(hid_t obj, const std::string& name,
                                       const std::vector<std::string>& values);

}  // namespace micon

#endif  // MICON_DATA_HDF5_FIELDS_H_
