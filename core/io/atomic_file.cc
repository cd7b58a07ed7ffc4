#include "core/io/atomic_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "absl/strings/str_cat.h"
#include "core/status_macros.h"

namespace micon {
namespace {

absl::Status Fsync(const std::string& path, bool directory) {
  const int fd =
      ::open(path.c_str(), directory ? O_RDONLY | O_DIRECTORY : O_RDONLY);
  if (fd < 0)
    return absl::PermissionDeniedError(path + ": cannot open to fsync");
  const int rc = ::fsync(fd);
  ::close(fd);
  return rc == 0 ? absl::OkStatus()
                 : absl::DataLossError(path + ": fsync failed");
}

}  // namespace

absl::Status CommitFile(const std::string& partial, const std::string& path) {
  MICON_RETURN_IF_ERROR(Fsync(partial, false));
  std::error_code ec;
  std::filesystem::rename(partial, path, ec);
  if (ec) {
    return absl::InternalError(
        absl::StrCat("rename ", partial, " -> ", path, ": ", ec.message()));
  }
  std::filesystem::path dir = std::filesystem::path(path).parent_path();
  return Fsync(dir.empty() ? "." : dir.string(), true);
}

absl::Status AbandonPartialFile(const std::string& partial,
                                const std::string& path, int64_t bytes,
                                int error) {
  std::error_code ignored;
  std::filesystem::remove(partial, ignored);
  return absl::ResourceExhaustedError(absl::StrCat(
      "writing ", path, " failed (", bytes, " bytes): ", std::strerror(error),
      "; the previous version, if any, is untouched"));
}

absl::Status WriteFileAtomically(const std::string& path,
                                 const std::string& bytes) {
  const std::string partial = PartialPath(path);
  errno = 0;
  std::ofstream out(partial, std::ios::binary | std::ios::trunc);
  if (!out) {
    return absl::PermissionDeniedError(absl::StrCat(
        partial, ": cannot open for writing: ", std::strerror(errno)));
  }
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  out.flush();
  const int write_errno = errno;
  out.close();
  if (out.fail()) {
    return AbandonPartialFile(partial, path, static_cast<int64_t>(bytes.size()),
                              write_errno != 0 ? write_errno : EIO);
  }
  return CommitFile(partial, path);
}

}  // namespace micon
