// micon: the command-line entry point. The one catch site of the program lives
// here.
#include <c10/util/Exception.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cstdlib>
#include <exception>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "core/log_line.h"
#include "core/torch_threads.h"
#include "distributed/launch_environment.h"
#include "launch/command.h"
#include "launch/process_memory.h"
#include "micon/config.h"

namespace {

// Who this process is in its job, for its error line: the running world's
// rank, or, for an error before the world started (a bad configuration on
// every rank, a file missing on one node), what mpirun or srun said, so that
// each rank's line still names it.
std::pair<int, int> RankOfThisProcess(const micon::ProcessState& process) {
  if (process.dist) return {process.dist->rank, process.dist->world_size};
  const absl::StatusOr<micon::LaunchEnvironment> launch =
      micon::DetectLaunchEnvironment(std::getenv);
  if (launch.ok()) return {launch->rank, launch->world_size};
  return {0, 1};
}

}  // namespace

int main(int argc, char** argv) {
  micon::KeepFreedMemoryInProcess();
  if (const char* core = micon::OpenBlasCoreToRestartWith()) {
    // core/torch_threads.h says why. execv returns only when it fails: then
    // micon runs on, with the slower kernels.
    // The binary's own path, not /proc/self/exe: ps and top would then show
    // the process as "exe".
    char self[4096];
    const ssize_t length = readlink("/proc/self/exe", self, sizeof(self) - 1);
    if (length > 0) {
      self[length] = '\0';
      setenv("OPENBLAS_CORETYPE", core, /*overwrite=*/1);
      execv(self, argv);
    }
  }
  CLI::App app{
      "micon: MICON representation learning for Cell Painting screens"};
  app.set_version_flag("--version", std::string("micon ") + MICON_VERSION);
  app.require_subcommand(1);
  micon::ProcessState process;
  app.add_option("--threads", process.threads,
                 "LibTorch intra-op threads per process (0 = the available "
                 "cores, divided by the ranks on the node under mpirun/srun; "
                 "overrides train.threads)")
      ->check(CLI::NonNegativeNumber);
  micon::CommandRun run;
  micon::AddInfoCommand(app, run);
  micon::AddInspectCommand(app, run);
  micon::AddConvertCommand(app, run, process);
  micon::AddFeaturizeCommand(app, run);
  micon::AddSynthCommand(app, run);
  micon::AddCheckpointsCommand(app, run);
  micon::AddMergeProfilesCommand(app, run);
  micon::AddEvaluateCommand(app, run, process);
  micon::AddTrainCommand(app, run, process);
  micon::AddEmbedCommand(app, run, process);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  absl::Status result;
  try {
    // Multi-rank commands size the pools once they know the ranks per node.
    if (!process.distributed) micon::ConfigureTorchThreads(process.threads);
    result = run();
  } catch (const c10::Error& e) {
    // Tensor-math checks (TORCH_CHECK, also a collective failing inside
    // backward) end here, never in a hang; the message is what matters, not
    // LibTorch's C++ backtrace.
    result = absl::InternalError(e.what_without_backtrace());
  } catch (const std::exception& e) {
    result = absl::InternalError(e.what());
  }
  if (result.ok()) {
    process.dist.reset();  // MPI_Finalize before returning
    return process.exit_code;
  }
  const auto [rank, world_size] = RankOfThisProcess(process);
  micon::WriteLogLine("error", result.message(), rank, world_size);
  // The other ranks may be waiting in a collective for this one: end them now
  // rather than at the watchdog's timeout.
  if (process.dist && process.dist->comm && process.dist->world_size > 1) {
    process.dist->comm->Abort(std::string(result.message()));
  }
  return 1;
}
