#include "launch/profiles/output_folder.h"

#include <filesystem>
#include <system_error>

#include "absl/strings/str_cat.h"

namespace micon {

absl::Status CreateOutputFolder(const std::string& folder) {
  std::error_code ec;
  std::filesystem::create_directories(folder, ec);
  if (ec) {
    return absl::PermissionDeniedError(
        absl::StrCat(folder, ": cannot create: ", ec.message()));
  }
  return absl::OkStatus();
}

}  // namespace micon
