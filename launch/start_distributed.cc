#include <chrono>
#include <cstdlib>

#include "core/status_macros.h"
#include "core/torch_threads.h"
#include "distributed/launch_environment.h"
#include "launch/command.h"

namespace micon {

absl::Status StartDistributed(const DistributedRequest& request,
                              ProcessState& process) {
  BootstrapOptions bootstrap;
  bootstrap.backend = request.backend;
  bootstrap.communicator.timeout = std::chrono::milliseconds(
      static_cast<int64_t>(request.timeout_seconds * 1000));
  MICON_ASSIGN_OR_RETURN(const LaunchEnvironment launch,
                         DetectLaunchEnvironment(std::getenv));
  MICON_ASSIGN_OR_RETURN(process.dist, Bootstrap(nullptr, nullptr, bootstrap));
  MICON_RETURN_IF_ERROR(
      CheckAgainstMpi(launch, process.dist->rank, process.dist->world_size));
  ConfigureTorchThreads(process.threads > 0 ? process.threads : request.threads,
                        process.dist->local_size);
  return absl::OkStatus();
}

}  // namespace micon
