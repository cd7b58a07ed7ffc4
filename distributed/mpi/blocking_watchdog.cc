#include "distributed/mpi/blocking_watchdog.h"

#include <utility>

namespace micon {

BlockingWatchdog::BlockingWatchdog(Expired expired,
                                   std::chrono::milliseconds period)
    : expired_(std::move(expired)),
      period_(period),
      thread_([this] { Run(); }) {}

BlockingWatchdog::~BlockingWatchdog() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stop_ = true;
  }
  stop_cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

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

void BlockingWatchdog::Run() {
  std::unique_lock<std::mutex> lock(mutex_);
  while (!stop_cv_.wait_for(lock, period_, [this] { return stop_; })) {
    if (!armed_ || fired_ || std::chrono::steady_clock::now() < deadline_)
      continue;
    fired_ = true;
    const uint64_t seq = seq_;
    const std::chrono::milliseconds limit = limit_;
    // Unlocked: `expired` may take seconds (a roll call) or never return, and
    // the blocked call may complete and disarm meanwhile.
    lock.unlock();
    expired_(seq, limit);
    lock.lock();
  }
}

}  // namespace micon
