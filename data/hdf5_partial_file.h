// hdf5_partial_file.h: an HDF5 file built under its temporary name and put in
// place only when finished (core/io/atomic_file.h), for writers that fill it
// over many calls (a plate's images, a profile table's rows as they arrive).
//
//   MICON_ASSIGN_OR_RETURN(Hdf5PartialFile file,
//                          Hdf5PartialFile::Create("profiles.h5"));
//   ... H5Dcreate2(file.get(), ...), H5Dwrite ... (close them before Commit)
//   MICON_RETURN_IF_ERROR(file.Commit());
//
// Destroyed uncommitted (an error on the way), it closes the file and removes
// the temporary one, so a failed write neither leaves the real name half
// written nor fills the disk with an abandoned file.
#ifndef MICON_DATA_HDF5_PARTIAL_FILE_H_
#define MICON_DATA_HDF5_PARTIAL_FILE_H_

#include <hdf5.h>

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "data/hdf5_id.h"

namespace micon {

class Hdf5PartialFile {
 public:
  // Creates (truncates) PartialPath(path); an error names that file.
  static absl::StatusOr<Hdf5PartialFile> Create(const std::string& path);
  Hdf5PartialFile(Hdf5PartialFile&& other) noexcept;
  Hdf5PartialFile& operator=(Hdf5PartialFile&&) = delete;
  Hdf5PartialFile(const Hdf5PartialFile&) = delete;
  Hdf5PartialFile& operator=(const Hdf5PartialFile&) = delete;
  ~Hdf5PartialFile();

  hid_t get() const { return file_.get(); }
  const std::string& path() const { return path_; }
  // The temporary name, for the messages of what is written into it.
  const std::string& partial_path() const { return partial_; }
  // Flushes and closes the file (every dataset of it closed first), then
  // renames it over `path`. On error the temporary file is removed.
  absl::Status Commit();

 private:
  Hdf5PartialFile(std::string path, std::string partial, Hdf5Id file);
  void Discard();

  std::string path_, partial_;
  Hdf5Id file_;
  bool committed_ = false;
};

}  // namespace micon

#endif  // MICON_DATA_HDF5_PARTIAL_FILE_H_
