// run_log.h: what a training run says on stderr, and who says it.
//
//   RunLog log(rank, world_size);
//   log.Info("resumed from step 1200");        // rank 0 only
//   log.Warning("plate P3 has 2 controls");    // every rank, rank-prefixed
//
// Progress and information come from rank 0 alone (one line per event, not
// N); warnings come from whichever rank sees them, prefixed with its rank so a
// multi-node log says where. Lines are written whole (one fprintf), so ranks
// sharing a terminal do not interleave within a line.
#ifndef MICON_LAUNCH_TRAIN_RUN_LOG_H_
#define MICON_LAUNCH_TRAIN_RUN_LOG_H_

#include <string>

#include "core/duration_text.h"  // FormatDuration, for run logs

namespace micon {

class RunLog {
 public:
  RunLog(int rank, int world_size) : rank_(rank), world_size_(world_size) {}
  void Info(const std::string& message) const;
  void Warning(const std::string& message) const;
  // Prefix for this rank's errors: "rank 1/4: ".
  std::string RankPrefix() const;
  bool is_root() const { return rank_ == 0; }

 private:
  int rank_;
  int world_size_;
};

}  // namespace micon

#endif  // MICON_LAUNCH_TRAIN_RUN_LOG_H_
