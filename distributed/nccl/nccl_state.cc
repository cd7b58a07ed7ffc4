#include "distributed/nccl/nccl_state.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "core/log_line.h"

namespace micon {

NcclState::NcclState(std::unique_ptr<NcclRuntime> rt,
                     std::unique_ptr<Communicator> c, c10::Device d,
                     CommunicatorOptions o, NcclWaits w)
    : runtime(std::move(rt)),
      cpu(std::move(c)),
      device(d),
      options(o),
      waits(w),
      rank(cpu->rank()),
      world(cpu->world_size()),
      log(rank) {}

NcclState::~NcclState() {
  for (const auto& p : outstanding) {
    if (!p->done) new std::vector<at::Tensor>(std::move(p->keep));
  }
}

bool NcclState::Settle(NcclPending& p) {
  if (p.done) return true;
  if (aborted) {
    Abandon(p, Cancelled(p.seq));
    return true;
  }
  const absl::Status comm = runtime->CommState();
  if (!comm.ok() && !absl::IsUnavailable(comm)) return Fail(p, comm);
  const absl::StatusOr<bool> ready = runtime->EventDone(p.event);
  if (!ready.ok()) return Fail(p, ready.status());
  if (!*ready) return Expire(p);
  if (waits == NcclWaits::kBlockHost && !p.compute_ordered) {
    if (absl::Status w = runtime->ComputeWaits(p.event); !w.ok()) {
      return Fail(p, w);
    }
    if (p.finish) p.finish();
    p.compute_ordered = true;
  }
  runtime->ReleaseEvent(p.event);
  p.keep.clear();
  log.Complete(p.seq);
  p.status = absl::OkStatus();
  p.done = true;
  return true;
}

void NcclState::SettleOutstanding() {
  bool in_order = true;
  for (const auto& p : outstanding) {
    if (in_order) {
      in_order = Settle(*p);
    } else if (!p->done) {
      Expire(*p);
    }
  }
  while (!outstanding.empty() && outstanding.front()->done) {
    outstanding.pop_front();
  }
}

bool NcclState::Expire(NcclPending& p) {
  if (std::chrono::steady_clock::now() < p.deadline) return false;
  const absl::Status timeout = absl::DeadlineExceededError(log.TimeoutMessage(
      p.seq, p.limit.count() / 1000.0, runtime->StallDetail()));
  AbortNccl(std::string(timeout.message()));
  Abandon(p, timeout);
  return true;
}

bool NcclState::Fail(NcclPending& p, const absl::Status& cause) {
  const absl::Status failed = absl::InternalError(absl::StrCat(
      "rank ", rank, ": ", log.Describe(p.seq), " failed: ", cause.message()));
  AbortNccl(std::string(failed.message()));
  Abandon(p, failed);
  return true;
}

void NcclState::Abandon(NcclPending& p, absl::Status status) {
  runtime->ReleaseEvent(p.event);
  // Deliberately leaked: an aborted stream may still touch them.
  if (!p.keep.empty()) new std::vector<at::Tensor>(std::move(p.keep));
  p.keep.clear();
  p.status = std::move(status);
  p.done = true;
}

void NcclState::AbortNccl(const std::string& reason) {
  if (aborted) return;
  aborted = true;
  abort_reason = reason;
  // Said at once: with stream-ordered waits the host may be blocked in a
  // device read that only this abort releases, and the error reaches the
  // caller at its next collective.
  WriteLogLine("error", "NCCL aborted: " + reason, rank, world);
  runtime->Abort();
}

absl::Status NcclState::Cancelled(uint64_t seq) const {
  return absl::AbortedError(absl::StrCat("rank ", rank, ": ", log.Describe(seq),
                                         " cancelled: ", abort_reason));
}

absl::Status NcclState::AbortedBefore(const char* what) const {
  return absl::AbortedError(
      absl::StrCat("rank ", rank, ": ", what,
                   " cancelled: NCCL was aborted: ", abort_reason));
}

}  // namespace micon
