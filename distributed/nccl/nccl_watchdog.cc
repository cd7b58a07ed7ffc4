#include "distributed/nccl/nccl_watchdog.h"

#include <cstdio>
#include <string>
#include <utility>

namespace micon {

NcclWatchdog::NcclWatchdog(std::shared_ptr<NcclState> state,
                           std::chrono::microseconds period)
    : state_(std::move(state)), period_(period), thread_([this] { Run(); }) {}

NcclWatchdog::~NcclWatchdog() {
  {
    std::lock_guard<std::mutex> lock(stop_mutex_);
    stop_ = true;
  }
  stop_cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void NcclWatchdog::Run() {
  {
    std::lock_guard<std::mutex> lock(state_->mutex);
    // Without its GPU the thread cannot query events; the waits still
    // order the streams, and Synchronize() settles from the caller's thread.
    if (absl::Status bound = state_->runtime->BindThread(); !bound.ok()) {
      std::fprintf(stderr, "micon [rank %d] NCCL watchdog not started: %s\n",
                   state_->rank, std::string(bound.message()).c_str());
      return;
    }
  }
  std::unique_lock<std::mutex> stop_lock(stop_mutex_);
  while (!stop_cv_.wait_for(stop_lock, period_, [this] { return stop_; })) {
    std::lock_guard<std::mutex> lock(state_->mutex);
    state_->SettleOutstanding();
  }
}

}  // namespace micon
