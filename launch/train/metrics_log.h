// metrics_log.h: metrics.jsonl, one JSON object per training step.
//
//   MICON_ASSIGN_OR_RETURN(MetricsLog log, MetricsLog::Open(path, step));
//   MICON_RETURN_IF_ERROR(log.Append({{"step", 12}, {"loss", 3.1}}));
//
// Every record has "step" (optimiser steps completed). Opening for a resumed
// run first drops the records of steps after the checkpoint, which the run is
// about to redo, so the file always reads as one uninterrupted run. Each line
// is flushed when written; doubles are written so that they read back exactly.
#ifndef MICON_LAUNCH_TRAIN_METRICS_LOG_H_
#define MICON_LAUNCH_TRAIN_METRICS_LOG_H_

#include <cstdio>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace micon {

class MetricsLog {
 public:
  static absl::StatusOr<MetricsLog> Open(const std::string& path,
                                         int64_t keep_through_step);
  absl::Status Append(const nlohmann::json& record);
  const std::string& path() const { return path_; }

 private:
  struct Closer {
    void operator()(std::FILE* f) const { std::fclose(f); }
  };
  std::string path_;
  std::unique_ptr<std::FILE, Closer> file_;
};

// The records of a metrics.jsonl; a malformed line is an error naming it.
absl::StatusOr<std::vector<nlohmann::json>> ReadMetrics(
    const std::string& path);

}  // namespace micon

#endif  // MICON_LAUNCH_TRAIN_METRICS_LOG_H_
