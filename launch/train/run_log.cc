#include "launch/train/run_log.h"

#include <cstdio>

#include "absl/strings/str_cat.h"
#include "core/log_line.h"

namespace micon {

void RunLog::Info(const std::string& message) const {
  if (rank_ != 0) return;
  std::fprintf(stderr, "micon: %s\n", message.c_str());
  std::fflush(stderr);
}

void RunLog::Warning(const std::string& message) const {
  WriteLogLine("warning", message, rank_, world_size_);
}

std::string RunLog::RankPrefix() const {
  return absl::StrCat("rank ", rank_, "/", world_size_, ": ");
}

}  // namespace micon
