#include "launch/train/run_log.h"

#include <cstdio>

#include "absl/strings/str_cat.h"

namespace micon {

void RunLog::Info(const std::string& message) const {
  if (rank_ != 0) return;
  std::fprintf(stderr, "micon: %s\n", message.c_str());
  std::fflush(stderr);
}

void RunLog::Warning(const std::string& message) const {
  std::fprintf(stderr, "micon [rank %d/%d] warning: %s\n", rank_, world_size_,
               message.c_str());
  std::fflush(stderr);
}

std::string RunLog::RankPrefix() const {
  return absl::StrCat("rank ", rank_, "/", world_size_, ": ");
}

}  // namespace micon
