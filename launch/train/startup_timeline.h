// startup_timeline.h: where a run's start-up time goes, phase by phase, and
// the process's peak memory when training begins: one log line, so a user
// whose screen grows from 10 to 1,000 plates sees which phase grows.
//
//   StartupTimeline timeline;            // the clock starts here
//   ...open the dataset...
//   timeline.Mark("dataset index");      // the time since the last mark
//   ...
//   log.Info(timeline.Summary());
//   // "start-up 12.4s: dataset index 0.3s, compound features 8.0s, ...;
//   //  peak memory 1.81 GB"
#ifndef MICON_LAUNCH_TRAIN_STARTUP_TIMELINE_H_
#define MICON_LAUNCH_TRAIN_STARTUP_TIMELINE_H_

#include <chrono>
#include <string>
#include <utility>
#include <vector>

namespace micon {

class StartupTimeline {
 public:
  StartupTimeline();

  // Charges the time since the previous mark (or construction) to `phase`.
  void Mark(std::string phase);

  double total_seconds() const;
  const std::vector<std::pair<std::string, double>>& phases() const {
    return phases_;
  }
  // The phases in order, their total and the peak resident memory so far.
  std::string Summary() const;

 private:
  using Clock = std::chrono::steady_clock;
  Clock::time_point last_;
  std::vector<std::pair<std::string, double>> phases_;
};

// This process's peak resident set size so far, in bytes (getrusage).
double PeakResidentBytes();

}  // namespace micon

#endif  // MICON_LAUNCH_TRAIN_STARTUP_TIMELINE_H_
