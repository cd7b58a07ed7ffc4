#include "launch/train/run_directory.h"

#include <filesystem>

#include "core/status_macros.h"

namespace micon {

namespace fs = std::filesystem;

std::string RunDirectory::checkpoints() const {
  return (fs::path(root_) / "checkpoints").string();
}
std::string RunDirectory::config() const {
  return (fs::path(root_) / "config.yaml").string();
}
std::string RunDirectory::metrics() const {
  return (fs::path(root_) / "metrics.jsonl").string();
}
std::string RunDirectory::loss_plot() const {
  return (fs::path(root_) / "loss.png").string();
}

absl::Status RunDirectory::Create(Communicator& comm) const {
  if (comm.rank() == 0) {
    std::error_code ec;
    fs::create_directories(checkpoints(), ec);
    if (ec) {
      return absl::PermissionDeniedError(checkpoints() + ": " + ec.message());
    }
  }
  return comm.Barrier({})->Wait();
}

}  // namespace micon
