#include "launch/train/metrics_log.h"

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "absl/strings/str_cat.h"
#include "core/io/atomic_file.h"
#include "core/status_macros.h"

namespace micon {

absl::StatusOr<std::vector<nlohmann::json>> ReadMetrics(
    const std::string& path) {
  std::ifstream in(path);
  if (!in) return absl::NotFoundError(path + ": cannot open");
  std::vector<nlohmann::json> records;
  std::string line;
  for (size_t n = 1; std::getline(in, line); ++n) {
    if (line.empty()) continue;
    nlohmann::json record = nlohmann::json::parse(line, nullptr, false);
    if (record.is_discarded() || !record.is_object() ||
        !record.contains("step")) {
      return absl::DataLossError(
          absl::StrCat(path, ":", n,
                       ": not a metrics record (a JSON object with \"step\")"));
    }
    records.push_back(std::move(record));
  }
  return records;
}

absl::StatusOr<MetricsLog> MetricsLog::Open(const std::string& path,
                                            int64_t keep_through_step) {
  if (std::filesystem::is_regular_file(path)) {
    // A crash can leave a half-written last line; keep only whole records up
    // to the checkpoint.
    std::ifstream in(path);
    std::string kept;
    std::string line;
    while (std::getline(in, line)) {
      nlohmann::json record = nlohmann::json::parse(line, nullptr, false);
      if (record.is_discarded() || !record.contains("step")) continue;
      if (record["step"].get<int64_t>() > keep_through_step) continue;
      kept += line + "\n";
    }
    MICON_RETURN_IF_ERROR(WriteFileAtomically(path, kept));
  }
  MetricsLog log;
  log.path_ = path;
  errno = 0;
  log.file_.reset(std::fopen(path.c_str(), "a"));
  if (!log.file_) {
    return absl::PermissionDeniedError(absl::StrCat(
        path, ": cannot open for appending: ", std::strerror(errno)));
  }
  return log;
}

absl::Status MetricsLog::Append(const nlohmann::json& record) {
  const std::string line = record.dump() + "\n";
  errno = 0;
  if (std::fwrite(line.data(), 1, line.size(), file_.get()) != line.size() ||
      std::fflush(file_.get()) != 0) {
    return absl::ResourceExhaustedError(
        absl::StrCat(path_, ": appending the record of step ",
                     record.value("step", int64_t{-1}),
                     " failed: ", std::strerror(errno != 0 ? errno : EIO)));
  }
  return absl::OkStatus();
}

}  // namespace micon
