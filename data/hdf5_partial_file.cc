#include "data/hdf5_partial_file.h"

#include <filesystem>
#include <system_error>
#include <utility>

#include "core/io/atomic_file.h"
#include "core/status_macros.h"

namespace micon {

absl::StatusOr<Hdf5PartialFile> Hdf5PartialFile::Create(
    const std::string& path) {
  QuietHdf5Errors();
  std::string partial = PartialPath(path);
  auto file = Hdf5Call(
      H5Fcreate(partial.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT),
      H5Fclose, "create");
  if (!file.ok()) return Annotate(file.status(), partial);
  return Hdf5PartialFile(path, std::move(partial), *std::move(file));
}

Hdf5PartialFile::Hdf5PartialFile(std::string path, std::string partial,
                                 Hdf5Id file)
    : path_(std::move(path)),
      partial_(std::move(partial)),
      file_(std::move(file)) {}

Hdf5PartialFile::Hdf5PartialFile(Hdf5PartialFile&& other) noexcept
    : path_(std::move(other.path_)),
      partial_(std::move(other.partial_)),
      file_(std::move(other.file_)),
      committed_(std::exchange(other.committed_, true)) {}

Hdf5PartialFile::~Hdf5PartialFile() {
  if (!committed_) Discard();
}

void Hdf5PartialFile::Discard() {
  (void)file_.Close();
  std::error_code ec;
  std::filesystem::remove(partial_, ec);
  committed_ = true;  // nothing left to do
}

absl::Status Hdf5PartialFile::Commit() {
  QuietHdf5Errors();
  if (committed_) {
    return absl::FailedPreconditionError(path_ + ": already committed");
  }
  absl::Status status =
      Hdf5Check(H5Fflush(file_.get(), H5F_SCOPE_GLOBAL), "flush");
  if (status.ok()) status = file_.Close();
  status =
      status.ok() ? CommitFile(partial_, path_) : Annotate(status, partial_);
  if (!status.ok()) {
    Discard();
    return status;
  }
  committed_ = true;
  return absl::OkStatus();
}

}  // namespace micon
