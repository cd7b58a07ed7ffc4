#include <chrono>
#include <cstdlib>

#include "core/status_macros.h"
#include "launch/command.h"
#include "launch/launch_environment.h"

namespace micon {

absl::Status StartDistributed(const std::string& backend,
                              double collective_timeout_seconds,
                              ProcessState& process) {
  BootstrapOptions bootstrap;
  bootstrap.backend = backend;
  bootstrap.communicator.timeout = std::chrono::milliseconds(
      static_cast<int64_t>(collective_timeout_seconds * 1000));
  MICON_ASSIGN_OR_RETURN(const LaunchEnvironment launch,
                         DetectLaunchEnvironment(std::getenv));
  MICON_ASSIGN_OR_RETURN(process.dist, Bootstrap(nullptr, nullptr, bootstrap));
  return CheckAgainstMpi(launch, process.dist->rank, process.dist->world_size);
}

}  // namespace micon
