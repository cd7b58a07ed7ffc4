#include "launch/train/progress_meter.h"

#include <vector>

#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "launch/train/run_log.h"

namespace micon {

ProgressMeter::ProgressMeter(int64_t total_steps)
    : total_steps_(total_steps), window_start_(Clock::now()) {}

void ProgressMeter::Add(const StepStats& stats) {
  samples_ += stats.samples;
  images_ += stats.images;
  wait_seconds_ += stats.wait_seconds;
  ++steps_;
}

std::string ProgressMeter::Line(int64_t completed, const StepStats& last) {
  const double elapsed =
      std::chrono::duration<double>(Clock::now() - window_start_).count();
  const double eta = elapsed / static_cast<double>(steps_) *
                     static_cast<double>(total_steps_ - completed);
  std::string line = absl::StrFormat("step %d/%d  loss %.4f", completed,
                                     total_steps_, last.loss);
  if (last.parts.size() > 1) {
    std::vector<std::string> shown;
    for (const LossPartValue& p : last.parts) {
      shown.push_back(absl::StrFormat("%s %.4f", p.name, p.value));
    }
    line += " (" + absl::StrJoin(shown, ", ") + ")";
  }
  line += absl::StrFormat(
      "  lr %.3g  %.1f samples/s (%.1f images/s)  data-wait %.0f%%  ETA %s",
      last.lr, samples_ / elapsed, images_ / elapsed,
      100 * wait_seconds_ / elapsed, FormatDuration(eta));
  window_start_ = Clock::now();
  samples_ = images_ = wait_seconds_ = 0;
  steps_ = 0;
  return line;
}

}  // namespace micon
