// command.h: how a `micon` subcommand plugs into the command line.
//
// Each subcommand adds itself to the CLI11 app and, when the command line
// chooses it, sets `run` to the work to do; main() runs it after parsing and
// turns its Status into the exit code. Commands never exit or throw on bad
// input: they return a Status naming the file, field or flag. A command file
// turns flags into typed values and calls the libraries: launch/train/ (the
// training application) and launch/profiles/ (well profiles and their
// evaluation).
//
// LibTorch's thread pools are sized once per process: by main() for commands
// that run alone, and by StartDistributed() for those that join a world of
// ranks (it knows how many ranks share the node).
//
//   std::function<absl::Status()> run;
//   AddInspectCommand(app, run);
//   app.parse(argc, argv);
//   absl::Status result = run();
#ifndef MICON_LAUNCH_COMMAND_H_
#define MICON_LAUNCH_COMMAND_H_

#include <CLI/CLI.hpp>
#include <functional>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "distributed/bootstrap.h"

namespace micon {

using CommandRun = std::function<absl::Status()>;

// What outlives a command's run for main's sake: the distributed runtime
// (destroyed by main, after the command, before static destruction; aborted by
// main's catch site on error so that no other rank waits) and the exit code a
// successful run asks for (e.g. kExitRequeue after a stop signal).
struct ProcessState {
  std::unique_ptr<DistributedContext> dist;
  int exit_code = 0;
  int threads = 0;  // --threads; 0 = not given
  // Set while parsing by commands that call StartDistributed (train,
  // embed, evaluate): they size the thread pools there, not main().
  bool distributed = false;
};

struct DistributedRequest {
  Backend backend = Backend::kAuto;
  double timeout_seconds = 600;  // the communicator's collective limit
  // The command's own thread count (train.threads); --threads wins, and 0
  // for both means the node's cores divided by the ranks on it.
  int threads = 0;
};

// Bootstraps the distributed runtime of a multi-rank command into
// `process.dist` (world 1 without a launcher), checks it against what mpirun
// or srun promised, and sizes the thread pools. Call after installing signal
// handlers.
absl::Status StartDistributed(const DistributedRequest& request,
                              ProcessState& process);

void AddInfoCommand(CLI::App& app, CommandRun& run);
void AddInspectCommand(CLI::App& app, CommandRun& run);
void AddConvertCommand(CLI::App& app, CommandRun& run, ProcessState& process);
void AddFeaturizeCommand(CLI::App& app, CommandRun& run);
void AddSynthCommand(CLI::App& app, CommandRun& run);
void AddCheckpointsCommand(CLI::App& app, CommandRun& run);
void AddMergeProfilesCommand(CLI::App& app, CommandRun& run);
void AddEvaluateCommand(CLI::App& app, CommandRun& run, ProcessState& process);
void AddEmbedCommand(CLI::App& app, CommandRun& run, ProcessState& process);
void AddTrainCommand(CLI::App& app, CommandRun& run, ProcessState& process);

}  // namespace micon

#endif  // MICON_LAUNCH_COMMAND_H_
