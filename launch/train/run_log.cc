#include "launch/train/run_log.h"

#include <cmath>
#include <cstdio>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

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

std::string FormatDuration(double seconds) {
  if (!std::isfinite(seconds) || seconds < 0) return "?";
  if (seconds < 60) return absl::StrFormat("%.1fs", seconds);
  const int64_t s = static_cast<int64_t>(std::llround(seconds));
  if (s < 3600) return absl::StrFormat("%dm%02ds", s / 60, s % 60);
  return absl::StrFormat("%dh%02dm", s / 3600, (s % 3600) / 60);
}

}  // namespace micon
