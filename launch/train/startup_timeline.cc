#include "launch/train/startup_timeline.h"

#include <sys/resource.h>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "launch/train/run_log.h"

namespace micon {

StartupTimeline::StartupTimeline() : last_(Clock::now()) {}

void StartupTimeline::Mark(std::string phase) {
  const Clock::time_point now = Clock::now();
  phases_.emplace_back(std::move(phase),
                       std::chrono::duration<double>(now - last_).count());
  last_ = now;
}

double StartupTimeline::total_seconds() const {
  double total = 0;
  for (const auto& [name, seconds] : phases_) total += seconds;
  return total;
}

std::string StartupTimeline::Summary() const {
  const std::string phases =
      absl::StrJoin(phases_, ", ", [](std::string* out, const auto& phase) {
        absl::StrAppend(out, phase.first, " ", FormatDuration(phase.second));
      });
  return absl::StrFormat("start-up %s: %s; peak memory %.2f GB",
                         FormatDuration(total_seconds()), phases,
                         PeakResidentBytes() / 1e9);
}

double PeakResidentBytes() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<double>(usage.ru_maxrss) * 1024.0;  // Linux: KB
}

}  // namespace micon
