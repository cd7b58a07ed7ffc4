// blocking_watchdog.h: the deadline of a blocking MPI collective.
//
// A small all-reduce costs about twice as much through MPI_Iallreduce polled
// to completion as through a blocking MPI_Allreduce (Open MPI's non-blocking
// collectives run a generic schedule: docs/PERFORMANCE.md, "The trainer's
// waits"), and a synchronised BatchNorm step makes ~80 of them. But a rank
// blocked inside MPI_Allreduce cannot time out by itself: MPI has no way to
// cancel a collective. So while such a call is armed, this thread watches its
// deadline and, past it, calls `expired` on its own thread (which needs
// MPI_THREAD_MULTIPLE when `expired` uses MPI), which reports the collective
// and ends the job. ProcessGroupNCCL's watchdog plays the same part for
// collectives no host thread waits on.
//
//   BlockingWatchdog watchdog(
//       [&](uint64_t seq, std::chrono::milliseconds limit) { ...; MPI_Abort(...); });
//   watchdog.Arm(seq, limit);
//   MPI_Allreduce(...);
//   watchdog.Disarm();
#ifndef MICON_DISTRIBUTED_MPI_BLOCKING_WATCHDOG_H_
#define MICON_DISTRIBUTED_MPI_BLOCKING_WATCHDOG_H_

#include <chrono>
#include <cstdint>
#include <functional>
#include <mutex>

#include "distributed/periodic_thread.h"

namespace micon {

class BlockingWatchdog {
 public:
  // Called at most once per armed call, on the watchdog's thread, with the
  // call's sequence number and limit; it may return (then the call simply
  // goes on blocking) or end the process.
  using Expired =
      std::function<void(uint64_t seq, std::chrono::milliseconds limit)>;

  // `period`: how often the deadline is looked at, so how late past it
  // `expired` may come.
  explicit BlockingWatchdog(Expired expired, std::chrono::milliseconds period =
                                                 std::chrono::milliseconds(50));
  // Destroying it stops and joins the thread.
  BlockingWatchdog(const BlockingWatchdog&) = delete;
  BlockingWatchdog& operator=(const BlockingWatchdog&) = delete;

  // One call at a time: Arm before the blocking call, Disarm after it.
  void Arm(uint64_t seq, std::chrono::milliseconds limit);
  void Disarm();

 private:
  void Check();

  const Expired expired_;
  std::mutex mutex_;
  bool armed_ = false;
  bool fired_ = false;  // `expired` was called for the armed call
  uint64_t seq_ = 0;
  std::chrono::milliseconds limit_{0};
  std::chrono::steady_clock::time_point deadline_;
  PeriodicThread thread_;  // last: starts after everything above exists
};

}  // namespace micon

#endif  // MICON_DISTRIBUTED_MPI_BLOCKING_WATCHDOG_H_
