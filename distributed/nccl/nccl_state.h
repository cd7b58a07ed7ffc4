// nccl_state.h: what the NCCL communicator, its Work handles and its watchdog
// share: the runtime (one caller at a time, under `mutex`), the collectives
// in flight, and whether NCCL was aborted and why.
//
// A collective in flight (NcclPending) is settled by whoever looks at it
// first: its own Wait(), the watchdog, or Synchronize(). Settling it means
// one of: completed on the device (its event passed; the event and the
// buffers it kept are released), failed (NCCL's asynchronous error: NCCL is
// aborted), past its deadline (NCCL is aborted with the message that names
// it), or cancelled (NCCL was aborted before it completed). Collectives run
// in order on one communication stream, so they complete in order.
#ifndef MICON_DISTRIBUTED_NCCL_NCCL_STATE_H_
#define MICON_DISTRIBUTED_NCCL_NCCL_STATE_H_

#include <ATen/core/Tensor.h>

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "distributed/collective_log.h"
#include "distributed/communicator.h"
#include "distributed/nccl/nccl_runtime.h"

namespace micon {

// How Work::Wait() ends (nccl_communicator.h).
enum class NcclWaits {
  // The caller's compute stream waits for the collective; the host goes on.
  kStreamOrdered,
  // The host waits until the collective completed (NCCL over a fake
  // runtime's CPU memory, where the host is the compute stream).
  kBlockHost,
};

struct NcclPending {
  uint64_t seq = 0;
  NcclEvent event;
  std::chrono::steady_clock::time_point deadline;
  std::chrono::milliseconds limit{0};
  // The communication stream may still read and write them.
  std::vector<at::Tensor> keep;
  // Runs once the result is there for the compute stream (integer averages
  // divide after the sum).
  std::function<void()> finish;
  bool compute_ordered = false;  // ComputeWaits issued and finish run
  bool done = false;             // settled: `status` is the outcome
  absl::Status status;
};

struct NcclState {
  NcclState(std::unique_ptr<NcclRuntime> runtime,
            std::unique_ptr<Communicator> cpu, c10::Device device,
            CommunicatorOptions options, NcclWaits waits);
  // Collectives still in flight keep their buffers (leaked): the stream may
  // write them after we are gone.
  ~NcclState();

  // The rest is called with `mutex` held.

  // One look at `p`; true once it is settled (p.status).
  bool Settle(NcclPending& p);
  // Settles what it can of `outstanding`, oldest first, and drops the
  // settled. Collectives behind one still running are only checked against
  // their deadlines (they complete in order).
  void SettleOutstanding();
  // Ends NCCL once (its stream stops waiting on peers that will not come);
  // later operations fail with `reason`. The CPU communicator is left to
  // Communicator::Abort, which main's catch site calls after reporting: an
  // MPI abort here would end the job before the error is printed.
  void AbortNccl(const std::string& reason);
  absl::Status Cancelled(uint64_t seq) const;
  // The error of an operation that did not reach NCCL because it was
  // aborted before (CPU tensors, barriers, Synchronize).
  absl::Status AbortedBefore(const char* what) const;
  // Settles `p` as failed by `cause` and aborts NCCL; returns true.
  bool Fail(NcclPending& p, const absl::Status& cause);

  std::mutex mutex;
  const std::unique_ptr<NcclRuntime> runtime;
  const std::unique_ptr<Communicator> cpu;
  const c10::Device device;
  const CommunicatorOptions options;
  const NcclWaits waits;
  const int rank;
  const int world;
  CollectiveLog log;
  std::deque<std::shared_ptr<NcclPending>> outstanding;
  bool aborted = false;
  std::string abort_reason;

 private:
  bool Expire(NcclPending& p);
  // Settled without completing: its buffers must outlive any stream write.
  void Abandon(NcclPending& p, absl::Status status);
};

}  // namespace micon

#endif  // MICON_DISTRIBUTED_NCCL_NCCL_STATE_H_
