// command.h: how a `micon` subcommand plugs into the command line.
//
// Each subcommand adds itself to the CLI11 app and, when the command line
// chooses it, sets `run` to the work to do; main() runs it after parsing (and
// after process-wide set-up such as thread counts) and turns its Status into
// the exit code. Commands never exit or throw on bad input: they return a
// Status naming the file, field or flag.
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
};

// Bootstraps the distributed runtime of a multi-rank command into
// `process.dist` (world 1 without a launcher) and checks it against what
// mpirun or srun promised. Call after installing signal handlers.
absl::Status StartDistributed(const std::string& backend,
                              double collective_timeout_seconds,
                              ProcessState& process);

void AddInfoCommand(CLI::App& app, CommandRun& run);
void AddInspectCommand(CLI::App& app, CommandRun& run);
void AddConvertCommand(CLI::App& app, CommandRun& run);
void AddFeaturizeCommand(CLI::App& app, CommandRun& run);
void AddSynthCommand(CLI::App& app, CommandRun& run);
void AddCheckpointsCommand(CLI::App& app, CommandRun& run);
void AddEvaluateCommand(CLI::App& app, CommandRun& run);
void AddEmbedCommand(CLI::App& app, CommandRun& run, ProcessState& process);
void AddTrainCommand(CLI::App& app, CommandRun& run, ProcessState& process);

}  // namespace micon

#endif  // MICON_LAUNCH_COMMAND_H_
