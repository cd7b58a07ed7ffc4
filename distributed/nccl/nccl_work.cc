#include "distributed/nccl/nccl_work.h"

#include "distributed/backoff.h"

namespace micon {

absl::Status NcclWork::Wait() {
  return state_->waits == NcclWaits::kStreamOrdered ? OrderCompute()
                                                    : BlockHost();
}

bool NcclWork::IsCompleted() {
  std::lock_guard<std::mutex> lock(state_->mutex);
  return state_->Settle(*pending_);
}

absl::Status NcclWork::OrderCompute() {
  NcclState& s = *state_;
  NcclPending& p = *pending_;
  std::lock_guard<std::mutex> lock(s.mutex);
  // One look now, as the watchdog's: an abort, an asynchronous error or a
  // passed deadline fails this Wait rather than the next.
  const bool settled = s.Settle(p);
  if (settled && !p.status.ok()) return p.status;
  if (p.compute_ordered) return absl::OkStatus();
  // Still in flight: later compute waits for it on the device. (Once
  // completed, its event has passed and nothing needs to wait.)
  if (!settled) {
    if (absl::Status w = s.runtime->ComputeWaits(p.event); !w.ok()) {
      s.Fail(p, w);
      return p.status;
    }
  }
  if (p.finish) p.finish();
  p.compute_ordered = true;
  return absl::OkStatus();
}

absl::Status NcclWork::BlockHost() {
  Backoff backoff;
  while (true) {
    {
      std::lock_guard<std::mutex> lock(state_->mutex);
      if (state_->Settle(*pending_)) return pending_->status;
    }
    backoff.Pause();
  }
}

}  // namespace micon
