#include "core/log_line.h"

#include <cstdio>

#include "absl/strings/str_cat.h"

namespace micon {

std::string LogLine(absl::string_view level, absl::string_view message,
                    int rank, int world_size) {
  if (world_size <= 1) return absl::StrCat("micon ", level, ": ", message);
  return absl::StrCat("micon [rank ", rank, "/", world_size, "] ", level, ": ",
                      message);
}

void WriteLogLine(absl::string_view level, absl::string_view message, int rank,
                  int world_size) {
  const std::string line =
      absl::StrCat(LogLine(level, message, rank, world_size), "\n");
  std::fputs(line.c_str(), stderr);
  std::fflush(stderr);
}

}  // namespace micon
