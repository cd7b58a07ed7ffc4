#include "distributed/nccl/nccl_watchdog.h"

#include <string>
#include <utility>

#include "core/log_line.h"

namespace micon {

NcclWatchdog::NcclWatchdog(std::shared_ptr<NcclState> state,
                           std::chrono::microseconds period)
    : state_(std::move(state)),
      thread_(
          period, [this] { Settle(); }, [this] { return BindThread(); }) {}

bool NcclWatchdog::BindThread() {
  std::lock_guard<std::mutex> lock(state_->mutex);
  // Without its GPU the thread cannot query events; the waits still
  // order the streams, and Synchronize() settles from the caller's thread.
  if (absl::Status bound = state_->runtime->BindThread(); !bound.ok()) {
    WriteLogLine("warning",
                 "NCCL watchdog not started: " + std::string(bound.message()),
                 state_->rank, state_->world);
    return false;
  }
  return true;
}

void NcclWatchdog::Settle() {
  std::lock_guard<std::mutex> lock(state_->mutex);
  state_->SettleOutstanding();
}

}  // namespace micon
