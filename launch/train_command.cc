// micon train: the trainer on the command line.
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "core/status_macros.h"
#include "launch/command.h"
#include "launch/train/stop_signal.h"
#include "launch/train/train_config.h"
#include "launch/train/trainer.h"

namespace micon {
namespace {

struct TrainFlags {
  std::string config;
  std::vector<std::string> overrides;
  std::string resume;
  bool print_config = false;
  bool print_schema = false;
  bool strict = false;
};

absl::Status RunTrain(const TrainFlags& flags, ProcessState& process) {
  if (flags.print_schema) {
    std::printf("| key | default | meaning |\n|---|---|---|\n");
    for (const ConfigKey& k : ConfigSchema()) {
      std::printf("| `%s` | `%s` | %s |\n", k.key.c_str(),
                  k.default_value.c_str(), k.help.c_str());
    }
    return absl::OkStatus();
  }
  std::vector<std::string> overrides = flags.overrides;
  if (flags.strict) overrides.push_back("data.strict=true");
  MICON_ASSIGN_OR_RETURN(TrainConfig config,
                         LoadTrainConfig(flags.config, overrides));
  if (flags.print_config) {
    std::fputs(ResolvedConfigYaml(config).c_str(), stdout);
    return absl::OkStatus();
  }
  // Signals first: a SIGTERM during start-up must not kill a rank halfway
  // through a collective.
  StopSignals signals;
  MICON_RETURN_IF_ERROR(StartDistributed(
      {config.distributed.backend, config.distributed.timeout_seconds,
       config.train.threads},
      process));
  MICON_ASSIGN_OR_RETURN(
      TrainResult result,
      RunTraining(config, {flags.resume}, *process.dist, signals));
  if (result.stopped) process.exit_code = kExitRequeue;
  return absl::OkStatus();
}

}  // namespace

void AddTrainCommand(CLI::App& app, CommandRun& run, ProcessState& process) {
  CLI::App* sub = app.add_subcommand(
      "train",
      "Train MICON or a baseline (world 1, or under mpirun/srun). Exits 75 "
      "after checkpointing on SIGTERM/SIGUSR1, for batch scripts to requeue.");
  auto f = std::make_shared<TrainFlags>();
  sub->add_option("--config", f->config,
                  "YAML configuration (docs/CONFIG.md lists every key)")
      ->check(CLI::ExistingFile);
  sub->add_option("--set", f->overrides,
                  "Override one key: section.key=value (repeatable)");
  sub->add_option("--resume", f->resume,
                  "'latest' (newest readable checkpoint of run.dir, or a "
                  "fresh start when there is none) or a checkpoint path");
  sub->add_flag("--strict", f->strict,
                "Data-quality warnings are errors (data.strict: true)");
  sub->add_flag("--print-config", f->print_config,
                "Print the resolved configuration and exit");
  sub->add_flag("--schema", f->print_schema,
                "Print every configuration key, its default and meaning (a "
                "Markdown table) and exit");
  sub->callback([&run, &process, f] {
    process.distributed = true;
    run = [f, &process] { return RunTrain(*f, process); };
  });
}

}  // namespace micon
