#include "distributed/nccl/nccl_work.h"

#include "absl/strings/str_cat.h"
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
  if (p.done && !p.status.ok()) return p.status;
  if (p.compute_ordered) return absl::OkStatus();
  if (!p.done) {
    // What the watchdog would find now, found now: an asynchronous error or
    // an abort fails this Wait rather than the next.
    if (s.aborted) {
      s.Settle(p);
      return p.status;
    }
    const absl::Status comm = s.runtime->CommState();
    if (!comm.ok() && !absl::IsUnavailable(comm)) {
      s.Settle(p);
      return p.status;
    }
    // Still in flight: later compute waits for it on the device. (Once
    // done, its event has passed and nothing needs to wait.)
    if (absl::Status w = s.runtime->ComputeWaits(p.event); !w.ok()) {
      const absl::Status failed = absl::InternalError(absl::StrCat(
          "rank ", s.rank, ": ", s.log.Describe(p.seq),
          " could not order the compute stream after it: ", w.message()));
      s.AbortNccl(std::string(failed.message()));
      return failed;
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
