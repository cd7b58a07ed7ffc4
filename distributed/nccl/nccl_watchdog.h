// nccl_watchdog.h: a thread that settles the NCCL communicator's collectives
// in flight (nccl_state.h), so that with stream-ordered waits, where no host
// thread waits on a collective, a stalled one still fails at its deadline
// (NCCL is aborted, which releases the streams and any host blocked on
// them), an asynchronous error still aborts NCCL, and completed collectives
// release their buffers. ProcessGroupNCCL's watchdog does the same.
#ifndef MICON_DISTRIBUTED_NCCL_NCCL_WATCHDOG_H_
#define MICON_DISTRIBUTED_NCCL_NCCL_WATCHDOG_H_

#include <chrono>
#include <memory>

#include "distributed/nccl/nccl_state.h"
#include "distributed/periodic_thread.h"

namespace micon {

class NcclWatchdog {
 public:
  NcclWatchdog(std::shared_ptr<NcclState> state,
               std::chrono::microseconds period);
  // Destroying it stops and joins the thread.
  NcclWatchdog(const NcclWatchdog&) = delete;
  NcclWatchdog& operator=(const NcclWatchdog&) = delete;

 private:
  bool BindThread();
  void Settle();

  const std::shared_ptr<NcclState> state_;
  PeriodicThread thread_;  // last: starts after everything above exists
};

}  // namespace micon

#endif  // MICON_DISTRIBUTED_NCCL_NCCL_WATCHDOG_H_
