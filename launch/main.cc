// micon: the command-line entry point. The one catch site of the program lives
// here.
#include <CLI/CLI.hpp>
#include <cstdio>
#include <exception>
#include <string>

#include "absl/status/status.h"
#include "core/torch_threads.h"
#include "launch/command.h"
#include "micon/config.h"

int main(int argc, char** argv) {
  CLI::App app{
      "micon: MICON representation learning for Cell Painting screens"};
  app.set_version_flag("--version", std::string("micon ") + MICON_VERSION);
  app.require_subcommand(1);
  int threads = 0;
  app.add_option("--threads", threads,
                 "LibTorch intra-op threads (0 = one per available core)")
      ->check(CLI::NonNegativeNumber);
  micon::CommandRun run;
  micon::AddInfoCommand(app, run);
  micon::AddInspectCommand(app, run);
  micon::AddConvertCommand(app, run);
  micon::AddFeaturizeCommand(app, run);
  micon::AddSynthCommand(app, run);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  absl::Status result;
  try {
    micon::ConfigureTorchThreads(threads);
    result = run();
  } catch (const std::exception& e) {
    // Tensor-math checks (TORCH_CHECK) and library exceptions end here, never
    // in a hang.
    std::fprintf(stderr, "micon: error: %s\n", e.what());
    return 1;
  }
  if (!result.ok()) {
    std::fprintf(stderr, "micon: error: %s\n",
                 std::string(result.message()).c_str());
    return 1;
  }
  return 0;
}
