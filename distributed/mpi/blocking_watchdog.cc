#include "distributed/mpi/blocking_watchdog.h"

#include <utility>

namespace micon {

BlockingWatchdog::BlockingWatchdog(Expired expired,
                                   std::chrono::milliseconds period)
    : expired_(std::move(expired)), thread_(period, [this] { Check(); }) {}

void BlockingWatchdog::Arm(uint64_t seq, std::chrono::milliseconds limit) {
  // No notification: the thread looks every period, and arming is on the
  // path of every small all-reduce.
  std::lock_guard<std::mutex> lock(mutex_);
  armed_ = true;
  fired_ = false;
  seq_ = seq;
  limit_ = limit;
  deadline_ = std::chrono::steady_clock::now() + limit;
}

void BlockingWatchdog::Disarm() {
  std::lock_guard<std::mutex> lock(mutex_);
  armed_ = false;
}

void BlockingWatchdog::Check() {
  uint64_t seq;
  std::chrono::milliseconds limit;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (!armed_ || fired_ || std::chrono::steady_clock::now() < deadline_)
      return;
    fired_ = true;
    seq = seq_;
    limit = limit_;
  }
  // Unlocked: `expired` may take seconds (a roll call) or never return, and
  // the blocked call may complete and disarm meanwhile.
  expired_(seq, limit);
}

}  // namespace micon
