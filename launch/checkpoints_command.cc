// micon checkpoints: what a run directory holds to resume from. Every file is
// read and verified (size, CRC-32, training state), so a damaged checkpoint
// shows up here before a requeued job trips over it.
#include <chrono>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "core/io/checkpoint_file.h"
#include "core/status_macros.h"
#include "launch/command.h"
#include "launch/train/run_checkpoint.h"
#include "launch/train/run_directory.h"
#include "launch/train/training_state.h"

namespace micon {
namespace {

namespace fs = std::filesystem;

struct CheckpointsFlags {
  std::string run_dir;
  bool latest = false;
};

struct CheckpointRow {
  std::string path;
  absl::StatusOr<TrainingState> state;
  uintmax_t bytes = 0;
  std::string written;  // file time, UTC
};

std::string FileTimeUtc(const fs::path& p) {
  std::error_code ec;
  const auto t = fs::last_write_time(p, ec);
  if (ec) return "?";
  // file_clock has no portable to_time_t in C++17; shift through now().
  const auto sys = std::chrono::system_clock::now() +
                   std::chrono::duration_cast<std::chrono::seconds>(
                       t - fs::file_time_type::clock::now());
  const std::time_t tt = std::chrono::system_clock::to_time_t(sys);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[32];
  std::strftime(buf, sizeof(buf), "%Y-%m-%d %H:%M:%S", &tm);
  return buf;
}

CheckpointRow Inspect(const std::string& path) {
  CheckpointRow row{path, absl::UnknownError(""), 0, FileTimeUtc(path)};
  std::error_code ec;
  row.bytes = fs::file_size(path, ec);
  absl::StatusOr<CheckpointContents> contents = ReadCheckpoint(path);
  if (!contents.ok()) {
    row.state = contents.status();
    return row;
  }
  absl::StatusOr<ResumePoint> point = DecodeResumePoint(*std::move(contents));
  if (point.ok()) {
    row.state = std::move(point->state);
  } else {
    row.state = point.status();
  }
  return row;
}

absl::Status RunCheckpoints(const CheckpointsFlags& flags) {
  const std::string dir = RunDirectory(flags.run_dir).checkpoints();
  if (!fs::is_directory(dir)) {
    return absl::NotFoundError(
        absl::StrCat(flags.run_dir, ": no checkpoints folder (", dir,
                     "); is this a micon run directory?"));
  }
  std::vector<CheckpointRow> rows;
  for (const std::string& path : ListCheckpoints(dir)) {
    rows.push_back(Inspect(path));
  }
  const CheckpointRow* newest = nullptr;
  for (const CheckpointRow& row : rows) {
    if (row.state.ok()) newest = &row;
  }
  if (flags.latest) {
    // For scripts: the path `--resume latest` would pick, or an error.
    if (newest == nullptr) {
      return absl::NotFoundError(absl::StrCat(dir, ": no readable checkpoint (",
                                              rows.size(), " file(s) found)"));
    }
    std::printf("%s\n", newest->path.c_str());
    return absl::OkStatus();
  }
  std::printf("%10s %6s %-19s %10s %-16s  %s\n", "step", "world",
              "written (UTC)", "MiB", "model checksum", "file / status");
  for (const CheckpointRow& row : rows) {
    const std::string name = fs::path(row.path).filename().string();
    const double mib = static_cast<double>(row.bytes) / (1 << 20);
    if (row.state.ok()) {
      std::printf("%10lld %6d %-19s %10.1f %s  %s\n",
                  static_cast<long long>(row.state->step),
                  row.state->world_size, row.written.c_str(), mib,
                  ModelChecksumText(row.state->model_checksum).c_str(),
                  name.c_str());
    } else {
      std::printf("%10s %6s %-19s %10.1f %-16s  %s DAMAGED: %s\n", "-", "-",
                  row.written.c_str(), mib, "-", name.c_str(),
                  std::string(row.state.status().message()).c_str());
    }
  }
  for (const std::string& left : ListInterruptedWrites(dir)) {
    std::error_code ec;
    const double mib = static_cast<double>(fs::file_size(left, ec)) / (1 << 20);
    std::printf(
        "%10s %6s %-19s %10.1f %-16s  %s LEFTOVER: an interrupted "
        "write, never resumed from\n",
        "-", "-", FileTimeUtc(left).c_str(), ec ? 0.0 : mib, "-",
        fs::path(left).filename().string().c_str());
  }
  if (rows.empty()) {
    std::printf("no checkpoint yet: --resume latest starts at step 0\n");
  } else if (newest == nullptr) {
    std::printf(
        "every checkpoint is damaged: --resume latest refuses to start over "
        "(move them away to start at step 0)\n");
  } else {
    std::printf("--resume latest continues from step %lld (%s)\n",
                static_cast<long long>(newest->state->step),
                newest->path.c_str());
  }
  return absl::OkStatus();
}

}  // namespace

void AddCheckpointsCommand(CLI::App& app, CommandRun& run) {
  CLI::App* sub = app.add_subcommand(
      "checkpoints",
      "List a run directory's checkpoints (step, world size, time, size, "
      "model checksum), verifying each, and say which one --resume latest "
      "would continue from");
  auto f = std::make_shared<CheckpointsFlags>();
  sub->add_option("run_dir", f->run_dir, "The run directory (run.dir)")
      ->required();
  sub->add_flag("--latest", f->latest,
                "Print only the path of the newest readable checkpoint (an "
                "error when there is none)");
  sub->callback([&run, f] { run = [f] { return RunCheckpoints(*f); }; });
}

}  // namespace micon
