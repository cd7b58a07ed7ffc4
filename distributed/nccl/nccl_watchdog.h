// nccl_watchdog.h: a thread that settles the NCCL communicator's collectives
// in flight (nccl_state.h), so that with stream-ordered waits, where no host
// thread waits on a collective, a stalled one still fails at its deadline
// (NCCL is aborted, which releases the streams and any host blocked on
// them), an asynchronous error still aborts NCCL, and completed collectives
// release their buffers. ProcessGroupNCCL's watchdog does the same.
#ifndef MICON_DISTRIBUTED_NCCL_NCCL_WATCHDOG_H_
#define MICON_DISTRIBUTED_NCCL_NCCL_WATCHDOG_H_

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <thread>

#include "distributed/nccl/nccl_state.h"

namespace micon {

class NcclWatchdog {
 public:
  NcclWatchdog(std::shared_ptr<NcclState> state,
               std::chrono::microseconds period);
  ~NcclWatchdog();  // stops and joins the thread
  NcclWatchdog(const NcclWatchdog&) = delete;
  NcclWatchdog& operator=(const NcclWatchdog&) = delete;

 private:
  void Run();

  const std::shared_ptr<NcclState> state_;
  const std::chrono::microseconds period_;
  std::mutex stop_mutex_;
  std::condition_variable stop_cv_;
  bool stop_ = false;
  std::thread thread_;  // last: starts after everything above exists
};

}  // namespace micon

#endif  // MICON_DISTRIBUTED_NCCL_NCCL_WATCHDOG_H_
